using System;
using System.Collections.Generic;
using EnginePki = ZymAws.Engine.Pki;

namespace ZymAws.Provisioning;

/// <summary>What Get-ZymCertificateInfo reads from a certificate, with the seed's subject layout parsed.</summary>
public sealed class CertificateInfo
{
    internal CertificateInfo(EnginePki.CertificateFacts engine) => Engine = engine;

    internal EnginePki.CertificateFacts Engine { get; }

    public string? ThingName => Engine.ThingName;

    public string? RoleAlias => Engine.RoleAlias;

    /// <summary>The credentials-provider endpoint prefix (O=).</summary>
    public string? CredentialEndpoint => Engine.CredentialEndpoint;

    public string? Region => Engine.Region;

    public string? IotPolicy => Engine.IotPolicy;

    public string CertificateId => Engine.CertificateId;

    public string Subject => Engine.Subject;

    public string Issuer => Engine.Issuer;

    public DateTime NotBefore => Engine.NotBefore;

    public DateTime NotAfter => Engine.NotAfter;

    public string SerialNumber => Engine.SerialNumber;

    public string KeyAlgorithm => Engine.KeyAlgorithm;

    public string SignatureAlgorithm => Engine.SignatureAlgorithm;

    public bool IsCertificateAuthority => Engine.IsCertificateAuthority;

    public IReadOnlyList<string> KeyUsage => Joined.List(Engine.KeyUsage);

    public IReadOnlyList<string> ExtendedKeyUsage => Joined.List(Engine.ExtendedKeyUsage);

    /// <summary>Where it was read from (a path), if a file.</summary>
    public string? Source => Engine.Source;

    public string CertificatePem => Engine.CertificatePem;

    public override string ToString() => Subject;
}
