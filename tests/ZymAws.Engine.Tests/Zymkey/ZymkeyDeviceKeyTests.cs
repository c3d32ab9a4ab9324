using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;
using Xunit;
using ZymAws.Engine.Keys;
using ZymAws.Zymkey;

namespace ZymAws.Engine.Tests.Zymkey;

/// <summary>ZymkeyDeviceKey through the real P/Invoke path against the simulator.</summary>
[Collection(SimulatorCollection.Name)]
public sealed class ZymkeyDeviceKeyTests : IDisposable
{
    private readonly SimulatorFixture _fixture;
    private readonly string _work = Directory.CreateTempSubdirectory("zymkey-key-test-").FullName;

    public ZymkeyDeviceKeyTests(SimulatorFixture fixture)
    {
        _fixture = fixture;
    }

    public void Dispose() => Directory.Delete(_work, recursive: true);

    [Fact]
    public void SignatureFromSlot0VerifiesWithTheSlotPublicKey_InDotNetAndOpenSsl()
    {
        using var sim = new SimulatedZymkey(_fixture);
        using var key = new ZymkeyDeviceKey(0, sim.Options);
        var data = Encoding.UTF8.GetBytes("the device signs this " + Guid.NewGuid());
        var digest = SHA256.HashData(data);

        var signature = key.SignSha256Digest(digest);
        var spki = key.GetSubjectPublicKeyInfo();

        Assert.Equal("Zymkey slot 0", key.Description);
        Assert.Equal(DeviceKeyAlgorithm.EcP256, key.Algorithm);
        using var ecdsa = ECDsa.Create();
        ecdsa.ImportSubjectPublicKeyInfo(spki, out _);
        Assert.True(ecdsa.VerifyHash(digest, signature, DSASignatureFormat.Rfc3279DerSequence));

        var pub = Path.Combine(_work, "pub.pem");
        var dataFile = Path.Combine(_work, "data.bin");
        var sigFile = Path.Combine(_work, "sig.der");
        File.WriteAllText(pub, Tools.ToPem("PUBLIC KEY", spki));
        File.WriteAllBytes(dataFile, data);
        File.WriteAllBytes(sigFile, signature);
        var ok = Tools.OpenSsl("dgst", "-sha256", "-verify", pub, "-signature", sigFile, dataFile);
        Assert.True(ok.ExitCode == 0, ok.StdOut + ok.StdErr);
        Assert.Contains("Verified OK", ok.StdOut);

        // ...and openssl rejects it for other data, so the check above can fail.
        File.WriteAllBytes(dataFile, Encoding.UTF8.GetBytes("something else"));
        var bad = Tools.OpenSsl("dgst", "-sha256", "-verify", pub, "-signature", sigFile, dataFile);
        Assert.NotEqual(0, bad.ExitCode);
    }

    [Fact]
    public void PublicKeyEqualsTheKeyTheSimulatorStores()
    {
        using var sim = new SimulatedZymkey(_fixture);
        using var device = sim.Open();
        for (var slot = 0; slot < 3; slot++)
        {
            using var key = new ZymkeyDeviceKey(device, slot);
            var spki = key.GetSubjectPublicKeyInfo();

            var der = Path.Combine(_work, $"slot{slot}.der");
            var result = Tools.OpenSsl("pkey", "-in", sim.SlotPem(slot), "-pubout", "-outform", "DER", "-out", der);
            Assert.True(result.ExitCode == 0, result.StdErr);
            Assert.Equal(File.ReadAllBytes(der), spki);
        }
    }

    [Fact]
    public void EachFactorySlotHasItsOwnKey_AndKeysSurviveReopening()
    {
        using var sim = new SimulatedZymkey(_fixture);
        byte[][] first;
        using (var device = sim.Open())
        {
            first = Enumerable.Range(0, 3).Select(slot => new ZymkeyDeviceKey(device, slot).GetSubjectPublicKeyInfo()).ToArray();
        }

        Assert.Equal(3, first.Select(Convert.ToHexString).Distinct().Count());
        using var again = sim.Open();
        for (var slot = 0; slot < 3; slot++)
        {
            Assert.Equal(first[slot], new ZymkeyDeviceKey(again, slot).GetSubjectPublicKeyInfo());
        }
    }

    [Fact]
    public void ManyParallelSignaturesAllVerify()
    {
        const int threads = 8;
        const int perThread = 200;
        using var sim = new SimulatedZymkey(_fixture);
        var results = new ConcurrentBag<(int Slot, byte[] Digest, byte[] Signature)>();
        var errors = new ConcurrentBag<Exception>();

        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            try
            {
                // Every thread opens its own key (a lease on the one shared context) at the same time.
                using var key = new ZymkeyDeviceKey(t % 3, sim.Options);
                for (var i = 0; i < perThread; i++)
                {
                    var digest = SHA256.HashData(BitConverter.GetBytes(t * 100_000 + i));
                    results.Add((key.Slot, digest, key.SignSha256Digest(digest)));
                }
            }
            catch (Exception e)
            {
                errors.Add(e);
            }
        })).ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => Assert.True(w.Join(TimeSpan.FromSeconds(120)), "a signing thread did not finish"));

        Assert.Empty(errors);
        Assert.Equal(threads * perThread, results.Count);
        Assert.Equal(0, ZymkeyDevice.OpenContextCount);

        using var device = sim.Open();
        var verifiers = Enumerable.Range(0, 3).Select(slot =>
        {
            var ecdsa = ECDsa.Create();
            ecdsa.ImportSubjectPublicKeyInfo(new ZymkeyDeviceKey(device, slot).GetSubjectPublicKeyInfo(), out _);
            return ecdsa;
        }).ToArray();
        Assert.All(results, r => Assert.True(
            verifiers[r.Slot].VerifyHash(r.Digest, r.Signature, DSASignatureFormat.Rfc3279DerSequence)));
        foreach (var v in verifiers)
        {
            v.Dispose();
        }
    }

    [Fact]
    public void PublicKeyIsReadFromTheDeviceOnce()
    {
        using var sim = new SimulatedZymkey(_fixture, settings: new Dictionary<string, string>
        {
            ["ZK_SIM_FAIL_zkExportPubKey"] = "-5",
            ["ZK_SIM_FAIL_zkExportPubKey_AFTER"] = "1",
        });
        using var key = new ZymkeyDeviceKey(0, sim.Options);

        var first = key.GetSubjectPublicKeyInfo();
        var second = key.GetSubjectPublicKeyInfo(); // the device would fail now: served from the cache

        Assert.Equal(first, second);
        var e = Assert.Throws<ZymkeyException>(() => key.Device.ExportPublicKey(0));
        Assert.Equal(-5, e.ReturnCode);
    }

    [Fact]
    public void CsrSignedThroughTheKeyIsAcceptedByOpenSsl()
    {
        using var sim = new SimulatedZymkey(_fixture);
        using var key = new ZymkeyDeviceKey(0, sim.Options);
        var subject = new X509Name("CN=zym-test-device,O=cexample,OU=zym-role-alias,L=eu-west-1,ST=zym-policy");

        var csr = new Pkcs10CertificationRequest(new DeviceKeySignatureFactory(key), subject,
            PublicKeyFactory.CreateKey(key.GetSubjectPublicKeyInfo()), null);
        var csrFile = Path.Combine(_work, "device.csr");
        File.WriteAllText(csrFile, Tools.ToPem("CERTIFICATE REQUEST", csr.GetEncoded()));

        Assert.True(csr.Verify());
        Assert.True(Tools.OpenSslReqVerifies(csrFile, out var output), output);

        var pubFile = Path.Combine(_work, "csr-pub.der");
        Assert.Equal(0, Tools.OpenSsl("req", "-in", csrFile, "-pubkey", "-noout", "-out", pubFile + ".pem").ExitCode);
        Assert.Equal(0, Tools.OpenSsl("pkey", "-pubin", "-in", pubFile + ".pem", "-outform", "DER", "-out", pubFile).ExitCode);
        Assert.Equal(key.GetSubjectPublicKeyInfo(), File.ReadAllBytes(pubFile));
    }

    [Fact]
    public void CsrWithAnotherSlotsPublicKeyIsRejectedByOpenSsl()
    {
        using var sim = new SimulatedZymkey(_fixture);
        using var device = sim.Open();
        using var signer = new ZymkeyDeviceKey(device, 0);
        using var other = new ZymkeyDeviceKey(device, 1);

        var csr = new Pkcs10CertificationRequest(new DeviceKeySignatureFactory(signer), new X509Name("CN=mismatch"),
            PublicKeyFactory.CreateKey(other.GetSubjectPublicKeyInfo()), null);
        var csrFile = Path.Combine(_work, "mismatch.csr");
        File.WriteAllText(csrFile, Tools.ToPem("CERTIFICATE REQUEST", csr.GetEncoded()));

        Assert.False(Tools.OpenSslReqVerifies(csrFile, out var output), output);
        Assert.Contains("verify failure", output);
    }

    [Fact]
    public void WrongDigestLengthIsRejectedBeforeTheDevice()
    {
        using var sim = new SimulatedZymkey(_fixture);
        using var key = new ZymkeyDeviceKey(0, sim.Options);

        var e = Assert.Throws<ZymkeyException>(() => key.SignSha256Digest(new byte[20]));

        Assert.Equal("ZymkeyDigestInvalid", e.ErrorId);
        Assert.Equal(ZymErrorCategory.InvalidArgument, e.Category);
        Assert.Null(e.ReturnCode);
    }

    [Fact]
    public void NegativeSlotIsRejected()
    {
        var e = Assert.Throws<ZymkeyException>(() => new ZymkeyDeviceKey(-1, new ZymkeyOptions { LibraryPath = "/nonexistent" }));

        Assert.Equal("ZymkeySlotInvalid", e.ErrorId);
        Assert.Equal(-1, e.Target);
    }

    /// <summary>BouncyCastle signature factory over any IDeviceKey (ECDSA with SHA-256).</summary>
    private sealed class DeviceKeySignatureFactory : ISignatureFactory
    {
        private readonly IDeviceKey _key;

        public DeviceKeySignatureFactory(IDeviceKey key) => _key = key;

        public object AlgorithmDetails => new AlgorithmIdentifier(X9ObjectIdentifiers.ECDsaWithSha256);

        public IStreamCalculator<IBlockResult> CreateCalculator() => new Calculator(_key);

        private sealed class Calculator : IStreamCalculator<IBlockResult>
        {
            private readonly IDeviceKey _key;
            private readonly MemoryStream _stream = new();

            public Calculator(IDeviceKey key) => _key = key;

            public Stream Stream => _stream;

            public IBlockResult GetResult() => new SimpleBlockResult(_key.SignSha256Digest(SHA256.HashData(_stream.ToArray())));
        }
    }
}
