using Xunit;
using ZymAws.Engine.Keys;

namespace ZymAws.Engine.Tests.Pki;

public sealed class DeviceKeySpecTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void NoKeyPath_ChoosesTheZymkey_AndAKeyPath_ChoosesSoftware()
    {
        Assert.Equal(DeviceKeySourceKind.Zymkey, new DeviceKeySpec().Resolve("t"));
        Assert.Equal(DeviceKeySourceKind.Software, new DeviceKeySpec { KeyPath = _dir["k.pem"] }.Resolve("t"));
        Assert.Equal("Zymkey slot 2", new DeviceKeySpec { Slot = 2 }.Describe("t"));
    }

    [Theory]
    [InlineData(DeviceKeySourceKind.Software, null, null, "KeyPathRequired")]
    [InlineData(DeviceKeySourceKind.Software, "k.pem", 1, "ParameterConflict")]
    [InlineData(DeviceKeySourceKind.Zymkey, "k.pem", null, "ParameterConflict")]
    [InlineData(null, "k.pem", 0, "ParameterConflict")]
    public void ContradictoryParameters_AreRefusedWithTheItem(DeviceKeySourceKind? source, string? keyPath, int? slot, string errorId)
    {
        var spec = new DeviceKeySpec { Source = source, KeyPath = keyPath is null ? null : _dir[keyPath], Slot = slot };
        var ex = Assert.Throws<ZymException>(() => spec.Resolve("dev-1"));
        Assert.Equal(errorId, ex.ErrorId);
        Assert.Equal(ZymErrorCategory.InvalidArgument, ex.Category);
        Assert.Equal("dev-1", ex.Target);
        Assert.Empty(_dir.Files());
    }

    [Fact]
    public void AMissingKeyFile_WithoutAPassphraseChoice_IsRefusedAndNothingIsWritten()
    {
        var ex = Assert.Throws<ZymException>(() => new DeviceKeySpec { KeyPath = _dir["new.pem"] }.Open(null, createIfMissing: true, "dev-1"));
        Assert.Equal("PassphraseRequired", ex.ErrorId);
        Assert.Empty(_dir.Files());
    }

    [Fact]
    public void AMissingKeyFile_IsGeneratedEncrypted_OwnerOnly_AndReadBack()
    {
        string path = Path.Combine(_dir.Path, "sub", "new.pem");
        byte[] spki;
        using (var created = new DeviceKeySpec { KeyPath = path, Passphrase = "pw-123456".ToCharArray() }.Open(null, createIfMissing: true, "dev-1"))
        {
            spki = created.GetSubjectPublicKeyInfo();
        }

        Assert.Contains("ENCRYPTED PRIVATE KEY", File.ReadAllText(path));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }

        using var loaded = new DeviceKeySpec { KeyPath = path, Passphrase = "pw-123456".ToCharArray() }.Open(null, createIfMissing: false, "dev-1");
        Assert.Equal(spki, loaded.GetSubjectPublicKeyInfo());
    }

    [Fact]
    public void AMissingKeyFile_IsNotCreated_WhenOnlyReading()
    {
        var ex = Assert.Throws<ZymException>(() => new DeviceKeySpec { KeyPath = _dir["absent.pem"], NoPassphrase = true }.Open(null, createIfMissing: false, "dev-1"));
        Assert.Equal("FileNotFound", ex.ErrorId);
        Assert.Empty(_dir.Files());
    }

    [Fact]
    public void TheZymkeySource_OpensTheSlotThroughTheOpener()
    {
        var opener = new RecordingOpener();
        using var key = new DeviceKeySpec { Slot = 1 }.Open(opener, createIfMissing: true, "dev-1");
        Assert.Equal(new[] { 1 }, opener.Slots);
    }

    private sealed class RecordingOpener : IZymkeyKeyOpener
    {
        public List<int> Slots { get; } = new();

        public IDeviceKey OpenKey(int slot)
        {
            Slots.Add(slot);
            return SoftwareDeviceKey.Generate();
        }
    }
}
