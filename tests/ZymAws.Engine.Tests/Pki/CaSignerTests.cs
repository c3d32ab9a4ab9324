using Xunit;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ZymAws.Engine.Diagnostics;
using ZymAws.Engine.Keys;
using ZymAws.Engine.Pki;

namespace ZymAws.Engine.Tests.Pki;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // file modes are a Unix notion
public sealed class CaSignerTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void NewCa_IsARootCaOpensslAccepts()
    {
        using var ca = CaSigner.Create("CN=Fleet CA, O = Acme\\, Inc.", DeviceKeyAlgorithm.EcP256, 3650);
        File.WriteAllText(_dir["ca.pem"], ca.CertificatePem);

        string text = OpenSsl.Ok(_dir.Path, "x509", "-in", "ca.pem", "-noout", "-text");
        Assert.Contains("X509v3 Basic Constraints: critical", text);
        Assert.Contains("CA:TRUE, pathlen:0", text);
        Assert.Contains("X509v3 Key Usage: critical", text);
        Assert.Contains("Certificate Sign, CRL Sign", text);
        Assert.Contains("X509v3 Subject Key Identifier", text);
        Assert.Contains("X509v3 Authority Key Identifier", text);
        Assert.Contains("ecdsa-with-SHA256", text);

        // A self-signed root verifies against itself.
        Assert.Contains("ca.pem: OK", OpenSsl.Ok(_dir.Path, "verify", "-CAfile", "ca.pem", "ca.pem"));

        // The id AWS uses is the SHA-256 of the DER.
        string fingerprint = OpenSsl.Ok(_dir.Path, "x509", "-in", "ca.pem", "-noout", "-fingerprint", "-sha256");
        Assert.Equal(fingerprint.Split('=')[1].Trim().Replace(":", string.Empty).ToLowerInvariant(), ca.CertificateId);

        // RFC 4514 subject as openssl prints it (most specific first, escaped comma kept).
        string subject = OpenSsl.Ok(_dir.Path, "x509", "-in", "ca.pem", "-noout", "-subject", "-nameopt", "RFC2253");
        Assert.Equal("subject=" + ca.Subject, subject.Trim());
        Assert.Equal("CN=Fleet CA,O=Acme\\, Inc.", ca.Subject);
        Assert.InRange(ca.NotAfter - ca.NotBefore, TimeSpan.FromDays(3650), TimeSpan.FromDays(3650.01));
    }

    [Fact]
    public void P384Ca_SignsWithSha384_AndOpensslVerifiesItsCertificates()
    {
        using var ca = CaSigner.Create("/O=Acme/CN=P384 CA", DeviceKeyAlgorithm.EcP384);
        Assert.Equal("EC P-384", ca.KeyAlgorithm);
        Assert.Equal("CN=P384 CA,O=Acme", ca.Subject);
        using var key = SoftwareDeviceKey.Generate();
        var cert = ca.IssueDeviceCertificate(SigningRequest.Create(key, new DeviceSubject("p384-device")));
        Assert.Equal("ecdsa-with-SHA384", cert.SignatureAlgorithm);
        File.WriteAllText(_dir["ca.pem"], ca.CertificatePem);
        File.WriteAllText(_dir["dev.pem"], cert.CertificatePem);
        Assert.Contains("dev.pem: OK", OpenSsl.Ok(_dir.Path, "verify", "-CAfile", "ca.pem", "dev.pem"));
    }

    [Fact]
    public void IssuedCertificate_HasDeviceExtensions_AndVerifiesWithOpenssl()
    {
        using var ca = CaSigner.Create("CN=Fleet CA");
        using var key = SoftwareDeviceKey.Generate();
        var subject = new DeviceSubject("sensor-0001", "ZymPolicy", "us-east-1", "c1a2b3c4d5e6f7", "ZymRoleAlias");
        var csr = SigningRequest.Create(key, subject);

        var cert = ca.IssueDeviceCertificate(csr, 30);

        File.WriteAllText(_dir["ca.pem"], ca.CertificatePem);
        File.WriteAllText(_dir["dev.pem"], cert.CertificatePem);
        Assert.Contains("dev.pem: OK", OpenSsl.Ok(_dir.Path, "verify", "-CAfile", "ca.pem", "dev.pem"));
        string text = OpenSsl.Ok(_dir.Path, "x509", "-in", "dev.pem", "-noout", "-text");
        Assert.Contains("X509v3 Basic Constraints: critical\n                CA:FALSE", text);
        Assert.Contains("X509v3 Key Usage: critical\n                Digital Signature\n", text);
        Assert.Contains("X509v3 Extended Key Usage: \n                TLS Web Client Authentication\n", text);
        Assert.Contains("X509v3 Subject Key Identifier", text);
        Assert.Contains("X509v3 Authority Key Identifier", text);

        // The device certificate's AKI is the CA's SKI.
        var caInfo = CertificateFacts.Parse(ca.CertificatePem);
        var parsed = CertificateFacts.Parse(cert.CertificatePem);
        Assert.Equal(caInfo.SubjectKeyIdentifier, parsed.AuthorityKeyIdentifier);

        // What IssueDeviceCertificate reports is what the certificate says.
        Assert.Equal(parsed.CertificateId, cert.CertificateId);
        Assert.Equal(parsed.Subject, cert.Subject);
        Assert.Equal(parsed.Issuer, cert.Issuer);
        Assert.Equal(parsed.NotBefore, cert.NotBefore);
        Assert.Equal(parsed.NotAfter, cert.NotAfter);
        Assert.Equal(parsed.SerialNumber, cert.SerialNumber);
        Assert.Equal(parsed.SubjectKeyIdentifier, cert.SubjectKeyIdentifier);
        Assert.Equal(parsed.KeyUsage, cert.KeyUsage);
        Assert.Equal(parsed.ExtendedKeyUsage, cert.ExtendedKeyUsage);
        Assert.Equal(parsed.SignatureAlgorithm, cert.SignatureAlgorithm);
        Assert.False(parsed.IsCertificateAuthority);
        Assert.Equal(3, parsed.Version);
        Assert.Equal(ca.CertificateId, cert.CaCertificateId);

        Assert.Equal("sensor-0001", cert.ThingName);
        Assert.Equal("ZymPolicy", cert.IotPolicy);
        Assert.Equal("us-east-1", cert.Region);
        Assert.Equal("c1a2b3c4d5e6f7", cert.CredentialEndpoint);
        Assert.Equal("ZymRoleAlias", cert.RoleAlias);
        Assert.InRange((cert.NotAfter - DateTime.UtcNow).TotalDays, 29.99, 30.01);
        Assert.True(cert.NotBefore <= DateTime.UtcNow);

        // Random positive serial of about 128 bits (openssl prints it as hex).
        string serial = OpenSsl.Ok(_dir.Path, "x509", "-in", "dev.pem", "-noout", "-serial").Trim();
        Assert.Equal(cert.SerialNumber, serial.Split('=')[1].ToLowerInvariant().TrimStart('0'));
        Assert.InRange(cert.SerialNumber.Length, 31, 32);
    }

    [Fact]
    public void IssuedCertificate_BuildsAChainInDotnetToo_ForClientAuthentication()
    {
        using var ca = CaSigner.Create("CN=Fleet CA,O=Acme");
        using var key = SoftwareDeviceKey.Generate();
        var issued = ca.IssueDeviceCertificate(SigningRequest.Create(key, new DeviceSubject("dotnet-check")));
        using var root = X509Certificate2.CreateFromPem(ca.CertificatePem);
        using var leaf = X509Certificate2.CreateFromPem(issued.CertificatePem);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(root);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(new Oid("1.3.6.1.5.5.7.3.2")); // clientAuth

        Assert.True(chain.Build(leaf), string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation)));
        Assert.Equal(issued.CertificateId, Convert.ToHexString(SHA256.HashData(leaf.RawData)).ToLowerInvariant());
        Assert.Equal("CN=dotnet-check", leaf.Subject);
    }

    [Fact]
    public void SeedCsr_MadeWithOpenssl_IsSigned()
    {
        using var ca = CaSigner.Create("CN=Fleet CA");
        OpenSsl.Ok(_dir.Path, "ecparam", "-genkey", "-name", "prime256v1", "-out", "k.key");
        OpenSsl.Ok(_dir.Path, "req", "-new", "-sha256", "-key", "k.key", "-subj", "/ST=pol/L=us-east-1/O=c123/OU=alias/CN=thing", "-out", "d.csr");

        var cert = ca.IssueDeviceCertificate(SigningRequest.Load(_dir["d.csr"]));

        Assert.Equal("thing", cert.ThingName);
        Assert.Equal("pol", cert.IotPolicy);
        Assert.Equal("us-east-1", cert.Region);
        Assert.Equal("c123", cert.CredentialEndpoint);
        Assert.Equal("alias", cert.RoleAlias);
        Assert.Equal("CN=thing,OU=alias,O=c123,L=us-east-1,ST=pol", cert.Subject);
        File.WriteAllText(_dir["ca.pem"], ca.CertificatePem);
        File.WriteAllText(_dir["dev.pem"], cert.CertificatePem);
        Assert.Contains("dev.pem: OK", OpenSsl.Ok(_dir.Path, "verify", "-CAfile", "ca.pem", "dev.pem"));

        // The certificate carries the CSR's key: openssl sees the same public key.
        string csrKey = OpenSsl.Ok(_dir.Path, "req", "-in", "d.csr", "-noout", "-pubkey");
        string certKey = OpenSsl.Ok(_dir.Path, "x509", "-in", "dev.pem", "-noout", "-pubkey");
        Assert.Equal(csrKey, certKey);
    }

    [Fact]
    public void SeedCa_MadeWithOpensslEcparamAndReqX509_LoadsAndSigns()
    {
        // mk_ca.sh: SEC1 key with the EC PARAMETERS block, unencrypted; self-signed with the default config.
        OpenSsl.Ok(_dir.Path, "ecparam", "-genkey", "-name", "prime256v1", "-out", "zk_ca.key");
        OpenSsl.Ok(_dir.Path, "req", "-x509", "-new", "-sha256", "-nodes", "-days", "3650", "-key", "zk_ca.key",
            "-subj", "/C=US/ST=California/L=Santa Barbara/O=Zymkey/CN=zymkey-verify.zymbit.com.dev", "-out", "zk_ca.crt");
        Assert.Contains("BEGIN EC PARAMETERS", File.ReadAllText(_dir["zk_ca.key"]));

        using var ca = CaSigner.Load(_dir["zk_ca.crt"], _dir["zk_ca.key"]);

        Assert.Equal("CN=zymkey-verify.zymbit.com.dev,O=Zymkey,L=Santa Barbara,ST=California,C=US", ca.Subject);
        Assert.False(ca.IsKeyEncrypted);
        Assert.Equal(_dir["zk_ca.crt"], ca.CertificatePath);
        using var key = SoftwareDeviceKey.Generate();
        var cert = ca.IssueDeviceCertificate(SigningRequest.Create(key, new DeviceSubject("seed-ca-device")));
        File.WriteAllText(_dir["dev.pem"], cert.CertificatePem);
        Assert.Contains("dev.pem: OK", OpenSsl.Ok(_dir.Path, "verify", "-CAfile", "zk_ca.crt", "dev.pem"));
        Assert.Equal(ca.Subject, cert.Issuer);
    }

    [Fact]
    public void RsaCa_MadeWithOpenssl_LoadsAndSigns()
    {
        OpenSsl.Ok(_dir.Path, "genrsa", "-traditional", "-out", "rsa.key", "2048");
        Assert.Contains("BEGIN RSA PRIVATE KEY", File.ReadAllText(_dir["rsa.key"]));
        OpenSsl.Ok(_dir.Path, "req", "-x509", "-new", "-sha256", "-days", "30", "-key", "rsa.key", "-subj", "/CN=RSA CA", "-out", "rsa.pem");

        using var ca = CaSigner.Load(_dir["rsa.pem"], _dir["rsa.key"]);

        Assert.Equal(DeviceKeyAlgorithm.Rsa, ca.Algorithm);
        Assert.Equal("RSA 2048", ca.KeyAlgorithm);
        using var key = SoftwareDeviceKey.Generate();
        var cert = ca.IssueDeviceCertificate(SigningRequest.Create(key, new DeviceSubject("rsa-ca-device")), 10);
        Assert.Equal("sha256WithRSAEncryption", cert.SignatureAlgorithm);
        File.WriteAllText(_dir["dev.pem"], cert.CertificatePem);
        Assert.Contains("dev.pem: OK", OpenSsl.Ok(_dir.Path, "verify", "-CAfile", "rsa.pem", "dev.pem"));
    }

    [Fact]
    public void V1SelfSignedCa_IsAcceptedWithAWarning()
    {
        OpenSsl.Ok(_dir.Path, "ecparam", "-genkey", "-name", "prime256v1", "-noout", "-out", "v1.key");
        OpenSsl.Ok(_dir.Path, "req", "-new", "-key", "v1.key", "-subj", "/CN=Old CA", "-out", "v1.csr");
        OpenSsl.Ok(_dir.Path, "x509", "-req", "-in", "v1.csr", "-signkey", "v1.key", "-days", "30", "-out", "v1.pem");
        Assert.Contains("Version: 1 (0x0)", OpenSsl.Ok(_dir.Path, "x509", "-in", "v1.pem", "-noout", "-text"));
        var log = new ListLog();

        using var ca = CaSigner.Load(_dir["v1.pem"], _dir["v1.key"], null, log);

        Assert.Contains(log.Warnings, w => w.Contains("v1", StringComparison.Ordinal));
        using var key = SoftwareDeviceKey.Generate();
        var cert = ca.IssueDeviceCertificate(SigningRequest.Create(key, new DeviceSubject("v1-device")), 10);
        File.WriteAllText(_dir["dev.pem"], cert.CertificatePem);
        Assert.Contains("dev.pem: OK", OpenSsl.Ok(_dir.Path, "verify", "-CAfile", "v1.pem", "dev.pem"));
    }

    [Fact]
    public void Load_DeviceCertificateAsCa_IsRefused()
    {
        using var ca = CaSigner.Create("CN=Fleet CA");
        using var key = SoftwareDeviceKey.Generate();
        var cert = ca.IssueDeviceCertificate(SigningRequest.Create(key, new DeviceSubject("not-a-ca")));
        File.WriteAllText(_dir["dev.pem"], cert.CertificatePem);
        key.Save(_dir["dev.key"], KeyProtection.None);

        var ex = Assert.Throws<ZymException>(() => CaSigner.Load(_dir["dev.pem"], _dir["dev.key"]));

        Assert.Equal("CaCertificateNotCa", ex.ErrorId);
        Assert.Equal(ZymErrorCategory.InvalidData, ex.Category);
    }

    [Fact]
    public void Load_KeyOfAnotherCa_IsCaKeyMismatch()
    {
        using var ca1 = CaSigner.Create("CN=CA one");
        using var ca2 = CaSigner.Create("CN=CA two");
        ca1.Save(_dir["one.pem"], _dir["one.key"], KeyProtection.None);
        ca2.Save(_dir["two.pem"], _dir["two.key"], KeyProtection.None);

        var ex = Assert.Throws<ZymException>(() => CaSigner.Load(_dir["one.pem"], _dir["two.key"]));

        Assert.Equal("CaKeyMismatch", ex.ErrorId);
        Assert.Equal(ZymErrorCategory.InvalidData, ex.Category);
        Assert.Equal(_dir["one.pem"], ex.Target);
    }

    [Fact]
    public void SaveEncrypted_ThenLoad_RoundTrips_AndOpensslReadsTheKey()
    {
        using var ca = CaSigner.Create("CN=Saved CA");
        char[] pass = "correct horse battery staple".ToCharArray();

        ca.Save(_dir["ca.pem"], _dir["ca.key"], KeyProtection.WithPassphrase(pass));

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_dir["ca.key"]));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(_dir["ca.pem"]));
        Assert.Contains("BEGIN ENCRYPTED PRIVATE KEY", File.ReadAllText(_dir["ca.key"]));
        OpenSsl.Ok(_dir.Path, "pkey", "-in", "ca.key", "-passin", "pass:correct horse battery staple", "-noout");
        Assert.Equal(new[] { "ca.key", "ca.pem" }, _dir.Files());

        using var loaded = CaSigner.Load(_dir["ca.pem"], _dir["ca.key"], pass);
        Assert.Equal(ca.CertificateId, loaded.CertificateId);
        Assert.True(loaded.IsKeyEncrypted);

        var wrong = Assert.Throws<ZymException>(() => CaSigner.Load(_dir["ca.pem"], _dir["ca.key"], "wrong".ToCharArray()));
        Assert.Equal("KeyPassphraseIncorrect", wrong.ErrorId);
        var none = Assert.Throws<ZymException>(() => CaSigner.Load(_dir["ca.pem"], _dir["ca.key"]));
        Assert.Equal("KeyPassphraseRequired", none.ErrorId);
    }

    [Fact]
    public void Save_OverExistingFiles_WithoutOverwrite_WritesNothing()
    {
        using var ca = CaSigner.Create("CN=New CA");
        File.WriteAllText(_dir["ca.key"], "existing key");

        var ex = Assert.Throws<ZymException>(() => ca.Save(_dir["ca.pem"], _dir["ca.key"], KeyProtection.None));

        Assert.Equal("FileExists", ex.ErrorId);
        Assert.Equal(ZymErrorCategory.ResourceExists, ex.Category);
        Assert.Equal(_dir["ca.key"], ex.Target);
        Assert.Equal(new[] { "ca.key" }, _dir.Files());
        Assert.Equal("existing key", File.ReadAllText(_dir["ca.key"]));

        ca.Save(_dir["ca.pem"], _dir["ca.key"], KeyProtection.None, overwrite: true);
        Assert.Contains("BEGIN PRIVATE KEY", File.ReadAllText(_dir["ca.key"]));
        Assert.Equal(new[] { "ca.key", "ca.pem" }, _dir.Files());
    }

    [Fact]
    public void ParallelIssuing_GivesValidCertificatesWithDistinctSerials()
    {
        using var ca = CaSigner.Create("CN=Parallel CA");
        var csrs = Enumerable.Range(0, 200).Select(i =>
        {
            using var key = SoftwareDeviceKey.Generate();
            return SigningRequest.Create(key, new DeviceSubject($"par-{i:D4}"));
        }).ToArray();
        var issued = new ConcurrentBag<IssuedCertificate>();

        Parallel.ForEach(csrs, new ParallelOptions { MaxDegreeOfParallelism = 8 }, csr => issued.Add(ca.IssueDeviceCertificate(csr)));

        Assert.Equal(200, issued.Count);
        Assert.Equal(200, issued.Select(c => c.SerialNumber).Distinct().Count());
        Assert.Equal(200, issued.Select(c => c.ThingName).Distinct().Count());
        File.WriteAllText(_dir["ca.pem"], ca.CertificatePem);
        var names = new List<string> { "verify", "-CAfile", "ca.pem" };
        foreach (var c in issued)
        {
            File.WriteAllText(_dir[c.ThingName + ".pem"], c.CertificatePem);
            names.Add(c.ThingName + ".pem");
        }

        string output = OpenSsl.Ok(_dir.Path, names.ToArray());
        Assert.Equal(200, output.Split('\n').Count(l => l.EndsWith(": OK", StringComparison.Ordinal)));
    }

    [Fact]
    public void ManagedBackend_IssuesCertificatesOpensslAccepts()
    {
        using var platformOff = PkiCrypto.OverrideOnThisThread(false);
        using var ca = CaSigner.Create("CN=BC CA");
        using var key = SoftwareDeviceKey.Generate();
        var csr = SigningRequest.Create(key, new DeviceSubject("bc-device"));
        var cert = ca.IssueDeviceCertificate(csr);
        File.WriteAllText(_dir["ca.pem"], ca.CertificatePem);
        File.WriteAllText(_dir["dev.pem"], cert.CertificatePem);
        Assert.Contains("dev.pem: OK", OpenSsl.Ok(_dir.Path, "verify", "-CAfile", "ca.pem", "dev.pem"));
    }

    [Fact]
    public void VerificationCertificate_HasTheCodeAsCn_AndIsSignedByTheCa()
    {
        using var ca = CaSigner.Create("CN=Fleet CA");
        string code = Convert.ToHexString(RandomNumberGenerator.GetBytes(32)).ToLowerInvariant();

        string pem = ca.CreateVerificationCertificate(code);

        var info = CertificateFacts.Parse(pem);
        Assert.Equal(code, info.ThingName);
        Assert.Equal("CN=" + code, info.Subject);
        Assert.Equal(ca.Subject, info.Issuer);
        Assert.False(info.IsCertificateAuthority);
        File.WriteAllText(_dir["ca.pem"], ca.CertificatePem);
        File.WriteAllText(_dir["verify.pem"], pem);
        Assert.Contains("verify.pem: OK", OpenSsl.Ok(_dir.Path, "verify", "-CAfile", "ca.pem", "verify.pem"));

        var ex = Assert.Throws<ZymException>(() => ca.CreateVerificationCertificate("not a code!"));
        Assert.Equal("RegistrationCodeInvalid", ex.ErrorId);
    }

    [Fact]
    public void DatesFrom2050_UseGeneralizedTime_AsRfc5280Requires()
    {
        using var ca = CaSigner.Create("CN=Long CA", DeviceKeyAlgorithm.EcP256, CaSigner.MaxValidityDays);
        File.WriteAllText(_dir["ca.pem"], ca.CertificatePem);

        string asn1 = OpenSsl.Ok(_dir.Path, "asn1parse", "-in", "ca.pem");
        Assert.Contains("UTCTIME", asn1);
        Assert.Contains("GENERALIZEDTIME", asn1);
        Assert.InRange(ca.NotAfter.Year, DateTime.UtcNow.Year + 99, DateTime.UtcNow.Year + 100);
        Assert.Contains(ca.NotAfter.Year.ToString(System.Globalization.CultureInfo.InvariantCulture), OpenSsl.Ok(_dir.Path, "x509", "-in", "ca.pem", "-noout", "-enddate"));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(36501)]
    [InlineData(4000)] // longer than the CA's 3650 days
    public void IssueWithBadValidity_IsValidityInvalid(int days)
    {
        using var ca = CaSigner.Create("CN=Fleet CA", DeviceKeyAlgorithm.EcP256, 3650);
        using var key = SoftwareDeviceKey.Generate();
        var csr = SigningRequest.Create(key, new DeviceSubject("valid-device"));

        var ex = Assert.Throws<ZymException>(() => ca.IssueDeviceCertificate(csr, days));

        Assert.Equal("ValidityInvalid", ex.ErrorId);
        Assert.Equal(ZymErrorCategory.InvalidArgument, ex.Category);
    }

    [Theory]
    [InlineData("")]
    [InlineData("CN")]
    [InlineData("XX=foo")]
    [InlineData("CN=a,")]
    public void Create_WithBadSubject_IsSubjectInvalid(string subject)
    {
        var ex = Assert.Throws<ZymException>(() => CaSigner.Create(subject));
        Assert.Equal("SubjectInvalid", ex.ErrorId);
    }

    private sealed class ListLog : IEngineLog
    {
        public List<string> Warnings { get; } = new();

        public void Verbose(string message)
        {
        }

        public void Debug(string message)
        {
        }

        public void Warning(string message) => Warnings.Add(message);
    }
}
