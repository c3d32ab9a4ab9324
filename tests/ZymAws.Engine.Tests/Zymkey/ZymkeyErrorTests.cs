using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Xunit;
using ZymAws.Zymkey;

namespace ZymAws.Engine.Tests.Zymkey;

/// <summary>Failures injected into the simulator come back as clear ZymkeyExceptions.</summary>
[Collection(SimulatorCollection.Name)]
public sealed class ZymkeyErrorTests
{
    private readonly SimulatorFixture _fixture;

    public ZymkeyErrorTests(SimulatorFixture fixture)
    {
        _fixture = fixture;
    }

    [Fact]
    public void DeviceTimeoutOnSigningNamesTheFunctionCodeAndMeaning()
    {
        using var sim = new SimulatedZymkey(_fixture, settings: Fail("zkGenECDSASigFromDigest", "-110"));
        using var key = new ZymkeyDeviceKey(0, sim.Options);

        var e = Assert.Throws<ZymkeyException>(() => key.SignSha256Digest(SHA256.HashData(new byte[] { 1 })));

        Assert.Equal("ZymkeyCallFailed", e.ErrorId);
        Assert.Equal(ZymErrorCategory.OperationTimeout, e.Category);
        Assert.Equal("zkGenECDSASigFromDigest", e.FunctionName);
        Assert.Equal(-110, e.ReturnCode);
        Assert.Equal("ETIMEDOUT", e.ErrnoName);
        Assert.Equal("device not responding", e.Meaning);
        Assert.Equal("Zymkey slot 0", e.Target);
        Assert.Contains("zkGenECDSASigFromDigest failed with -110 (ETIMEDOUT: device not responding) for Zymkey slot 0", e.Message);
        Assert.Contains("zkifc", e.Message);
    }

    [Theory]
    [InlineData(-5, "EIO", ZymErrorCategory.DeviceError)]
    [InlineData(-16, "EBUSY", ZymErrorCategory.ResourceBusy)]
    [InlineData(-22, "EINVAL", ZymErrorCategory.InvalidArgument)]
    [InlineData(-12, "ENOMEM", ZymErrorCategory.DeviceError)]
    [InlineData(-19, "ENODEV", ZymErrorCategory.DeviceError)]
    [InlineData(-13, "EACCES", ZymErrorCategory.PermissionDenied)]
    [InlineData(-95, "EOPNOTSUPP", ZymErrorCategory.NotImplemented)]
    [InlineData(-4242, "E?", ZymErrorCategory.DeviceError)]
    public void EveryInjectedCodeIsReportedWithItsName(int code, string name, ZymErrorCategory category)
    {
        using var sim = new SimulatedZymkey(_fixture, settings: Fail("zkGenECDSASigFromDigest", code.ToString()));
        using var device = sim.Open();

        var e = Assert.Throws<ZymkeyException>(() => device.GenerateSignature(1, new byte[32]));

        Assert.Equal(code, e.ReturnCode);
        Assert.Equal(name, e.ErrnoName);
        Assert.Equal(category, e.Category);
        Assert.Contains($"{code} ({name}: {e.Meaning})", e.Message);
        Assert.Equal("Zymkey slot 1", e.Target);
    }

    [Fact]
    public void FailureAfterNCallsLetsTheFirstNSucceed()
    {
        using var sim = new SimulatedZymkey(_fixture, settings: new Dictionary<string, string>
        {
            ["ZK_SIM_FAIL_zkGenECDSASigFromDigest"] = "-5",
            ["ZK_SIM_FAIL_zkGenECDSASigFromDigest_AFTER"] = "3",
        });
        using var key = new ZymkeyDeviceKey(0, sim.Options);
        var digest = new byte[32];

        for (var i = 0; i < 3; i++)
        {
            Assert.NotEmpty(key.SignSha256Digest(digest));
        }

        Assert.Equal(-5, Assert.Throws<ZymkeyException>(() => key.SignSha256Digest(digest)).ReturnCode);
        Assert.Equal(-5, Assert.Throws<ZymkeyException>(() => key.SignSha256Digest(digest)).ReturnCode);
    }

    [Fact]
    public void OpenFailureLeavesNothingOpen_AndTheNextOpenWorks()
    {
        using (var sim = new SimulatedZymkey(_fixture, settings: Fail("zkOpen", "-19")))
        {
            var e = Assert.Throws<ZymkeyException>(() => sim.Open());
            Assert.Equal("zkOpen", e.FunctionName);
            Assert.Equal("ENODEV", e.ErrnoName);
            Assert.Equal(0, ZymkeyDevice.OpenContextCount);
        }

        using var healthy = new SimulatedZymkey(_fixture);
        using var device = healthy.Open();
        Assert.Equal(64, device.GenerateSignature(0, new byte[32]).Length);
    }

    [Fact]
    public void PublicKeyExportFailureIsReported()
    {
        using var sim = new SimulatedZymkey(_fixture, settings: Fail("zkExportPubKey", "-110"));
        using var key = new ZymkeyDeviceKey(2, sim.Options);

        var e = Assert.Throws<ZymkeyException>(() => key.GetSubjectPublicKeyInfo());

        Assert.Equal("zkExportPubKey", e.FunctionName);
        Assert.Equal(ZymErrorCategory.OperationTimeout, e.Category);
        Assert.Equal("Zymkey slot 2", e.Target);
    }

    [Fact]
    public void SlotTheDeviceDoesNotHaveIsInvalidArgument()
    {
        using var sim = new SimulatedZymkey(_fixture); // a Zymkey 4i: slots 0, 1, 2
        using var key = new ZymkeyDeviceKey(3, sim.Options);

        var e = Assert.Throws<ZymkeyException>(() => key.SignSha256Digest(new byte[32]));

        Assert.Equal(-22, e.ReturnCode);
        Assert.Equal(ZymErrorCategory.InvalidArgument, e.Category);
        Assert.Equal("Zymkey slot 3", e.Target);
    }

    [Fact]
    public void MissingLibraryListsEveryPathTried()
    {
        var dir = Directory.CreateTempSubdirectory("zymkey-missing-").FullName;
        try
        {
            var explicitPath = Path.Combine(dir, "nowhere", "libzk_app_utils.so");
            var searchA = Path.Combine(dir, "a");
            var searchB = Path.Combine(dir, "b");
            var options = new ZymkeyOptions
            {
                LibraryPath = explicitPath,
                SearchDirectories = new[] { searchA, searchB },
                SearchLoaderPath = false,
            };

            var e = Assert.Throws<ZymkeyException>(() => ZymkeyDevice.Open(options));

            Assert.Equal("ZymkeyLibraryNotFound", e.ErrorId);
            Assert.Equal(ZymErrorCategory.NotInstalled, e.Category);
            if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux))
            {
                Assert.Contains("Linux only", e.Message);
                return;
            }

            var expected = new[]
            {
                explicitPath,
                Path.Combine(searchA, "libzk_app_utils.so"),
                Path.Combine(searchB, "libzk_app_utils.so"),
            };
            Assert.Equal(expected.Select(p => p + " (not found)"), e.TriedPaths);
            Assert.All(expected, p => Assert.Contains(p, e.Message));
            Assert.Contains("ZYMKEY_LIBRARY_PATH", e.Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void FilesThatAreNotTheZymkeyLibraryAreReportedWithTheReason()
    {
        var dir = Directory.CreateTempSubdirectory("zymkey-notlib-").FullName;
        try
        {
            var text = Path.Combine(dir, "text", "libzk_app_utils.so");
            Directory.CreateDirectory(Path.GetDirectoryName(text)!);
            File.WriteAllText(text, "not an ELF file");
            var empty = Path.Combine(dir, "empty", "libzk_app_utils.so");
            Directory.CreateDirectory(Path.GetDirectoryName(empty)!);
            var cc = Tools.Run("gcc", new[] { "-shared", "-fPIC", "-x", "c", "/dev/null", "-o", empty }, timeoutSeconds: 60);
            Assert.True(cc.ExitCode == 0, cc.StdErr);

            var e = Assert.Throws<ZymkeyException>(() => ZymkeyDevice.Open(new ZymkeyOptions
            {
                LibraryPath = text,
                SearchDirectories = new[] { Path.GetDirectoryName(empty)! },
                SearchLoaderPath = false,
            }));

            Assert.Equal("ZymkeyLibraryNotFound", e.ErrorId);
            Assert.Equal(2, e.TriedPaths.Count);
            Assert.StartsWith(text + " (", e.TriedPaths[0]);
            Assert.True(e.TriedPaths[0].Contains("file too short"), e.TriedPaths[0]);
            Assert.Contains("lacks zkOpen, zkClose, zkGenECDSASigFromDigest, zkExportPubKey/zkGetECDSAPubKey", e.TriedPaths[1]);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static Dictionary<string, string> Fail(string function, string code)
        => new() { [$"ZK_SIM_FAIL_{function}"] = code };
}
