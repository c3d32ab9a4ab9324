using ZymAws.Engine.Aws;

namespace ZymAws.Engine.Registration;

/// <summary>A CA certificate as AWS IoT has it registered, after <see cref="CaRegistrar.RegisterAsync"/>.</summary>
public sealed class CaRegistrationOutcome
{
    internal CaRegistrationOutcome(IotCaCertificateDescription description, bool alreadyRegistered, string? verificationCertificatePem)
    {
        Description = description;
        AlreadyRegistered = alreadyRegistered;
        VerificationCertificatePem = verificationCertificatePem;
    }

    /// <summary>What DescribeCACertificate says about it now (id, ARN, status, auto-registration, mode).</summary>
    public IotCaCertificateDescription Description { get; }

    /// <summary>True when the CA was registered before this call (by an earlier run or, concurrently, by someone else).</summary>
    public bool AlreadyRegistered { get; }

    /// <summary>The verification certificate made for this registration (DEFAULT mode), for the record; else null.</summary>
    public string? VerificationCertificatePem { get; }

    /// <inheritdoc />
    public override string ToString() => $"{Description.CertificateId} ({Description.Status})";
}
