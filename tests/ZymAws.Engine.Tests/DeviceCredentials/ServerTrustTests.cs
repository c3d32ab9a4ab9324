using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;
using Xunit;
using ZymAws.Engine.DeviceCredentials;
using ZymAws.Engine.Pki;

namespace ZymAws.Engine.Tests.DeviceCredentials;

/// <summary>
/// The server check against a trust anchor file (what a device uses: Amazon's roots installed in the device folder, or the
/// local endpoint's CA in a rehearsal): RFC 5280 path validation to exactly those anchors, serverAuth, the host name.
/// Chains are built here as AWS's look: leaf, intermediate, root.
/// </summary>
public sealed class ServerTrustTests
{
    private const string Host = "c1234.credentials.iot.us-east-1.amazonaws.com";
    private static readonly SecureRandom s_random = new();

    private readonly Issued _root = Make("CN=Test Root", null, ca: true);
    private readonly Issued _otherRoot = Make("CN=Other Root", null, ca: true);

    [Fact]
    public void AChainThroughAnIntermediate_ToTheAnchor_Verifies_ForItsHostOnly()
    {
        var intermediate = Make("CN=Test Intermediate", _root, ca: true, pathLength: 0);
        var leaf = Make("CN=*.credentials.iot.us-east-1.amazonaws.com", intermediate, dns: "*.credentials.iot.us-east-1.amazonaws.com", eku: KeyPurposeID.id_kp_serverAuth);
        var trust = Trust(_root);

        Assert.Null(trust.Verify(Chain(leaf, intermediate), Host));
        Assert.Null(trust.Verify(Chain(leaf, intermediate, _root), Host));
        Assert.Null(trust.Verify(Chain(leaf, _root, intermediate), Host));
        Assert.Contains("not other.example", trust.Verify(Chain(leaf, intermediate), "other.example"), StringComparison.Ordinal);
    }

    [Fact]
    public void ALeafIssuedByTheAnchor_OrTheAnchorItself_Verifies()
    {
        var leaf = Make("CN=local", _root, dns: Host);
        Assert.Null(Trust(_root).Verify(Chain(leaf), Host));

        var selfSigned = Make("CN=self", null, dns: Host);
        Assert.Null(Trust(selfSigned).Verify(Chain(selfSigned), Host));
    }

    [Fact]
    public void AnotherAnchor_AMissingIntermediate_OrABrokenSignature_IsRefused()
    {
        var intermediate = Make("CN=Test Intermediate", _root, ca: true);
        var leaf = Make("CN=leaf", intermediate, dns: Host);

        Assert.Contains("does not verify against", Trust(_otherRoot).Verify(Chain(leaf, intermediate), Host), StringComparison.Ordinal);
        Assert.Contains("does not verify against", Trust(_root).Verify(Chain(leaf), Host), StringComparison.Ordinal);

        var forged = leaf.Der.ToArray();
        forged[^5] ^= 0x01;
        Assert.NotNull(Trust(_root).Verify(Chain(forged, intermediate.Der), Host));
    }

    [Fact]
    public void AnExpiredCertificate_AnIssuerThatIsNoCa_OrALeafNotForServers_IsRefused()
    {
        var expired = Make("CN=expired", _root, dns: Host, notAfter: DateTime.UtcNow.AddDays(-1));
        Assert.NotNull(Trust(_root).Verify(Chain(expired), Host));

        var notCa = Make("CN=not a CA", _root, ca: false);
        var underNotCa = Make("CN=leaf", notCa, dns: Host);
        Assert.NotNull(Trust(_root).Verify(Chain(underNotCa, notCa), Host));

        var clientOnly = Make("CN=client", _root, dns: Host, eku: KeyPurposeID.id_kp_clientAuth);
        Assert.Contains("does not allow server authentication", Trust(_root).Verify(Chain(clientOnly), Host), StringComparison.Ordinal);
    }

    [Fact]
    public void TheEnginesOwnServerCertificates_Verify()
    {
        // What LocalCredentialEndpoint serves: a server certificate from CaSigner, trusted through the CA's PEM.
        using var ca = CaSigner.Create("CN=Endpoint CA");
        using var key = Engine.Keys.SoftwareDeviceKey.Generate();
        var server = ca.IssueServerCertificate(key.GetSubjectPublicKeyInfo(), new[] { Host, "localhost" });
        var trust = ServerTrust.FromPem(ca.CertificatePem, "the endpoint's CA");

        Assert.Null(trust.Verify(new[] { server, ca.Certificate.GetDer() }, Host));
        Assert.Null(trust.Verify(new[] { server }, "localhost"));
    }

    private static ServerTrust Trust(params Issued[] anchors) =>
        ServerTrust.FromPem(string.Concat(anchors.Select(a => Pem.Encode("CERTIFICATE", a.Der))), "the test anchors");

    private static IReadOnlyList<byte[]> Chain(params Issued[] certificates) => certificates.Select(c => c.Der).ToList();

    private static IReadOnlyList<byte[]> Chain(params byte[][] certificates) => certificates;

    private sealed record Issued(X509Certificate Certificate, AsymmetricKeyParameter PrivateKey)
    {
        public byte[] Der => Certificate.GetEncoded();
    }

    private static Issued Make(string subject, Issued? issuer, bool ca = false, int? pathLength = null, string? dns = null, KeyPurposeID? eku = null, DateTime? notAfter = null)
    {
        var generator = new ECKeyPairGenerator();
        generator.Init(new ECKeyGenerationParameters(Org.BouncyCastle.Asn1.X9.X9ObjectIdentifiers.Prime256v1, s_random));
        var pair = generator.GenerateKeyPair();
        var builder = new X509V3CertificateGenerator();
        builder.SetSerialNumber(new BigInteger(64, s_random).Add(BigInteger.One));
        builder.SetSubjectDN(new X509Name(subject));
        builder.SetIssuerDN(issuer?.Certificate.SubjectDN ?? new X509Name(subject));
        builder.SetNotBefore(DateTime.UtcNow.AddDays(-2));
        builder.SetNotAfter(notAfter ?? DateTime.UtcNow.AddDays(30));
        builder.SetPublicKey(pair.Public);
        builder.AddExtension(X509Extensions.BasicConstraints, true, ca ? (pathLength is { } n ? new BasicConstraints(n) : new BasicConstraints(true)) : new BasicConstraints(false));
        builder.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage(ca ? KeyUsage.KeyCertSign | KeyUsage.CrlSign | KeyUsage.DigitalSignature : KeyUsage.DigitalSignature));
        if (dns is not null)
        {
            builder.AddExtension(X509Extensions.SubjectAlternativeName, false, new GeneralNames(new GeneralName(GeneralName.DnsName, dns)));
        }

        if (eku is not null)
        {
            builder.AddExtension(X509Extensions.ExtendedKeyUsage, false, new ExtendedKeyUsage(eku));
        }

        var certificate = builder.Generate(new Asn1SignatureFactory("SHA256WITHECDSA", issuer?.PrivateKey ?? pair.Private, s_random));
        return new Issued(certificate, pair.Private);
    }
}
