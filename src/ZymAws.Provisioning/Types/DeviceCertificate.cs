using System;
using EnginePki = ZymAws.Engine.Pki;

namespace ZymAws.Provisioning;

/// <summary>
/// A device certificate issued by Approve-ZymDeviceCsr. Its properties bind by name to Invoke-ZymDeviceProvisioning
/// (ThingName, CertificatePem, IotPolicy as -PolicyName).
/// </summary>
public sealed class DeviceCertificate
{
    internal DeviceCertificate(EnginePki.CertificateFacts engine, string? path)
    {
        Engine = engine;
        Path = path;
    }

    internal EnginePki.CertificateFacts Engine { get; }

    public string? ThingName => Engine.ThingName;

    /// <summary>Lowercase hex SHA-256 of the DER: the id AWS IoT gives the certificate.</summary>
    public string CertificateId => Engine.CertificateId;

    public string Subject => Engine.Subject;

    public string Issuer => Engine.Issuer;

    public DateTime NotBefore => Engine.NotBefore;

    public DateTime NotAfter => Engine.NotAfter;

    public string SerialNumber => Engine.SerialNumber;

    public string? IotPolicy => Engine.IotPolicy;

    public string? Region => Engine.Region;

    public string? CredentialEndpoint => Engine.CredentialEndpoint;

    public string? RoleAlias => Engine.RoleAlias;

    public string KeyAlgorithm => Engine.KeyAlgorithm;

    public string CertificatePem => Engine.CertificatePem;

    /// <summary>The PEM file written, if any.</summary>
    public string? Path { get; }

    public override string ToString() => Subject;
}
