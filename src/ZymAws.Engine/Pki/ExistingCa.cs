using System;
using System.Globalization;
using System.IO;
using ZymAws.Engine.IO;

namespace ZymAws.Engine.Pki;

/// <summary>
/// The certificate authority already at a CA's paths, which a new one would replace (New-ZymCertificateAuthority
/// -Force): what it is, and keeping it as a backup before it is replaced. The backup is a folder next to the key,
/// <c>backup-&lt;UTC yyyyMMddTHHmmssZ&gt;</c> (owner-only, 0700), holding the old files byte for byte under their own
/// names, both owner-only (0600): the same layout as the CA folder, so Import-ZymCertificateAuthority takes it back.
/// </summary>
public sealed class ExistingCa
{
    /// <summary>The prefix of a backup folder's name.</summary>
    public const string BackupPrefix = "backup-";

    private ExistingCa(string certificatePath, string keyPath, CertificateFacts? certificate, string? problem)
    {
        CertificatePath = certificatePath;
        KeyPath = keyPath;
        Certificate = certificate;
        Problem = problem;
    }

    /// <summary>The existing certificate file's full path (it may be missing when only the key exists).</summary>
    public string CertificatePath { get; }

    /// <summary>The existing key file's full path (it may be missing when only the certificate exists).</summary>
    public string KeyPath { get; }

    /// <summary>The existing CA certificate; null when there is none or it cannot be read (<see cref="Problem"/>).</summary>
    public CertificateFacts? Certificate { get; }

    /// <summary>Why <see cref="Certificate"/> is null although the file exists; else null.</summary>
    public string? Problem { get; }

    /// <summary>"CN=Old CA (id 1a2b…)", or what is there when the certificate cannot be read.</summary>
    public string Description => Certificate is { } c ? $"{c.Subject} (id {c.CertificateId})"
        : File.Exists(CertificatePath) ? $"an unreadable certificate ({Problem?.TrimEnd('.')})"
        : "a key without its certificate";

    /// <summary>The CA at these paths; null when neither file exists.</summary>
    /// <exception cref="ZymException">FilePathInvalid.</exception>
    public static ExistingCa? Find(string certificatePath, string keyPath)
    {
        string certFull = FullPath(certificatePath);
        string keyFull = FullPath(keyPath);
        if (!File.Exists(certFull) && !File.Exists(keyFull))
        {
            return null;
        }

        CertificateFacts? certificate = null;
        string? problem = null;
        if (File.Exists(certFull))
        {
            try
            {
                certificate = CertificateFacts.Load(certFull);
            }
            catch (ZymException ex)
            {
                problem = ex.Message;
            }
        }

        return new ExistingCa(certFull, keyFull, certificate, problem);
    }

    /// <summary>The backup folder a replacement at <paramref name="utcNow"/> would use (the first free name).</summary>
    public string BackupFolderFor(DateTime utcNow)
    {
        string parent = Path.GetDirectoryName(KeyPath)!;
        string stamp = BackupPrefix + utcNow.ToUniversalTime().ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        string folder = Path.Combine(parent, stamp);
        for (int n = 2; Directory.Exists(folder) || File.Exists(folder); n++)
        {
            folder = Path.Combine(parent, stamp + "-" + n.ToString(CultureInfo.InvariantCulture));
        }

        return folder;
    }

    /// <summary>
    /// Copies the existing files into a new backup folder (<see cref="BackupFolderFor"/>), owner-only, as one unit: both
    /// copies or neither (and no folder).
    /// </summary>
    /// <returns>The backup folder.</returns>
    /// <exception cref="ZymException">FileReadFailed, FileAccessDenied, FileWriteFailed.</exception>
    public string Backup(DateTime utcNow)
    {
        string folder = BackupFolderFor(utcNow);
        var files = new System.Collections.Generic.List<SecureFileContent>();
        try
        {
            foreach (string path in new[] { CertificatePath, KeyPath })
            {
                if (File.Exists(path))
                {
                    files.Add(new SecureFileContent(Path.Combine(folder, Path.GetFileName(path)), ReadAll(path), ownerOnly: true));
                }
            }

            SecureFile.CreatePrivateDirectory(folder);
            try
            {
                SecureFile.WriteAll(files, overwrite: false);
            }
            catch
            {
                TryDeleteFolder(folder);
                throw;
            }

            return folder;
        }
        finally
        {
            foreach (var file in files)
            {
                Array.Clear(file.Content, 0, file.Content.Length);
            }
        }
    }

    /// <summary>Removes a backup folder this class made (the replacement it was for did not happen); best effort.</summary>
    public static void Discard(string backupFolder)
    {
        if (Path.GetFileName(backupFolder).StartsWith(BackupPrefix, StringComparison.Ordinal))
        {
            TryDeleteFolder(backupFolder);
        }
    }

    private static void TryDeleteFolder(string folder)
    {
        try
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Best effort: an extra copy of files that are still in place harms nothing.
        }
    }

    private static byte[] ReadAll(string path)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ZymException("FileReadFailed", ZymErrorCategory.ReadError, $"Cannot read '{path}' to keep a backup of it: {ex.Message}", path, ex);
        }
    }

    private static string FullPath(string path)
    {
        try
        {
            return Path.GetFullPath(path);
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new ZymException("FilePathInvalid", ZymErrorCategory.InvalidArgument, $"'{path}' is not a valid file path: {ex.Message}", path, ex);
        }
    }
}
