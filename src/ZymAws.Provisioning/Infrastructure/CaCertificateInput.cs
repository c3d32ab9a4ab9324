using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using ZymAws.Engine;
using EnginePki = ZymAws.Engine.Pki;

namespace ZymAws.Provisioning.Infrastructure;

/// <summary>
/// A CA certificate given without its key: the provisioning host needs only the certificate, never the CA's
/// private key. Accepts a CA object, Register-ZymCaWithAws's output, a CertificateInfo, a file (FileInfo or path),
/// or PEM text.
/// </summary>
internal static class CaCertificateInput
{
    public static string? TryGetPem(object value, Func<string, string> resolvePath) => value switch
    {
        CertificateAuthority ca => ca.CertificatePem,
        CaRegistration registration when !string.IsNullOrEmpty(registration.CertificatePem) => registration.CertificatePem,
        CertificateInfo info => info.CertificatePem,
        FileInfo file => File.ReadAllText(file.FullName),
        string text when EnginePki.Pem.ContainsPem(text) => text,
        string path when PathExists(path, resolvePath) => File.ReadAllText(resolvePath(path)),
        _ => null,
    };

    /// <summary>The certificate id (SHA-256 of the DER) of a CA certificate input.</summary>
    public static string? TryGetId(object value, Func<string, string> resolvePath) => value switch
    {
        CertificateAuthority ca => ca.CertificateId,
        CaRegistration registration => registration.CertificateId,
        CertificateInfo info => info.CertificateId,
        CaStatusChange change => change.CertificateId,
        CaUnregistrationResult unregistered => unregistered.CertificateId,
        string id when IsCertificateId(id) => id.Trim().ToLowerInvariant(),
        string text when !EnginePki.Pem.ContainsPem(text) && !PathExists(text, resolvePath) => null,
        _ => TryGetPem(value, resolvePath) is { } pem ? EnginePki.CertificateFacts.Parse(pem).CertificateId : null,
    };

    /// <summary>The error for a -CertificateAuthority value that names no CA; <paramref name="withModes"/> for Invoke-ZymDeviceProvisioning's AwsIot / None.</summary>
    public static ZymException Unusable(object value, bool withModes = false) => new(
        "CertificateAuthorityInvalid",
        ZymErrorCategory.InvalidArgument,
        "-CertificateAuthority takes the CA's certificate — a CA object, Register-ZymCaWithAws's output, a certificate file or " +
        "PEM text" + (withModes ? " — or 'AwsIot' (AWS IoT issues the certificates) or 'None' (RegisterCertificateWithoutCA)." : ", or its id (64 hex digits)."),
        value);

    private static bool IsCertificateId(string text)
    {
        string id = text.Trim();
        return id.Length == 64 && id.All(c => c is (>= '0' and <= '9') or (>= 'a' and <= 'f') or (>= 'A' and <= 'F'));
    }

    private static bool PathExists(string path, Func<string, string> resolvePath)
    {
        try
        {
            return File.Exists(resolvePath(path));
        }
        catch (Exception e) when (e is ItemNotFoundException or ZymException or ArgumentException or NotSupportedException)
        {
            return false;
        }
    }
}
