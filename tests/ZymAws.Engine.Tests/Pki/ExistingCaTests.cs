using Xunit;
using ZymAws.Engine.IO;
using ZymAws.Engine.Keys;
using ZymAws.Engine.Pki;

namespace ZymAws.Engine.Tests.Pki;

/// <summary>Replacing a CA keeps the old one (New-ZymCertificateAuthority -Force), and the folders Import takes.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // file modes are a Unix notion
public sealed class ExistingCaTests : IDisposable
{
    private static readonly DateTime s_now = new(2026, 12, 2, 1, 15, 30, DateTimeKind.Utc);
    private readonly TempDir _dir = new();

    public void Dispose()
    {
        SecureFile.BeforeCommit = null;
        _dir.Dispose();
    }

    [Fact]
    public void SaveReplacing_KeepsTheOldFilesByteForByte_InAnOwnerOnlyTimestampedFolder_ThatLoadsAsTheOldCa()
    {
        using var old = CaSigner.Create("CN=Old CA");
        old.Save(_dir["ca.pem"], _dir["ca.key"], KeyProtection.WithPassphrase("old secret".ToCharArray()));
        byte[] oldKey = File.ReadAllBytes(_dir["ca.key"]);
        byte[] oldPem = File.ReadAllBytes(_dir["ca.pem"]);

        var existing = ExistingCa.Find(_dir["ca.pem"], _dir["ca.key"]);
        Assert.NotNull(existing);
        Assert.Equal(old.CertificateId, existing!.Certificate!.CertificateId);
        Assert.Contains("CN=Old CA", existing.Description);

        using var replacement = CaSigner.Create("CN=New CA");
        string? backup = replacement.SaveReplacing(_dir["ca.pem"], _dir["ca.key"], KeyProtection.None, s_now);

        Assert.Equal(Path.Combine(_dir.Path, "backup-20261202T011530Z"), backup);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(backup!));
        Assert.Equal(oldKey, File.ReadAllBytes(Path.Combine(backup!, "ca.key")));
        Assert.Equal(oldPem, File.ReadAllBytes(Path.Combine(backup!, "ca.pem")));
        foreach (var file in Directory.GetFiles(backup!))
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        }

        using var restored = CaSigner.Load(CaFolder.Files(backup!).CertificatePath, CaFolder.Files(backup!).KeyPath, "old secret".ToCharArray());
        Assert.Equal(old.CertificateId, restored.CertificateId);
        using var current = CaSigner.Load(_dir["ca.pem"], _dir["ca.key"]);
        Assert.Equal(replacement.CertificateId, current.CertificateId);

        // A second replacement in the same second gets its own folder.
        using var third = CaSigner.Create("CN=Third CA");
        Assert.Equal(Path.Combine(_dir.Path, "backup-20261202T011530Z-2"), third.SaveReplacing(_dir["ca.pem"], _dir["ca.key"], KeyProtection.None, s_now));
    }

    [Fact]
    public void SaveReplacing_WhenTheSaveFails_LeavesTheOldFilesAndNoBackup()
    {
        using var old = CaSigner.Create("CN=Old CA");
        old.Save(_dir["ca.pem"], _dir["ca.key"], KeyProtection.None);
        byte[] oldKey = File.ReadAllBytes(_dir["ca.key"]);
        using var replacement = CaSigner.Create("CN=New CA");
        SecureFile.BeforeCommit = path =>
        {
            if (path.EndsWith("ca.key", StringComparison.Ordinal) && !path.Contains("backup-", StringComparison.Ordinal))
            {
                throw new IOException("disk full (injected)");
            }
        };

        var error = Assert.Throws<ZymException>(() => replacement.SaveReplacing(_dir["ca.pem"], _dir["ca.key"], KeyProtection.None, s_now));
        Assert.Equal("FileWriteFailed", error.ErrorId);
        Assert.Equal(oldKey, File.ReadAllBytes(_dir["ca.key"]));
        Assert.Empty(Directory.GetDirectories(_dir.Path));
    }

    [Fact]
    public void SaveReplacing_WithNothingThere_WritesTheCaAndNoBackup()
    {
        using var ca = CaSigner.Create("CN=First CA");
        Assert.Null(ExistingCa.Find(_dir["ca.pem"], _dir["ca.key"]));
        Assert.Null(ca.SaveReplacing(_dir["ca.pem"], _dir["ca.key"], KeyProtection.None, s_now));
        Assert.Empty(Directory.GetDirectories(_dir.Path));
    }

    [Fact]
    public void Find_DescribesAnUnreadableCertificate_AndAKeyAlone()
    {
        File.WriteAllText(_dir["ca.pem"], "garbage");
        Assert.Null(ExistingCa.Find(_dir["ca.pem"], _dir["ca.key"])!.Certificate);
        Assert.StartsWith("an unreadable certificate", ExistingCa.Find(_dir["ca.pem"], _dir["ca.key"])!.Description);
        File.Delete(_dir["ca.pem"]);
        File.WriteAllText(_dir["ca.key"], "key");
        Assert.Equal("a key without its certificate", ExistingCa.Find(_dir["ca.pem"], _dir["ca.key"])!.Description);
    }

    [Fact]
    public void CaFolder_FindsTheModulesLayout_ThenTheSeeds_AndNamesBothWhenEmpty()
    {
        File.WriteAllText(_dir["zk_ca.crt"], "x");
        Assert.Equal((_dir["zk_ca.crt"], _dir["zk_ca.key"]), CaFolder.Files(_dir.Path));
        File.WriteAllText(_dir["ca.pem"], "x");
        Assert.Equal((_dir["ca.pem"], _dir["ca.key"]), CaFolder.Files(_dir.Path));

        string empty = Directory.CreateDirectory(_dir["empty"]).FullName;
        var error = Assert.Throws<ZymException>(() => CaFolder.Files(empty));
        Assert.Equal("CaFolderEmpty", error.ErrorId);
        Assert.Contains("ca.pem and ca.key", error.Message);
        Assert.Contains("zk_ca.crt and zk_ca.key", error.Message);
    }
}
