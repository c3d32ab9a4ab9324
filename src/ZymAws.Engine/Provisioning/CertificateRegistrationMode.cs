namespace ZymAws.Engine.Provisioning;

/// <summary>How each device's certificate gets into AWS IoT.</summary>
public enum CertificateRegistrationMode
{
    /// <summary>RegisterCertificate with the CA certificate PEM: the device certificates are signed by a CA registered (ACTIVE) with AWS IoT.</summary>
    WithCa,

    /// <summary>RegisterCertificateWithoutCA (SNI_ONLY): no CA registration needed.</summary>
    WithoutCa,

    /// <summary>AWS IoT acts as the CA: CreateCertificateFromCsr signs each device's CSR (not idempotent: journaled with an intent record).</summary>
    FromCsr,
}
