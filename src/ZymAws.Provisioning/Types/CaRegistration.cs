using System;

namespace ZymAws.Provisioning;

/// <summary>A CA certificate as AWS IoT has it registered.</summary>
public sealed class CaRegistration
{
    /// <summary>The CA certificate id (lowercase hex SHA-256 of its DER).</summary>
    public string CertificateId { get; set; } = string.Empty;

    public string CertificateArn { get; set; } = string.Empty;

    /// <summary>ACTIVE or INACTIVE.</summary>
    public string Status { get; set; } = string.Empty;

    /// <summary>ENABLE or DISABLE: whether device certificates it signed register themselves on first connect.</summary>
    public string AutoRegistrationStatus { get; set; } = string.Empty;

    /// <summary>DEFAULT or SNI_ONLY.</summary>
    public string CertificateMode { get; set; } = string.Empty;

    /// <summary>True when the CA was registered before this call (nothing was registered twice).</summary>
    public bool AlreadyRegistered { get; set; }

    public string Subject { get; set; } = string.Empty;

    public DateTime NotAfter { get; set; }

    /// <summary>The CA certificate (PEM): enough for Invoke-ZymDeviceProvisioning -CertificateAuthority, without the CA key.</summary>
    public string CertificatePem { get; set; } = string.Empty;

    /// <summary>The verification certificate made for this registration (DEFAULT mode), for the record.</summary>
    public string? VerificationCertificatePem { get; set; }

    public override string ToString() => CertificateArn;

    /// <summary>What AWS IoT has for <paramref name="ca"/> after the engine registered (or found) it.</summary>
    internal static CaRegistration From(Engine.Registration.CaRegistrationOutcome outcome, CertificateAuthority ca) => new()
    {
        CertificateId = outcome.Description.CertificateId,
        CertificateArn = outcome.Description.CertificateArn,
        Status = outcome.Description.Status ?? string.Empty,
        AutoRegistrationStatus = outcome.Description.AutoRegistrationStatus ?? string.Empty,
        CertificateMode = outcome.Description.CertificateMode ?? string.Empty,
        AlreadyRegistered = outcome.AlreadyRegistered,
        Subject = ca.Subject,
        NotAfter = ca.NotAfter,
        CertificatePem = ca.CertificatePem,
        VerificationCertificatePem = outcome.VerificationCertificatePem,
    };
}
