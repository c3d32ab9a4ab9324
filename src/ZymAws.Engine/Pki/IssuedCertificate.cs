namespace ZymAws.Engine.Pki;

/// <summary>
/// A device certificate just issued by a <see cref="CaSigner"/>: everything <see cref="CertificateFacts"/>
/// has, plus the issuing CA's certificate (needed by RegisterCertificate's caCertificatePem).
/// </summary>
public sealed class IssuedCertificate : CertificateFacts
{
    internal IssuedCertificate()
    {
    }

    /// <summary>The issuing CA's certificate id (lowercase hex SHA-256 of its DER).</summary>
    public string CaCertificateId { get; internal set; } = string.Empty;

    /// <summary>The issuing CA's certificate, PEM.</summary>
    public string CaCertificatePem { get; internal set; } = string.Empty;
}
