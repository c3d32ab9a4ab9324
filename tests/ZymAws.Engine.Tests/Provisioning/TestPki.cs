using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ZymAws.Engine.Tests.Provisioning;

/// <summary>A test CA and device certificates/CSRs made with .NET's CertificateRequest (ECDSA P-256).</summary>
public sealed class TestPki : IDisposable
{
    private readonly ECDsa _caKey;
    private readonly X509Certificate2 _ca;

    private TestPki(ECDsa caKey, X509Certificate2 ca)
    {
        _caKey = caKey;
        _ca = ca;
        CaCertificatePem = ca.ExportCertificatePem() + "\n";
    }

    public string CaCertificatePem { get; }

    public static TestPki Create(string commonName)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={commonName}, O=ZymAws Tests", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var ca = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        return new TestPki(key, ca);
    }

    /// <summary>A device certificate for <paramref name="thingName"/> signed by this CA.</summary>
    public string IssuePem(string thingName, DateTimeOffset? notAfter = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={thingName}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(new OidCollection { new Oid("1.3.6.1.5.5.7.3.2") }, false));
        byte[] serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        var end = notAfter ?? DateTimeOffset.UtcNow.AddDays(10);
        using var certificate = request.Create(_ca, DateTimeOffset.UtcNow.AddDays(-1), end, serial);
        return certificate.ExportCertificatePem() + "\n";
    }

    /// <summary>A new device key's CSR for <paramref name="thingName"/> (PEM) and the DER of its public key.</summary>
    public static (string CsrPem, byte[] PublicKey) CreateCsr(string thingName)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        // No O= (endpoint prefix): provisioning refuses a subject naming another account's credentials endpoint.
        var request = new CertificateRequest($"CN={thingName}", key, HashAlgorithmName.SHA256);
        return (request.CreateSigningRequestPem() + "\n", key.ExportSubjectPublicKeyInfo());
    }

    public void Dispose()
    {
        _ca.Dispose();
        _caKey.Dispose();
    }
}
