using System;
using System.IO;

namespace ZymAws.Engine.Pki;

/// <summary>Reads input files with the same errors everywhere.</summary>
internal static class PkiFiles
{
    internal const int MaxInputBytes = 16 * 1024 * 1024;

    /// <exception cref="ZymException">FileNotFound (ObjectNotFound), FileAccessDenied (PermissionDenied), FileReadFailed (ReadError).</exception>
    internal static byte[] ReadAllBytes(string path)
    {
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                throw new ZymException(PkiErrorIds.FileNotFound, ZymErrorCategory.ObjectNotFound, $"The file '{path}' does not exist.", path);
            }

            if (info.Length > MaxInputBytes)
            {
                throw new ZymException(PkiErrorIds.FileReadFailed, ZymErrorCategory.ReadError, $"The file '{path}' is larger than {MaxInputBytes / (1024 * 1024)} MiB.", path);
            }

            return File.ReadAllBytes(path);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new ZymException("FileAccessDenied", ZymErrorCategory.PermissionDenied, $"Access to '{path}' is denied.", path, ex);
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or NotSupportedException)
        {
            throw new ZymException(PkiErrorIds.FileReadFailed, ZymErrorCategory.ReadError, $"The file '{path}' cannot be read: {ex.Message}", path, ex);
        }
    }
}
