using System;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using ZymAws.Engine.Internal;

namespace ZymAws.Engine.IO;

/// <summary>One file for <see cref="SecureFile.WriteAll"/>.</summary>
public sealed class SecureFileContent
{
    /// <summary>Creates the description of one file to write.</summary>
    /// <param name="path">Destination path (relative paths resolve against the process's current directory).</param>
    /// <param name="content">The bytes to write.</param>
    /// <param name="ownerOnly">True (default): mode 0600 on Unix. False: 0644 (for public material such as certificates).</param>
    public SecureFileContent(string path, byte[] content, bool ownerOnly = true)
    {
        Path = path ?? throw new ArgumentNullException(nameof(path));
        Content = content ?? throw new ArgumentNullException(nameof(content));
        OwnerOnly = ownerOnly;
    }

    /// <summary>Destination path.</summary>
    public string Path { get; }

    /// <summary>The bytes to write.</summary>
    public byte[] Content { get; }

    /// <summary>Whether the file is readable by its owner only (0600 on Unix).</summary>
    public bool OwnerOnly { get; }

    /// <inheritdoc />
    public override string ToString() => $"{Path} ({Content.Length} bytes)";
}

/// <summary>
/// Writes files atomically: each file is first written to a temp file in the destination's directory
/// (created exclusively, mode 0600 on Unix before a byte is written, flushed to disk), then moved into place.
/// An existing file is never replaced unless <c>overwrite</c> is true. Several files form one unit: either all
/// of them are in place afterwards or none is (replaced files get their old content back). No temp file is left
/// behind on failure.
/// </summary>
/// <remarks>
/// Errors (all <see cref="ZymException"/>, Target = the path): "FileExists" (ResourceExists), "DirectoryNotFound"
/// (ObjectNotFound), "FileAccessDenied" (PermissionDenied), "FileWriteFailed" (WriteError).
/// On Windows the file inherits the directory's ACL (no mode bits there).
/// </remarks>
public static class SecureFile
{
    [ThreadStatic]
    private static Action<string>? t_beforeCommit;

    /// <summary>Test hook (calling thread only): runs before each file of a unit is moved into place, for fault injection.</summary>
    internal static Action<string>? BeforeCommit
    {
        get => t_beforeCommit;
        set => t_beforeCommit = value;
    }

    /// <summary>Writes one file (see <see cref="SecureFile"/>).</summary>
    public static void WriteAllBytes(string path, byte[] content, bool overwrite, bool ownerOnly = true)
        => WriteAll(new[] { new SecureFileContent(path, content, ownerOnly) }, overwrite);

    /// <summary>Writes one text file as UTF-8 without a byte order mark (see <see cref="SecureFile"/>).</summary>
    public static void WriteAllText(string path, string text, bool overwrite, bool ownerOnly = true)
        => WriteAllBytes(path, new UTF8Encoding(false).GetBytes(text ?? throw new ArgumentNullException(nameof(text))), overwrite, ownerOnly);

    /// <summary>
    /// Creates a folder for secrets, and any missing parents: every folder it creates is owner-only (0700 on Unix) from
    /// the moment it exists, whatever the umask. An existing <paramref name="path"/> is made owner-only too unless
    /// <paramref name="restrictExisting"/> is false (a folder the user chose, e.g. the current one, is left as it is);
    /// existing parents are never changed.
    /// </summary>
    /// <exception cref="ZymException">FileAccessDenied, FileWriteFailed (Target = the path).</exception>
    public static void CreatePrivateDirectory(string path, bool restrictExisting = true)
    {
        string full = System.IO.Path.GetFullPath(path);
        var missing = new Stack<string>();
        for (string? level = full; !string.IsNullOrEmpty(level) && !Directory.Exists(level); level = System.IO.Path.GetDirectoryName(level))
        {
            missing.Push(level!);
        }

        bool existed = missing.Count == 0;
        try
        {
            while (missing.Count > 0)
            {
                string level = missing.Pop();
                if (!UnixFileNative.IsUnix)
                {
                    Directory.CreateDirectory(level);
                    continue;
                }

                // mkdir with 0700 (never more open than that, even for a moment), then chmod: the umask may have taken bits away.
                if (UnixFileNative.Mkdir(level, Convert.ToInt32("700", 8)) != 0 && !Directory.Exists(level))
                {
                    int errno = UnixFileNative.LastErrno();
                    throw new ZymException(errno is 13 or 1 or 30 ? "FileAccessDenied" : "FileWriteFailed", errno is 13 or 1 or 30 ? ZymErrorCategory.PermissionDenied : ZymErrorCategory.WriteError,
                        $"Cannot create the folder '{level}' (errno {errno}).", full);
                }

                Restrict(level, full);
            }
        }
        catch (UnauthorizedAccessException e)
        {
            throw new ZymException("FileAccessDenied", ZymErrorCategory.PermissionDenied, $"Cannot create the folder '{full}': {e.Message}", full, e);
        }
        catch (IOException e)
        {
            throw new ZymException("FileWriteFailed", ZymErrorCategory.WriteError, $"Cannot create the folder '{full}': {e.Message}", full, e);
        }

        if (existed && restrictExisting)
        {
            Restrict(full, full);
        }
    }

    private static void Restrict(string folder, string target)
    {
        if (UnixFileNative.IsUnix && UnixFileNative.Chmod(folder, Convert.ToInt32("700", 8)) != 0)
        {
            throw new ZymException("FileAccessDenied", ZymErrorCategory.PermissionDenied, $"Cannot make the folder '{folder}' owner-only (errno {UnixFileNative.LastErrno()}).", target);
        }
    }

    /// <summary>Writes several files as one unit: all are written or none.</summary>
    public static void WriteAll(IReadOnlyList<SecureFileContent> files, bool overwrite)
    {
        if (files is null)
        {
            throw new ArgumentNullException(nameof(files));
        }

        var plans = new List<Plan>(files.Count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            string full = FullPath(file.Path);
            if (!seen.Add(full))
            {
                throw new ArgumentException($"The path '{full}' is listed twice.", nameof(files));
            }

            string? dir = Path.GetDirectoryName(full);
            if (dir is null || !Directory.Exists(dir))
            {
                throw new ZymException("DirectoryNotFound", ZymErrorCategory.ObjectNotFound, $"The directory of '{full}' does not exist.", full);
            }

            if (Directory.Exists(full))
            {
                throw new ZymException("FileExists", ZymErrorCategory.ResourceExists, $"'{full}' is a directory.", full);
            }

            if (!overwrite && File.Exists(full))
            {
                throw FileExists(full);
            }

            plans.Add(new Plan(file, full, dir));
        }

        Plan? current = null;
        try
        {
            foreach (var plan in plans)
            {
                current = plan;
                plan.TempPath = WriteTemp(plan);
            }

            foreach (var plan in plans)
            {
                current = plan;
                BeforeCommit?.Invoke(plan.FullPath);
                Commit(plan, overwrite);
            }
        }
        catch (Exception ex)
        {
            Rollback(plans);
            throw Map(ex, current?.FullPath);
        }

        foreach (var plan in plans)
        {
            if (plan.BackupPath is not null)
            {
                TryDelete(plan.BackupPath);
            }
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

    private static ZymException FileExists(string path)
        => new("FileExists", ZymErrorCategory.ResourceExists, $"'{path}' already exists; use -Force to replace it.", path);

    private static string WriteTemp(Plan plan)
    {
        string name = Path.GetFileName(plan.FullPath);
        if (UnixFileNative.IsUnix)
        {
            byte[] template = UnixFileNative.Utf8Z(Path.Combine(plan.Directory, "." + name + ".tmp-XXXXXX"));
            int fd = UnixFileNative.MakeTemp(template);
            if (fd < 0)
            {
                throw Errno("create a temporary file in", plan.FullPath, UnixFileNative.LastErrno());
            }

            string temp = UnixFileNative.FromUtf8Z(template);
            plan.TempPath = temp;
            try
            {
                byte[] content = plan.File.Content;
                int offset = 0;
                while (offset < content.Length)
                {
                    int n = UnixFileNative.Write(fd, content, offset, content.Length - offset);
                    if (n < 0)
                    {
                        int errno = UnixFileNative.LastErrno();
                        if (errno == UnixFileNative.EINTR)
                        {
                            continue;
                        }

                        throw Errno("write", plan.FullPath, errno);
                    }

                    offset += n;
                }

                if (!plan.File.OwnerOnly && UnixFileNative.FChmod(fd, Convert.ToInt32("644", 8)) != 0)
                {
                    throw Errno("set the mode of", plan.FullPath, UnixFileNative.LastErrno());
                }

                if (UnixFileNative.FSync(fd) != 0)
                {
                    throw Errno("flush", plan.FullPath, UnixFileNative.LastErrno());
                }
            }
            finally
            {
                UnixFileNative.Close(fd);
            }

            return temp;
        }

        string winTemp = Path.Combine(plan.Directory, "." + name + ".tmp-" + RandomHex());
        plan.TempPath = winTemp;
        using (var stream = new FileStream(winTemp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
        {
            stream.Write(plan.File.Content, 0, plan.File.Content.Length);
            stream.Flush(true);
        }

        return winTemp;
    }

    private static void Commit(Plan plan, bool overwrite)
    {
        string temp = plan.TempPath!;
        if (UnixFileNative.IsUnix)
        {
            if (overwrite && File.Exists(plan.FullPath))
            {
                // Keep the old content until every file of the unit is in place.
                string backup = Path.Combine(plan.Directory, "." + Path.GetFileName(plan.FullPath) + ".bak-" + RandomHex());
                if (UnixFileNative.Link(plan.FullPath, backup) != 0 && UnixFileNative.Rename(plan.FullPath, backup) != 0)
                {
                    throw Errno("keep a backup of", plan.FullPath, UnixFileNative.LastErrno());
                }

                plan.BackupPath = backup;

                if (UnixFileNative.Rename(temp, plan.FullPath) != 0)
                {
                    throw Errno("replace", plan.FullPath, UnixFileNative.LastErrno());
                }

                plan.TempPath = null;
                plan.Committed = true;
                return;
            }

            // link() fails with EEXIST if the destination appeared meanwhile: no silent clobbering.
            if (UnixFileNative.Link(temp, plan.FullPath) == 0)
            {
                plan.Committed = true;
                UnixFileNative.Unlink(temp);
                plan.TempPath = null;
                return;
            }

            int errno = UnixFileNative.LastErrno();
            if (errno == UnixFileNative.EEXIST)
            {
                throw FileExists(plan.FullPath);
            }

            // File systems without hard links: check, then rename.
            if (File.Exists(plan.FullPath))
            {
                throw FileExists(plan.FullPath);
            }

            if (UnixFileNative.Rename(temp, plan.FullPath) != 0)
            {
                throw Errno("create", plan.FullPath, UnixFileNative.LastErrno());
            }

            plan.TempPath = null;
            plan.Committed = true;
            return;
        }

        if (overwrite && File.Exists(plan.FullPath))
        {
            string backup = Path.Combine(plan.Directory, "." + Path.GetFileName(plan.FullPath) + ".bak-" + RandomHex());
            File.Replace(temp, plan.FullPath, backup);
            plan.BackupPath = backup;
        }
        else
        {
            if (File.Exists(plan.FullPath))
            {
                throw FileExists(plan.FullPath);
            }

            File.Move(temp, plan.FullPath);
        }

        plan.TempPath = null;
        plan.Committed = true;
    }

    private static void Rollback(List<Plan> plans)
    {
        foreach (var plan in plans)
        {
            if (plan.TempPath is not null)
            {
                TryDelete(plan.TempPath);
                plan.TempPath = null;
            }

            if (plan.BackupPath is not null)
            {
                if (plan.Committed || !File.Exists(plan.FullPath))
                {
                    // Put the old content back.
                    TryRestore(plan.BackupPath, plan.FullPath);
                }
                else
                {
                    TryDelete(plan.BackupPath);
                }
            }
            else if (plan.Committed)
            {
                TryDelete(plan.FullPath);
            }
        }
    }

    private static void TryRestore(string backup, string path)
    {
        try
        {
            if (UnixFileNative.IsUnix)
            {
                UnixFileNative.Rename(backup, path);
            }
            else
            {
                if (File.Exists(path))
                {
                    File.Delete(path);
                }

                File.Move(backup, path);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Best effort: the backup stays next to the file.
        }
    }

    private static Exception Map(Exception ex, string? target)
    {
        if (ex is ZymException)
        {
            return ex;
        }

        return ex switch
        {
            UnauthorizedAccessException => new ZymException("FileAccessDenied", ZymErrorCategory.PermissionDenied, $"Access denied writing '{target}': {ex.Message}", target, ex),
            IOException => new ZymException("FileWriteFailed", ZymErrorCategory.WriteError, $"Could not write '{target}': {ex.Message}", target, ex),
            _ => ex,
        };
    }

    private static ZymException Errno(string what, string path, int errno)
    {
        // EACCES 13, EPERM 1, EROFS 30
        if (errno is 13 or 1 or 30)
        {
            return new ZymException("FileAccessDenied", ZymErrorCategory.PermissionDenied, $"Access denied: could not {what} '{path}' (errno {errno}).", path);
        }

        if (errno == UnixFileNative.EEXIST)
        {
            return FileExists(path);
        }

        return new ZymException("FileWriteFailed", ZymErrorCategory.WriteError, $"Could not {what} '{path}' (errno {errno}).", path);
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Best effort.
        }
    }

    private static string RandomHex()
    {
        var bytes = new byte[8];
        using (var rng = RandomNumberGenerator.Create())
        {
            rng.GetBytes(bytes);
        }

        var sb = new StringBuilder(16);
        foreach (byte b in bytes)
        {
            sb.Append(b.ToString("x2"));
        }

        return sb.ToString();
    }

    private sealed class Plan
    {
        public Plan(SecureFileContent file, string fullPath, string directory)
        {
            File = file;
            FullPath = fullPath;
            Directory = directory;
        }

        public SecureFileContent File { get; }

        public string FullPath { get; }

        public string Directory { get; }

        public string? TempPath { get; set; }

        public string? BackupPath { get; set; }

        public bool Committed { get; set; }
    }
}
