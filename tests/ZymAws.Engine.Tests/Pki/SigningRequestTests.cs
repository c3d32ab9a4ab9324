using System.Security.Cryptography;
using System.Text;
using Xunit;
using ZymAws.Engine.Keys;
using ZymAws.Engine.Pki;

namespace ZymAws.Engine.Tests.Pki;

public sealed class SigningRequestTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(DeviceKeyAlgorithm.EcP256)]
    [InlineData(DeviceKeyAlgorithm.EcP384)]
    public void Create_MakesACsrOpensslVerifies(DeviceKeyAlgorithm algorithm)
    {
        using var key = SoftwareDeviceKey.Generate(algorithm);
        var csr = SigningRequest.Create(key, new DeviceSubject("sensor-0001", "ZymPolicy", "eu-west-1", "c9f8e7", "ZymRoleAlias"));
        File.WriteAllText(_dir["d.csr"], csr.Pem);

        var verify = OpenSsl.Run(_dir.Path, "req", "-in", "d.csr", "-verify", "-noout");

        Assert.Equal(0, verify.ExitCode);
        Assert.Contains("verify OK", verify.All);
        Assert.Equal("subject=CN=sensor-0001,OU=ZymRoleAlias,O=c9f8e7,L=eu-west-1,ST=ZymPolicy", OpenSsl.Ok(_dir.Path, "req", "-in", "d.csr", "-noout", "-subject", "-nameopt", "RFC2253").Trim());
        Assert.Equal("ecdsa-with-SHA256", csr.SignatureAlgorithm);
        Assert.Equal(algorithm, csr.Algorithm);
        Assert.Equal(key.GetSubjectPublicKeyInfo(), Convert.FromBase64String(string.Concat(OpenSsl.Ok(_dir.Path, "req", "-in", "d.csr", "-noout", "-pubkey").Split('\n').Where(l => !l.StartsWith("-----", StringComparison.Ordinal)))));
    }

    [Fact]
    public void Create_WorksWithAnyIDeviceKey_ThroughSignSha256DigestOnly()
    {
        // Another implementation of the device key contract (as a Zymkey slot would be): only a digest is signed.
        using var key = new PlatformEcKey();
        var csr = SigningRequest.Create(key, new DeviceSubject("hw-key-device"));
        File.WriteAllText(_dir["hw.csr"], csr.Pem);

        Assert.Contains("verify OK", OpenSsl.Run(_dir.Path, "req", "-in", "hw.csr", "-verify", "-noout").All);
        Assert.Equal(1, key.Signatures);
        Assert.Equal(32, key.LastDigestLength);
    }

    [Fact]
    public void Create_WhenTheKeyReturnsABadSignature_IsDeviceKeySignatureInvalid()
    {
        using var rawSignature = new PlatformEcKey { ReturnRawSignature = true }; // r‖s instead of DER: a typical integration bug
        using var wrongKey = new PlatformEcKey { SignWithOtherKey = true };

        foreach (var key in new[] { rawSignature, wrongKey })
        {
            var ex = Assert.Throws<ZymException>(() => SigningRequest.Create(key, new DeviceSubject("hw-key-device")));
            Assert.Equal("DeviceKeySignatureInvalid", ex.ErrorId);
            Assert.Equal(ZymErrorCategory.DeviceError, ex.Category);
        }
    }

    [Fact]
    public void Parse_AcceptsDerPemNoiseCrlfUtf16AndOldLabel()
    {
        using var key = SoftwareDeviceKey.Generate();
        var csr = SigningRequest.Create(key, new DeviceSubject("parse-me"));
        string pem = csr.Pem;
        string b64 = string.Concat(pem.Split('\n').Where(l => l.Length > 0 && !l.StartsWith("-----", StringComparison.Ordinal)));

        var fromDer = SigningRequest.Parse(csr.GetDer());
        var fromNoise = SigningRequest.Parse("Here is my CSR:\r\n\r\n  " + pem.Replace("\n", "\r\n  ") + "\r\nthanks!\r\n");
        var fromOldLabel = SigningRequest.Parse("-----BEGIN NEW CERTIFICATE REQUEST-----\n" + b64 + "\n-----END NEW CERTIFICATE REQUEST-----\n");
        File.WriteAllText(_dir["utf16.csr"], pem, Encoding.Unicode);
        var fromUtf16 = SigningRequest.Load(_dir["utf16.csr"]);

        foreach (var parsed in new[] { fromDer, fromNoise, fromOldLabel, fromUtf16 })
        {
            Assert.Equal(pem, parsed.Pem);
            Assert.Equal("parse-me", parsed.ThingName);
            Assert.True(parsed.Verify());
        }

        Assert.Equal(_dir["utf16.csr"], fromUtf16.Source);
    }

    [Fact]
    public void ParseAll_ReturnsEveryCsrInOrder()
    {
        using var k1 = SoftwareDeviceKey.Generate();
        using var k2 = SoftwareDeviceKey.Generate();
        string text = SigningRequest.Create(k1, new DeviceSubject("first")).Pem + "\n# another\n" + SigningRequest.Create(k2, new DeviceSubject("second")).Pem;

        var all = SigningRequest.ParseAll(text);

        Assert.Equal(new[] { "first", "second" }, all.Select(c => c.ThingName));
        Assert.Equal("first", SigningRequest.Parse(text).ThingName);
    }

    [Fact]
    public void Parse_BrokenInputs_AreCsrMalformed()
    {
        using var key = SoftwareDeviceKey.Generate();
        var csr = SigningRequest.Create(key, new DeviceSubject("broken"));
        string pem = csr.Pem;
        byte[] der = csr.GetDer();
        var lines = pem.Split('\n');
        var cases = new Dictionary<string, Func<SigningRequest>>
        {
            ["truncated PEM"] = () => SigningRequest.Parse(pem.Substring(0, pem.Length / 2)),
            ["PEM with its body cut short"] = () => SigningRequest.Parse(string.Join('\n', lines.Take(2).Concat(lines.Skip(lines.Length - 2)))),
            ["corrupt base64"] = () => SigningRequest.Parse(pem.Replace(lines[1], "%%%%" + lines[1].Substring(4))),
            ["truncated DER"] = () => SigningRequest.Parse(der.Take(der.Length - 10).ToArray()),
            ["DER with trailing bytes"] = () => SigningRequest.Parse(der.Concat(new byte[] { 0, 0 }).ToArray()),
            ["garbage DER"] = () => SigningRequest.Parse(new byte[] { 0x30, 0x03, 0x02, 0x01, 0x00 }),
            ["empty"] = () => SigningRequest.Parse(string.Empty),
            ["plain text"] = () => SigningRequest.Parse("hello"),
            ["a certificate"] = () => SigningRequest.Parse(CaSigner.Create("CN=x").CertificatePem),
        };

        foreach (var (name, parse) in cases)
        {
            var ex = Assert.Throws<ZymException>(() => parse());
            Assert.True(ex.ErrorId == "CsrMalformed", $"{name}: {ex.ErrorId} {ex.Message}");
            Assert.Equal(ZymErrorCategory.InvalidData, ex.Category);
        }

        File.WriteAllText(_dir["cut.csr"], pem.Substring(0, 100));
        var fromFile = Assert.Throws<ZymException>(() => SigningRequest.Load(_dir["cut.csr"]));
        Assert.Equal("CsrMalformed", fromFile.ErrorId);
        Assert.Equal(_dir["cut.csr"], fromFile.Target);
        Assert.Contains("truncated", fromFile.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Csr_WithAFlippedSignatureByte_IsCsrSignatureInvalid()
    {
        using var ca = CaSigner.Create("CN=Fleet CA");
        using var key = SoftwareDeviceKey.Generate();
        byte[] der = SigningRequest.Create(key, new DeviceSubject("tampered")).GetDer();
        der[^1] ^= 0x01; // last byte of the signature's s value: still valid DER

        var csr = SigningRequest.Parse(der);
        var ex = Assert.Throws<ZymException>(() => ca.IssueDeviceCertificate(csr));

        Assert.False(csr.Verify());
        Assert.Equal("CsrSignatureInvalid", ex.ErrorId);
        Assert.Equal(ZymErrorCategory.SecurityError, ex.Category);
        Assert.Same(csr, ex.Target);

        // openssl agrees (OpenSSL 3.0 exits 0 here, so read what it says).
        File.WriteAllBytes(_dir["t.der"], der);
        string said = OpenSsl.Run(_dir.Path, "req", "-in", "t.der", "-inform", "DER", "-verify", "-noout").All;
        Assert.Contains("verify failure", said);
        Assert.DoesNotContain("verify OK", said);
    }

    [Fact]
    public void Csr_WithAnAlteredSubject_IsCsrSignatureInvalid()
    {
        using var ca = CaSigner.Create("CN=Fleet CA");
        using var key = SoftwareDeviceKey.Generate();
        byte[] der = SigningRequest.Create(key, new DeviceSubject("device-a")).GetDer();
        int at = IndexOf(der, Encoding.ASCII.GetBytes("device-a"));
        der[at + 7] = (byte)'b'; // ask for another thing name with the same signature

        var csr = SigningRequest.Parse(der);

        Assert.Equal("device-b", csr.ThingName);
        Assert.Equal("CsrSignatureInvalid", Assert.Throws<ZymException>(() => ca.IssueDeviceCertificate(csr)).ErrorId);
    }

    public static TheoryData<string, string[], string, string[]?> BadOpensslCsrs => new()
    {
        // name, key command, CSR subject, extra req arguments ; expected error
        { "RSA 1024", new[] { "genrsa", "-out", "k.key", "1024" }, "/CN=small-rsa", null },
        { "secp256k1", new[] { "ecparam", "-genkey", "-name", "secp256k1", "-noout", "-out", "k.key" }, "/CN=k1-device", null },
        { "CA:true requested", new[] { "ecparam", "-genkey", "-name", "prime256v1", "-noout", "-out", "k.key" }, "/CN=wants-ca", new[] { "-addext", "basicConstraints=critical,CA:TRUE" } },
        { "keyCertSign requested", new[] { "ecparam", "-genkey", "-name", "prime256v1", "-noout", "-out", "k.key" }, "/CN=wants-sign", new[] { "-addext", "keyUsage=critical,keyCertSign" } },
        { "illegal thing name", new[] { "ecparam", "-genkey", "-name", "prime256v1", "-noout", "-out", "k.key" }, "/O=x/CN=bad name!", null },
        { "no CN", new[] { "ecparam", "-genkey", "-name", "prime256v1", "-noout", "-out", "k.key" }, "/O=only-org", null },
        { "SHA-1 signature", new[] { "ecparam", "-genkey", "-name", "prime256v1", "-noout", "-out", "k.key" }, "/CN=old-hash", new[] { "-sha1" } },
    };

    [Theory]
    [MemberData(nameof(BadOpensslCsrs))]
    public void BadCsrsMadeWithOpenssl_AreRefusedWithTheirErrorId(string name, string[] keyCommand, string subject, string[]? extra)
    {
        string expected = name switch
        {
            "RSA 1024" or "secp256k1" or "SHA-1 signature" => "CsrKeyUnsupported",
            "CA:true requested" or "keyCertSign requested" => "CsrRequestsCaRights",
            _ => "ThingNameInvalid",
        };
        OpenSsl.Ok(_dir.Path, keyCommand);
        OpenSsl.Ok(_dir.Path, new[] { "req", "-new", "-key", "k.key", "-subj", subject, "-out", "bad.csr" }.Concat(extra ?? Array.Empty<string>()).ToArray());
        Assert.Contains("verify OK", OpenSsl.Run(_dir.Path, "req", "-in", "bad.csr", "-verify", "-noout").All); // well-formed and self-consistent
        using var ca = CaSigner.Create("CN=Fleet CA");
        var csr = SigningRequest.Load(_dir["bad.csr"]);

        var ex = Assert.Throws<ZymException>(() => ca.IssueDeviceCertificate(csr));

        Assert.True(ex.ErrorId == expected, $"{name}: expected {expected}, got {ex.ErrorId}: {ex.Message}");
        Assert.Same(csr, ex.Target);
        Assert.Equal(new[] { "bad.csr", "k.key" }, _dir.Files()); // nothing written
    }

    [Fact]
    public void RsaCsrMadeWithOpenssl_IsSigned()
    {
        using var ca = CaSigner.Create("CN=Fleet CA");
        OpenSsl.Ok(_dir.Path, "genrsa", "-out", "k.key", "2048");
        OpenSsl.Ok(_dir.Path, "req", "-new", "-key", "k.key", "-subj", "/CN=rsa-device", "-out", "rsa.csr");

        var cert = ca.IssueDeviceCertificate(SigningRequest.Load(_dir["rsa.csr"]));

        Assert.Equal("RSA 2048", cert.KeyAlgorithm);
        File.WriteAllText(_dir["ca.pem"], ca.CertificatePem);
        File.WriteAllText(_dir["dev.pem"], cert.CertificatePem);
        Assert.Contains("dev.pem: OK", OpenSsl.Ok(_dir.Path, "verify", "-CAfile", "ca.pem", "dev.pem"));
    }

    [Fact]
    public void RsaSoftwareKey_MakesCsrs_AndRsaCaSigns_OnBothBackends()
    {
        OpenSsl.Ok(_dir.Path, "genrsa", "-out", "k.key", "2048");
        OpenSsl.Ok(_dir.Path, "req", "-x509", "-new", "-key", "k.key", "-subj", "/CN=RSA CA", "-days", "30", "-out", "ca.pem");
        foreach (bool platform in new[] { true, false })
        {
            using var backend = PkiCrypto.OverrideOnThisThread(platform);
            using var key = SoftwareDeviceKey.Load(_dir["k.key"]);
            var csr = SigningRequest.Create(key, new DeviceSubject("rsa-csr"));
            File.WriteAllText(_dir["rsa.csr"], csr.Pem);
            Assert.Equal("sha256WithRSAEncryption", csr.SignatureAlgorithm);
            Assert.Contains("verify OK", OpenSsl.Run(_dir.Path, "req", "-in", "rsa.csr", "-verify", "-noout").All);

            using var ca = CaSigner.Load(_dir["ca.pem"], _dir["k.key"]);
            File.WriteAllText(_dir["dev.pem"], ca.IssueDeviceCertificate(csr, 7).CertificatePem);
            Assert.Contains("dev.pem: OK", OpenSsl.Ok(_dir.Path, "verify", "-CAfile", "ca.pem", "dev.pem"));
        }
    }

    [Fact]
    public void LongestThingName_GoesThroughOpenssl()
    {
        string name = new string('t', 120) + "-1234567";
        using var ca = CaSigner.Create("CN=Fleet CA");
        using var key = SoftwareDeviceKey.Generate();
        var cert = ca.IssueDeviceCertificate(SigningRequest.Create(key, new DeviceSubject(name)));
        File.WriteAllText(_dir["ca.pem"], ca.CertificatePem);
        File.WriteAllText(_dir["dev.pem"], cert.CertificatePem);

        Assert.Equal(128, name.Length);
        Assert.Contains("dev.pem: OK", OpenSsl.Ok(_dir.Path, "verify", "-CAfile", "ca.pem", "dev.pem"));
        Assert.Equal(name, CertificateFacts.Parse(cert.CertificatePem).ThingName);
    }

    [Fact]
    public void RequestedExtensions_AreNotCopied()
    {
        using var ca = CaSigner.Create("CN=Fleet CA");
        OpenSsl.Ok(_dir.Path, "ecparam", "-genkey", "-name", "prime256v1", "-noout", "-out", "k.key");
        OpenSsl.Ok(_dir.Path, "req", "-new", "-key", "k.key", "-subj", "/CN=greedy", "-out", "g.csr",
            "-addext", "subjectAltName=DNS:bank.example", "-addext", "extendedKeyUsage=serverAuth,codeSigning");

        var cert = ca.IssueDeviceCertificate(SigningRequest.Load(_dir["g.csr"]));
        File.WriteAllText(_dir["dev.pem"], cert.CertificatePem);

        string text = OpenSsl.Ok(_dir.Path, "x509", "-in", "dev.pem", "-noout", "-text");
        Assert.DoesNotContain("bank.example", text);
        Assert.DoesNotContain("Code Signing", text);
        Assert.DoesNotContain("Server Authentication", text);
        Assert.Contains("TLS Web Client Authentication", text);
    }

    private static int IndexOf(byte[] haystack, byte[] needle)
    {
        for (int i = 0; i <= haystack.Length - needle.Length; i++)
        {
            if (haystack.AsSpan(i, needle.Length).SequenceEqual(needle))
            {
                return i;
            }
        }

        throw new InvalidOperationException("not found");
    }

    /// <summary>An IDeviceKey over the platform's ECDsa (the contract a Zymkey slot implements), with fault switches.</summary>
    private sealed class PlatformEcKey : IDeviceKey
    {
        private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        private readonly ECDsa _other = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        public bool ReturnRawSignature { get; init; }

        public bool SignWithOtherKey { get; init; }

        public int Signatures { get; private set; }

        public int LastDigestLength { get; private set; }

        public string Description => "platform test key";

        public DeviceKeyAlgorithm Algorithm => DeviceKeyAlgorithm.EcP256;

        public byte[] GetSubjectPublicKeyInfo() => _key.ExportSubjectPublicKeyInfo();

        public byte[] SignSha256Digest(byte[] digest)
        {
            Signatures++;
            LastDigestLength = digest.Length;
            var signer = SignWithOtherKey ? _other : _key;
            return signer.SignHash(digest, ReturnRawSignature ? DSASignatureFormat.IeeeP1363FixedFieldConcatenation : DSASignatureFormat.Rfc3279DerSequence);
        }

        public void Dispose()
        {
            _key.Dispose();
            _other.Dispose();
        }
    }
}
