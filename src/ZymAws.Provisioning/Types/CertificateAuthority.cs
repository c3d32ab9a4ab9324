using System;
using EnginePki = ZymAws.Engine.Pki;

namespace ZymAws.Provisioning;

/// <summary>
/// A certificate authority ready to sign device certificates: its certificate and, held in memory only, its private
/// key. Made by New-ZymCertificateAuthority or Import-ZymCertificateAuthority; pipe it (or pass it to
/// -CertificateAuthority) to Approve-ZymDeviceCsr, Register-ZymCaWithAws and Invoke-ZymDeviceProvisioning.
/// </summary>
public sealed class CertificateAuthority
{
    internal CertificateAuthority(EnginePki.CaSigner engine)
    {
        Engine = engine;
    }

    internal EnginePki.CaSigner Engine { get; }

    public string Subject => Engine.Subject;

    /// <summary>Lowercase hex SHA-256 of the certificate's DER: the id AWS IoT gives it.</summary>
    public string CertificateId => Engine.CertificateId;

    public DateTime NotBefore => Engine.NotBefore;

    public DateTime NotAfter => Engine.NotAfter;

    public string SerialNumber => Engine.SerialNumber;

    /// <summary>"EC P-256", "EC P-384", "RSA 2048", ...</summary>
    public string KeyAlgorithm => Engine.KeyAlgorithm;

    public string? CertificatePath => Engine.CertificatePath;

    public string? KeyPath => Engine.KeyPath;

    /// <summary>Whether the key file on disk is encrypted.</summary>
    public bool KeyEncrypted => Engine.IsKeyEncrypted;

    public string CertificatePem => Engine.CertificatePem;

    public override string ToString() => Subject;
}
