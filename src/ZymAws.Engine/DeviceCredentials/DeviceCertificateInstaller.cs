using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using ZymAws.Engine.IO;
using ZymAws.Engine.Pki;

namespace ZymAws.Engine.DeviceCredentials;

/// <summary>What Install-ZymDeviceCertificate put where.</summary>
public sealed record InstalledCertificate(string CertificatePath, string? ServerCaCertificatePath, CertificateFacts Certificate);

/// <summary>
/// Puts a device certificate (and the server's trust anchors) where the device side looks by default: device.crt and
/// credentials-provider-ca.pem in the device folder, written together (both or neither), readable by all (certificates
/// are public). A file holding a private key is refused: keys never travel this way.
/// </summary>
public static class DeviceCertificateInstaller
{
    /// <exception cref="ZymException">FileNotFound, CertificateMalformed, CertificateFileHasPrivateKey, ServerTrustInvalid, FileExists, FileWriteFailed.</exception>
    public static InstalledCertificate Install(string certificateFile, string? serverCaFile, string folder, bool overwrite)
    {
        // The device certificate first, then any intermediates of the file: the device sends them all as its chain.
        var chain = ReadCertificates(certificateFile);
        var certificate = chain[0];
        string certificatePath = Path.Combine(folder, Path.GetFileName(DeviceCredentialOptions.DefaultCertificatePath));
        var files = new List<SecureFileContent> { new(certificatePath, Encoding.ASCII.GetBytes(string.Concat(chain.Select(c => c.CertificatePem))), ownerOnly: false) };
        string? caPath = null;
        if (serverCaFile is not null)
        {
            var anchors = ReadCertificates(serverCaFile);
            caPath = Path.Combine(folder, Path.GetFileName(DeviceCredentialOptions.DefaultServerCaPath));
            files.Add(new SecureFileContent(caPath, Encoding.ASCII.GetBytes(string.Concat(anchors.Select(a => a.CertificatePem))), ownerOnly: false));
        }

        Directory.CreateDirectory(folder);
        SecureFile.WriteAll(files, overwrite);
        return new InstalledCertificate(certificatePath, caPath, certificate);
    }

    private static IReadOnlyList<CertificateFacts> ReadCertificates(string file)
    {
        if (File.Exists(file) && File.ReadAllText(file).IndexOf("PRIVATE KEY-----", System.StringComparison.Ordinal) >= 0)
        {
            throw new ZymException("CertificateFileHasPrivateKey", ZymErrorCategory.SecurityError,
                $"'{file}' holds a private key; only certificates are installed this way (the device key stays in the Zymkey or its own file).", file);
        }

        return CertificateFacts.LoadAll(file);
    }
}
