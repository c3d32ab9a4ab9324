using System.Security.Cryptography;
using Xunit;
using ZymAws.Engine.Diagnostics;
using ZymAws.Zymkey;

namespace ZymAws.Engine.Tests.Zymkey;

/// <summary>ZymkeyDevice: information, HSM6 key store, random bytes, lifetime, library search.</summary>
[Collection(SimulatorCollection.Name)]
public sealed class ZymkeyDeviceTests
{
    private readonly SimulatorFixture _fixture;

    public ZymkeyDeviceTests(SimulatorFixture fixture)
    {
        _fixture = fixture;
    }

    [Fact]
    public void InfoReportsWhatTheDeviceSays()
    {
        using var sim = new SimulatedZymkey(_fixture, model: "ZYMKEY4i", serial: "4i-serial-0001", firmware: "01.02.03");
        using var device = sim.Open();

        var info = device.GetInfo();

        Assert.Equal("ZYMKEY4i", info.Model);
        Assert.Equal("4i-serial-0001", info.SerialNumber);
        Assert.Equal("01.02.03", info.FirmwareVersion);
        Assert.Equal(sim.LibraryPath, info.LibraryPath);
        Assert.False(info.IsHsm6Family);
        Assert.Null(info.AllocatedSlots); // a Zymkey 4i cannot list its slots
        Assert.Null(info.MaxKeySlots);
    }

    [Fact]
    public void SerialWithoutOverrideIsStablePerDevice()
    {
        using var sim = new SimulatedZymkey(_fixture);
        string first;
        using (var device = sim.Open())
        {
            first = device.GetSerialNumber();
        }

        using (var device = sim.Open())
        {
            Assert.Equal(first, device.GetSerialNumber());
        }

        using var other = new SimulatedZymkey(_fixture);
        using var otherDevice = other.Open();
        Assert.NotEqual(first, otherDevice.GetSerialNumber());
    }

    [Fact]
    public void Hsm6KeyStore_GenerateListSignRemove()
    {
        using var sim = new SimulatedZymkey(_fixture, model: "HSM6");
        using var device = sim.Open();

        var before = device.GetInfo();
        Assert.True(before.IsHsm6Family);
        Assert.Equal(Enumerable.Range(0, 14), before.AllocatedSlots);

        var slot = device.GenerateKeyPair(ZymkeyKeyType.NistP256);
        Assert.True(slot >= 16, $"key-store slot {slot}");
        Assert.Contains(slot, device.GetAllocatedSlots().Slots);

        using (var key = new ZymkeyDeviceKey(device, slot))
        {
            var digest = SHA256.HashData(new byte[] { 42 });
            using var ecdsa = ECDsa.Create();
            ecdsa.ImportSubjectPublicKeyInfo(key.GetSubjectPublicKeyInfo(), out _);
            Assert.True(ecdsa.VerifyHash(digest, key.SignSha256Digest(digest), DSASignatureFormat.Rfc3279DerSequence));
        }

        device.RemoveKey(slot);
        Assert.DoesNotContain(slot, device.GetAllocatedSlots().Slots);
        Assert.Equal(-22, Assert.Throws<ZymkeyException>(() => device.GenerateSignature(slot, new byte[32])).ReturnCode);

        var factory = Assert.Throws<ZymkeyException>(() => device.RemoveKey(0));
        Assert.Equal(ZymErrorCategory.PermissionDenied, factory.Category);
        Assert.Equal("zkRemoveKey", factory.FunctionName);
    }

    [Fact]
    public void KeyStoreFunctionsAreRefusedOffHsm6()
    {
        using var sim = new SimulatedZymkey(_fixture, model: "ZYMKEY4i");
        using var device = sim.Open();

        var e = Assert.Throws<ZymkeyException>(() => device.GenerateKeyPair(ZymkeyKeyType.NistP256));

        Assert.Equal("zkGenKeyPair", e.FunctionName);
        Assert.Equal("EOPNOTSUPP", e.ErrnoName);
        Assert.Equal(ZymErrorCategory.NotImplemented, e.Category);
    }

    [Fact]
    public void NonP256SlotIsRefusedAsADeviceKey()
    {
        using var sim = new SimulatedZymkey(_fixture, model: "HSM6");
        using var device = sim.Open();
        var slot = device.GenerateKeyPair(ZymkeyKeyType.Secp256k1);
        using var key = new ZymkeyDeviceKey(device, slot);

        var e = Assert.Throws<ZymkeyException>(() => key.GetSubjectPublicKeyInfo());

        Assert.Equal("ZymkeyKeyNotP256", e.ErrorId);
        Assert.Equal($"Zymkey slot {slot}", e.Target);
    }

    [Fact]
    public void DeviceVerifiesItsOwnSignaturesAndRejectsTamperedOnes()
    {
        using var sim = new SimulatedZymkey(_fixture);
        using var device = sim.Open();
        var digest = SHA256.HashData(new byte[] { 7 });
        var signature = device.GenerateSignature(1, digest);

        Assert.True(device.VerifySignature(1, digest, signature));
        Assert.False(device.VerifySignature(2, digest, signature));
        signature[10] ^= 0x01;
        Assert.False(device.VerifySignature(1, digest, signature));
    }

    [Fact]
    public void RandomBytesHaveTheRequestedLengthAndDiffer()
    {
        using var sim = new SimulatedZymkey(_fixture);
        using var device = sim.Open();

        var a = device.GetRandomBytes(48);
        var b = device.GetRandomBytes(48);

        Assert.Equal(48, a.Length);
        Assert.NotEqual(a, b);
        Assert.Equal("ZymkeyArgumentInvalid", Assert.Throws<ZymkeyException>(() => device.GetRandomBytes(0)).ErrorId);
    }

    [Fact]
    public void OldLibraryWithoutExportPubKeyFallsBackToGetEcdsaPubKey()
    {
        using var modern = new SimulatedZymkey(_fixture);
        byte[] expected;
        using (var key = new ZymkeyDeviceKey(0, modern.Options))
        {
            expected = key.GetSubjectPublicKeyInfo();
        }

        using var legacy = new SimulatedZymkey(_fixture, directory: modern.Directory, legacy: true);
        var log = new RecordingLog();
        using var device = ZymkeyDevice.Open(legacy.Options, log);
        using var legacyKey = new ZymkeyDeviceKey(device, 0);

        Assert.False(device.HasExportPubKey);
        Assert.Equal(expected, legacyKey.GetSubjectPublicKeyInfo());
        Assert.Contains(log.Verbose, m => m.Contains("zkGetECDSAPubKey"));
        Assert.Null(device.GetInfo().AllocatedSlots);
        Assert.Equal("ZymkeyFunctionNotAvailable",
            Assert.Throws<ZymkeyException>(() => device.ExportPublicKey(0, foreign: true)).ErrorId);
        Assert.Equal("ZymkeyFunctionNotAvailable",
            Assert.Throws<ZymkeyException>(() => device.GenerateKeyPair(ZymkeyKeyType.NistP256)).ErrorId);
    }

    [Fact]
    public void LeasesShareOneContext_TheLastDisposeClosesIt()
    {
        using var sim = new SimulatedZymkey(_fixture);
        var first = sim.Open();
        var second = sim.Open();
        Assert.Equal(1, ZymkeyDevice.OpenContextCount);

        first.Dispose();
        Assert.Equal(1, ZymkeyDevice.OpenContextCount);
        Assert.Throws<ObjectDisposedException>(() => first.GenerateSignature(0, new byte[32]));
        Assert.Equal(64, second.GenerateSignature(0, new byte[32]).Length);

        second.Dispose();
        second.Dispose(); // twice is harmless
        Assert.Equal(0, ZymkeyDevice.OpenContextCount);
    }

    [Fact]
    public void NewContextSeesNewSettings()
    {
        using var sim = new SimulatedZymkey(_fixture, serial: "first");
        using (var device = sim.Open())
        {
            Assert.Equal("first", device.GetSerialNumber());
        }

        SimulatorEnvironment.Set("ZK_SIM_SERIAL", "second");
        using (var device = sim.Open())
        {
            Assert.Equal("second", device.GetSerialNumber());
        }
    }

    [Fact]
    public void EnvironmentVariableNamingAFolderIsSearchedFirst()
    {
        using var sim = new SimulatedZymkey(_fixture);
        var previous = Environment.GetEnvironmentVariable(ZymkeyOptions.LibraryPathVariable);
        Environment.SetEnvironmentVariable(ZymkeyOptions.LibraryPathVariable, Path.GetDirectoryName(_fixture.LibraryPath));
        try
        {
            using var device = ZymkeyDevice.Open(new ZymkeyOptions { SearchDirectories = Array.Empty<string>(), SearchLoaderPath = false });

            Assert.Equal(_fixture.LibraryPath, device.LibraryPath);
        }
        finally
        {
            Environment.SetEnvironmentVariable(ZymkeyOptions.LibraryPathVariable, previous);
        }
    }

    [Fact]
    public void BadOverrideFallsBackToTheSearchWithAWarning()
    {
        using var sim = new SimulatedZymkey(_fixture);
        var log = new RecordingLog();
        var options = new ZymkeyOptions
        {
            LibraryPath = Path.Combine(sim.Directory, "missing.so"),
            SearchDirectories = new[] { Path.GetDirectoryName(_fixture.LibraryPath)! },
            SearchLoaderPath = false,
        };

        using var device = ZymkeyDevice.Open(options, log);

        Assert.Equal(_fixture.LibraryPath, device.LibraryPath);
        Assert.Contains(log.Warnings, w => w.Contains("missing.so") && w.Contains(_fixture.LibraryPath));
    }

    private sealed class RecordingLog : IEngineLog
    {
        public List<string> Verbose { get; } = new();

        public List<string> Warnings { get; } = new();

        void IEngineLog.Verbose(string message) => Verbose.Add(message);

        public void Debug(string message)
        {
        }

        public void Warning(string message) => Warnings.Add(message);
    }
}
