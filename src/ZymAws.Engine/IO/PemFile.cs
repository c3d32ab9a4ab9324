using System.IO;

namespace ZymAws.Engine.IO;

/// <summary>The one way an output PEM file (a certificate or a CSR: public material) is written.</summary>
public static class PemFile
{
    /// <summary>
    /// Writes <paramref name="pem"/> to <paramref name="path"/> atomically with mode 0644 (see <see cref="SecureFile"/>),
    /// creating the folder when it is missing. An existing file is replaced only when <paramref name="overwrite"/> is set.
    /// </summary>
    /// <returns>The full path written.</returns>
    /// <exception cref="ZymException">FileExists, FileAccessDenied, FileWriteFailed (from <see cref="SecureFile"/>).</exception>
    /// <exception cref="IOException">The folder cannot be created.</exception>
    /// <exception cref="System.UnauthorizedAccessException">The folder cannot be created.</exception>
    public static string Write(string path, string pem, bool overwrite)
    {
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        SecureFile.WriteAllText(full, pem, overwrite, ownerOnly: false);
        return full;
    }
}
