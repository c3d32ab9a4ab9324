using System;

namespace ZymAws.Engine.Aws;

/// <summary>Certificate status values AWS IoT uses (strings, so values AWS adds later still round-trip).</summary>
public static class IotCertificateStatus
{
    public const string Active = "ACTIVE";
    public const string Inactive = "INACTIVE";
    public const string Revoked = "REVOKED";
    public const string PendingTransfer = "PENDING_TRANSFER";
    public const string RegisterInactive = "REGISTER_INACTIVE";
    public const string PendingActivation = "PENDING_ACTIVATION";
}

/// <summary>RegisterCACertificate input. <see cref="VerificationCertificatePem"/> is required in mode DEFAULT.</summary>
public sealed record IotRegisterCaCertificateRequest(string CaCertificatePem)
{
    /// <summary>A certificate whose CN is the registration code, signed by the CA (mode DEFAULT).</summary>
    public string? VerificationCertificatePem { get; init; }

    /// <summary>"DEFAULT" or "SNI_ONLY" (SNI_ONLY takes no verification certificate and registers the CA INACTIVE).</summary>
    public string? CertificateMode { get; init; }

    public bool? SetAsActive { get; init; }

    public bool? AllowAutoRegistration { get; init; }
}

/// <summary>UpdateCACertificate input.</summary>
public sealed record IotUpdateCaCertificateRequest(string CertificateId)
{
    /// <summary>"ACTIVE" or "INACTIVE" (INACTIVE cuts off every certificate under the CA).</summary>
    public string? NewStatus { get; init; }

    /// <summary>"ENABLE" or "DISABLE".</summary>
    public string? NewAutoRegistrationStatus { get; init; }
}

/// <summary>RegisterCertificate input.</summary>
public sealed record IotRegisterCertificateRequest(string CertificatePem)
{
    /// <summary>The CA certificate, to tell apart CAs that share a subject.</summary>
    public string? CaCertificatePem { get; init; }

    public bool? SetAsActive { get; init; }

    /// <summary>See <see cref="IotCertificateStatus"/>.</summary>
    public string? Status { get; init; }
}

/// <summary>The id and ARN of a certificate AWS IoT registered or created.</summary>
public sealed record IotCertificateReference(string CertificateId, string CertificateArn);

/// <summary>CreateCertificateFromCsr output: AWS IoT acted as the CA.</summary>
public sealed record IotCreatedCertificate(string CertificateId, string CertificateArn, string CertificatePem);

/// <summary>A certificate or CA certificate as listed (ListCACertificates, ListCertificatesByCA).</summary>
public sealed record IotCertificateSummary(string CertificateId, string CertificateArn)
{
    public string? Status { get; init; }

    public string? CertificateMode { get; init; }

    public DateTimeOffset? CreationDate { get; init; }
}

/// <summary>DescribeCertificate output.</summary>
public sealed record IotCertificateDescription(string CertificateId, string CertificateArn)
{
    public string? CaCertificateId { get; init; }

    public string? Status { get; init; }

    public string? CertificatePem { get; init; }

    public string? OwnedBy { get; init; }

    public string? PreviousOwnedBy { get; init; }

    public DateTimeOffset? CreationDate { get; init; }

    public DateTimeOffset? LastModifiedDate { get; init; }

    public int? CustomerVersion { get; init; }

    public string? GenerationId { get; init; }

    public DateTimeOffset? ValidityNotBefore { get; init; }

    public DateTimeOffset? ValidityNotAfter { get; init; }

    public string? CertificateMode { get; init; }
}

/// <summary>DescribeCACertificate output.</summary>
public sealed record IotCaCertificateDescription(string CertificateId, string CertificateArn)
{
    public string? Status { get; init; }

    public string? CertificatePem { get; init; }

    public string? OwnedBy { get; init; }

    public DateTimeOffset? CreationDate { get; init; }

    /// <summary>"ENABLE" or "DISABLE".</summary>
    public string? AutoRegistrationStatus { get; init; }

    public DateTimeOffset? LastModifiedDate { get; init; }

    public int? CustomerVersion { get; init; }

    public string? GenerationId { get; init; }

    public DateTimeOffset? ValidityNotBefore { get; init; }

    public DateTimeOffset? ValidityNotAfter { get; init; }

    public string? CertificateMode { get; init; }
}
