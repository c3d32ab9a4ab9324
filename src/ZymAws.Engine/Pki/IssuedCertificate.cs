namespace ZymAws.Engine.Pki;

/// <summary>
/// A device certificate just issued by a <see cref="CertificateAuthority"/>: everything <see cref="CertificateInfo"/>
/// has, plus the issuing CA's certificate (needed by RegisterCertificate's caCertificatePem).
/// </summary>
public sealed class IssuedCertificate : CertificateInfo
{
    internal IssuedCertificate()
    {
    }

    /// <summary>The issuing CA's certificate id (lowercase hex SHA-256 of its DER).</summary>
    public string CaCertificateId { get; internal set; } = string.Empty;

    /// <summary>The issuing CA's certificate, PEM.</summary>
    public string CaCertificatePem { get; internal set; } = string.Empty;
}
