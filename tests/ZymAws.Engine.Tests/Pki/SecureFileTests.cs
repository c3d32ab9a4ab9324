using Xunit;
using ZymAws.Engine.IO;

namespace ZymAws.Engine.Tests.Pki;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // file modes are a Unix notion
public sealed class SecureFileTests : IDisposable
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private readonly TempDir _dir = new();

    public void Dispose()
    {
        SecureFile.BeforeCommit = null;
        _dir.Dispose();
    }

    [Fact]
    public void NewFile_IsOwnerOnly_AndHoldsTheContent()
    {
        SecureFile.WriteAllText(_dir["secret.key"], "secret\n", overwrite: false);

        Assert.Equal("secret\n", File.ReadAllText(_dir["secret.key"]));
        Assert.Equal(OwnerOnly, File.GetUnixFileMode(_dir["secret.key"]));
        Assert.Equal(new[] { "secret.key" }, _dir.Files());
    }

    [Fact]
    public void OwnerOnly_DoesNotDependOnTheUmask()
    {
        // A permissive directory and a file that is not owner-only are no reason for a secret to be readable.
        File.SetUnixFileMode(_dir.Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute);
        SecureFile.WriteAllBytes(_dir["public.pem"], new byte[] { 1 }, overwrite: false, ownerOnly: false);
        SecureFile.WriteAllBytes(_dir["private.key"], new byte[] { 2 }, overwrite: false);

        Assert.Equal(OwnerOnly | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(_dir["public.pem"]));
        Assert.Equal(OwnerOnly, File.GetUnixFileMode(_dir["private.key"]));
    }

    [Fact]
    public void ExistingFile_WithoutOverwrite_IsFileExists_AndUntouched()
    {
        File.WriteAllText(_dir["a.txt"], "old");

        var ex = Assert.Throws<ZymException>(() => SecureFile.WriteAllText(_dir["a.txt"], "new", overwrite: false));

        Assert.Equal("FileExists", ex.ErrorId);
        Assert.Equal(ZymErrorCategory.ResourceExists, ex.Category);
        Assert.Equal(_dir["a.txt"], ex.Target);
        Assert.Equal("old", File.ReadAllText(_dir["a.txt"]));
        Assert.Equal(new[] { "a.txt" }, _dir.Files());
    }

    [Fact]
    public void Overwrite_ReplacesTheContent_AndTightensTheMode()
    {
        File.WriteAllText(_dir["a.key"], "old");
        File.SetUnixFileMode(_dir["a.key"], OwnerOnly | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        SecureFile.WriteAllText(_dir["a.key"], "new", overwrite: true);

        Assert.Equal("new", File.ReadAllText(_dir["a.key"]));
        Assert.Equal(OwnerOnly, File.GetUnixFileMode(_dir["a.key"]));
        Assert.Equal(new[] { "a.key" }, _dir.Files());
    }

    [Fact]
    public void Unit_WhenOneFileExists_WritesNone()
    {
        File.WriteAllText(_dir["b.key"], "old");

        var ex = Assert.Throws<ZymException>(() => SecureFile.WriteAll(
            new[] { new SecureFileContent(_dir["a.pem"], new byte[] { 1 }), new SecureFileContent(_dir["b.key"], new byte[] { 2 }) },
            overwrite: false));

        Assert.Equal("FileExists", ex.ErrorId);
        Assert.Equal(new[] { "b.key" }, _dir.Files());
    }

    [Fact]
    public void Unit_WhenASecondFileAppearsDuringTheWrite_RollsBackTheFirst()
    {
        // Another process creates b.key after the up-front check: link() refuses to clobber it, a.pem is removed again.
        SecureFile.BeforeCommit = path =>
        {
            if (path == _dir["b.key"])
            {
                File.WriteAllText(path, "raced in");
            }
        };

        var ex = Assert.Throws<ZymException>(() => SecureFile.WriteAll(
            new[] { new SecureFileContent(_dir["a.pem"], new byte[] { 1 }), new SecureFileContent(_dir["b.key"], new byte[] { 2 }) },
            overwrite: false));

        Assert.Equal("FileExists", ex.ErrorId);
        Assert.Equal(_dir["b.key"], ex.Target);
        Assert.Equal(new[] { "b.key" }, _dir.Files());
        Assert.Equal("raced in", File.ReadAllText(_dir["b.key"]));
    }

    [Fact]
    public void Unit_WithOverwrite_FailingOnTheSecondFile_RestoresTheFirstFilesOldContent()
    {
        File.WriteAllText(_dir["a.pem"], "old a");
        File.WriteAllText(_dir["b.key"], "old b");
        SecureFile.BeforeCommit = path =>
        {
            if (path == _dir["b.key"])
            {
                // Replace the destination by a non-empty directory: rename() onto it must fail.
                File.Delete(path);
                Directory.CreateDirectory(path);
                File.WriteAllText(Path.Combine(path, "x"), "x");
            }
        };

        var ex = Assert.Throws<ZymException>(() => SecureFile.WriteAll(
            new[] { new SecureFileContent(_dir["a.pem"], new byte[] { 1 }), new SecureFileContent(_dir["b.key"], new byte[] { 2 }) },
            overwrite: true));

        Assert.Contains(ex.ErrorId, new[] { "FileWriteFailed", "FileExists" });
        Assert.Equal("old a", File.ReadAllText(_dir["a.pem"]));
        Assert.True(Directory.Exists(_dir["b.key"]));
        Assert.Equal(new[] { "a.pem" }, _dir.Files()); // no temp or backup files left
    }

    [Fact]
    public void Content_IsWrittenToAnOwnerOnlyTempFileInTheSameDirectory_ThenMoved()
    {
        string[]? seen = null;
        UnixFileMode tempMode = default;
        SecureFile.BeforeCommit = path =>
        {
            seen = _dir.Files();
            tempMode = File.GetUnixFileMode(_dir[seen.Single()]);
        };

        SecureFile.WriteAllText(_dir["ca.key"], "key", overwrite: false);

        Assert.NotNull(seen);
        Assert.StartsWith(".ca.key.tmp-", seen!.Single(), StringComparison.Ordinal);
        Assert.Equal(OwnerOnly, tempMode);
        Assert.Equal(new[] { "ca.key" }, _dir.Files());
    }

    [Fact]
    public void PrivateDirectory_EveryFolderItCreatesIsOwnerOnly_AnExistingParentIsLeftAsItIs()
    {
        const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        var open = Private | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
        File.SetUnixFileMode(_dir.Path, open);
        string leaf = Path.Combine(_dir.Path, "keys", "site-1", "batch");

        SecureFile.CreatePrivateDirectory(leaf, restrictExisting: false);

        Assert.Equal(Private, File.GetUnixFileMode(Path.Combine(_dir.Path, "keys")));
        Assert.Equal(Private, File.GetUnixFileMode(Path.Combine(_dir.Path, "keys", "site-1")));
        Assert.Equal(Private, File.GetUnixFileMode(leaf));
        Assert.Equal(open, File.GetUnixFileMode(_dir.Path));

        // A folder that exists is the user's choice: left open without restrictExisting, made owner-only with it.
        string chosen = Path.Combine(_dir.Path, "chosen");
        Directory.CreateDirectory(chosen);
        File.SetUnixFileMode(chosen, open);
        SecureFile.CreatePrivateDirectory(chosen, restrictExisting: false);
        Assert.Equal(open, File.GetUnixFileMode(chosen));
        SecureFile.CreatePrivateDirectory(chosen);
        Assert.Equal(Private, File.GetUnixFileMode(chosen));
    }

    [Fact]
    public void MissingDirectory_IsDirectoryNotFound()
    {
        var ex = Assert.Throws<ZymException>(() => SecureFile.WriteAllText(_dir["missing/a.txt"], "x", overwrite: false));

        Assert.Equal("DirectoryNotFound", ex.ErrorId);
        Assert.Equal(ZymErrorCategory.ObjectNotFound, ex.Category);
        Assert.Empty(Directory.GetFileSystemEntries(_dir.Path));
    }

    [Fact]
    public void NonAsciiFileName_Works()
    {
        SecureFile.WriteAllText(_dir["clé-中.key"], "x", overwrite: false);
        Assert.Equal("x", File.ReadAllText(_dir["clé-中.key"]));
        Assert.Equal(OwnerOnly, File.GetUnixFileMode(_dir["clé-中.key"]));
    }
}
