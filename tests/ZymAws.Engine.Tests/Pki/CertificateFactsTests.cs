using System.Globalization;
using Xunit;
using ZymAws.Engine.Pki;

namespace ZymAws.Engine.Tests.Pki;

public sealed class CertificateFactsTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void SeedMadeCertificate_WithSpecialCharacters_IsReadExactly()
    {
        // CA and device certificate made entirely the seed's way (mk_ca.sh, device CSR, sign_csr.sh).
        OpenSsl.Ok(_dir.Path, "ecparam", "-genkey", "-name", "prime256v1", "-out", "ca.key");
        OpenSsl.Ok(_dir.Path, "req", "-x509", "-new", "-sha256", "-nodes", "-days", "3650", "-key", "ca.key", "-utf8",
            "-subj", "/C=US/O=Zymkey, Inc./CN=Zym CA é", "-out", "ca.pem");
        OpenSsl.Ok(_dir.Path, "ecparam", "-genkey", "-name", "prime256v1", "-out", "d.key");
        OpenSsl.Ok(_dir.Path, "req", "-new", "-key", "d.key", "-utf8",
            "-subj", "/ST=Pol,icy\\+1 \"x\"/L=ap-southeast-2/O=c0ffee/OU=Rôle\\\\中/CN=dev:42_a-b", "-out", "d.csr");
        OpenSsl.Ok(_dir.Path, "x509", "-req", "-sha256", "-days", "3650", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-in", "d.csr", "-out", "d.crt");

        var info = CertificateFacts.Load(_dir["d.crt"]);

        Assert.Equal("dev:42_a-b", info.ThingName);
        Assert.Equal("Pol,icy+1 \"x\"", info.IotPolicy);
        Assert.Equal("ap-southeast-2", info.Region);
        Assert.Equal("c0ffee", info.CredentialEndpoint);
        Assert.Equal("Rôle\\中", info.RoleAlias);
        Assert.Equal(Subject("d.crt", "-subject"), info.Subject);
        Assert.Equal(Subject("d.crt", "-issuer"), info.Issuer);
        Assert.Equal("CN=Zym CA é,O=Zymkey\\, Inc.,C=US", info.Issuer);
        string fingerprint = OpenSsl.Ok(_dir.Path, "x509", "-in", "d.crt", "-noout", "-fingerprint", "-sha256");
        Assert.Equal(fingerprint.Split('=')[1].Trim().Replace(":", string.Empty).ToLowerInvariant(), info.CertificateId);
        Assert.Equal(OpensslDate("-startdate"), info.NotBefore);
        Assert.Equal(OpensslDate("-enddate"), info.NotAfter);
        Assert.Equal(DateTimeKind.Utc, info.NotAfter.Kind);
        Assert.Equal(OpenSsl.Ok(_dir.Path, "x509", "-in", "d.crt", "-noout", "-serial").Trim().Split('=')[1].ToLowerInvariant().TrimStart('0'), info.SerialNumber.TrimStart('0'));
        Assert.Equal("EC P-256", info.KeyAlgorithm);
        Assert.Equal("ecdsa-with-SHA256", info.SignatureAlgorithm);
        Assert.Equal(1, info.Version); // sign_csr.sh adds no extensions
        Assert.Empty(info.ExtendedKeyUsage);
        Assert.Equal(_dir["d.crt"], info.Source);
    }

    [Fact]
    public void OpensslTextOutput_AndChains_Parse()
    {
        using var root = CaSigner.Create("CN=Root");
        using var ca2 = CaSigner.Create("CN=Second");
        File.WriteAllText(_dir["ca.pem"], root.CertificatePem);
        string text = OpenSsl.Ok(_dir.Path, "x509", "-in", "ca.pem", "-text"); // human text, then the PEM

        Assert.Equal(root.CertificateId, CertificateFacts.Parse(text).CertificateId);
        var chain = CertificateFacts.ParseAll("leaf first\r\n" + ca2.CertificatePem.Replace("\n", "\r\n") + "then root\n" + root.CertificatePem);
        Assert.Equal(new[] { ca2.CertificateId, root.CertificateId }, chain.Select(c => c.CertificateId));
        Assert.True(chain[1].IsCertificateAuthority);
        Assert.Equal(0, chain[1].PathLength);
        Assert.True(chain[1].IsSelfIssued);
        Assert.Equal(new[] { "KeyCertSign", "CrlSign" }, chain[1].KeyUsage);
        Assert.Equal(root.CertificateId, CertificateFacts.Parse(root.Certificate.GetDer()).CertificateId);
    }

    [Fact]
    public void BrokenInputs_AreCertificateMalformed()
    {
        using var ca = CaSigner.Create("CN=Fleet CA");
        string pem = ca.CertificatePem;
        byte[] der = ca.Certificate.GetDer();
        var lines = pem.Split('\n');
        var cases = new Dictionary<string, Func<CertificateFacts>>
        {
            ["truncated PEM"] = () => CertificateFacts.Parse(pem.Substring(0, pem.Length - 40)),
            ["PEM body cut short"] = () => CertificateFacts.Parse(string.Join('\n', lines.Take(3).Concat(lines.Skip(lines.Length - 2)))),
            ["corrupt base64"] = () => CertificateFacts.Parse(pem.Replace(lines[2], "*" + lines[2].Substring(1))),
            ["truncated DER"] = () => CertificateFacts.Parse(der.Take(der.Length / 2).ToArray()),
            ["DER with trailing bytes"] = () => CertificateFacts.Parse(der.Concat(new byte[] { 0x30, 0x00 }).ToArray()),
            ["DER of something else"] = () => CertificateFacts.Parse(new byte[] { 0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x02 }),
            ["a CSR"] = () => CertificateFacts.Parse("-----BEGIN CERTIFICATE REQUEST-----\nMAA=\n-----END CERTIFICATE REQUEST-----\n"),
            ["nothing"] = () => CertificateFacts.Parse("no certificate here"),
        };

        foreach (var (name, parse) in cases)
        {
            var ex = Assert.Throws<ZymException>(() => parse());
            Assert.True(ex.ErrorId == "CertificateMalformed", $"{name}: {ex.ErrorId} {ex.Message}");
            Assert.Equal(ZymErrorCategory.InvalidData, ex.Category);
        }

        var missing = Assert.Throws<ZymException>(() => CertificateFacts.Load(_dir["missing.pem"]));
        Assert.Equal("FileNotFound", missing.ErrorId);
    }

    [Fact]
    public void PemHelpers_EncodeAndDecode()
    {
        byte[] data = Enumerable.Range(0, 100).Select(i => (byte)i).ToArray();

        string pem = Pem.Encode("TEST DATA", data);
        var blocks = Pem.Decode("junk\r\n" + pem.Replace("\n", "\r\n") + "more junk -----BEGIN X-----\nAAAA\n-----END X-----");

        Assert.StartsWith("-----BEGIN TEST DATA-----\n", pem, StringComparison.Ordinal);
        Assert.All(pem.Split('\n').Where(l => !l.StartsWith("-----", StringComparison.Ordinal)), l => Assert.True(l.Length <= 64));
        Assert.Equal(new[] { "TEST DATA", "X" }, blocks.Select(b => b.Label));
        Assert.Equal(data, blocks[0].Data);
        Assert.True(Pem.ContainsPem(pem));
        Assert.False(Pem.ContainsPem("/path/to/file.pem"));
        Assert.Equal("PemMalformed", Assert.Throws<ZymException>(() => Pem.Decode("-----BEGIN X-----\n@@@@\n-----END X-----")).ErrorId);
    }

    private string Subject(string file, string which)
        => OpenSsl.Ok(_dir.Path, "x509", "-in", file, "-noout", which, "-nameopt", "RFC2253,-esc_msb").Trim().Split('=', 2)[1];

    private DateTime OpensslDate(string which)
    {
        // "notAfter=Nov 26 16:45:44 2036 GMT"
        string value = OpenSsl.Ok(_dir.Path, "x509", "-in", "d.crt", "-noout", which).Trim().Split('=', 2)[1].Replace("  ", " ");
        return DateTime.ParseExact(value, "MMM d HH:mm:ss yyyy 'GMT'", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
    }
}
