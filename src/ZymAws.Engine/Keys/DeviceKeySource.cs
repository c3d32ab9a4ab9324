using System;
using System.IO;
using ZymAws.Engine.Diagnostics;
using ZymAws.Engine.IO;

namespace ZymAws.Engine.Keys;

/// <summary>Where a device's private key lives.</summary>
public enum DeviceKeySourceKind
{
    /// <summary>A private key file (PKCS#8, encrypted or not; SEC1; PKCS#1).</summary>
    Software,

    /// <summary>A key slot of the Zymkey; the key never leaves it.</summary>
    Zymkey,
}

/// <summary>Opens the key in a Zymkey slot. Implemented by the Zymkey interop (the engine does not load it itself).</summary>
public interface IZymkeyKeyOpener
{
    /// <summary>The key in <paramref name="slot"/>; the caller disposes it.</summary>
    IDeviceKey OpenKey(int slot);
}

/// <summary>
/// How a command names a device key: -KeySource, -KeyPath, -Slot, a passphrase. One rule set for every command that
/// uses a device key (a CSR, the credentials-provider handshake), so they all read the same parameters the same way.
/// The passphrase array is referenced, not copied: the caller owns and clears it.
/// </summary>
public sealed class DeviceKeySpec
{
    /// <summary>"Software" or "Zymkey"; null chooses Software when <see cref="KeyPath"/> is given, else Zymkey.</summary>
    public DeviceKeySourceKind? Source { get; set; }

    /// <summary>The software key file (already resolved to a full path by the caller).</summary>
    public string? KeyPath { get; set; }

    /// <summary>The Zymkey slot; null means slot 0. Giving it with a software key is an error.</summary>
    public int? Slot { get; set; }

    /// <summary>Passphrase of the key file (to read it, or to encrypt a new one).</summary>
    public char[]? Passphrase { get; set; }

    /// <summary>When a new software key is generated: save it unencrypted (owner-only file).</summary>
    public bool NoPassphrase { get; set; }

    /// <summary>The source these parameters choose, or a <see cref="ZymException"/> naming the conflict.</summary>
    /// <exception cref="ZymException">KeyPathRequired, ParameterConflict (InvalidArgument; target = <paramref name="target"/>).</exception>
    public DeviceKeySourceKind Resolve(object? target)
    {
        var source = Source ?? (string.IsNullOrEmpty(KeyPath) ? DeviceKeySourceKind.Zymkey : DeviceKeySourceKind.Software);
        if (source == DeviceKeySourceKind.Software)
        {
            if (string.IsNullOrEmpty(KeyPath))
            {
                throw new ZymException("KeyPathRequired", ZymErrorCategory.InvalidArgument, "A software key needs -KeyPath (or use -KeySource Zymkey).", target);
            }

            if (Slot is not null)
            {
                throw new ZymException("ParameterConflict", ZymErrorCategory.InvalidArgument, "-Slot names a Zymkey slot; it does not go with a software key (-KeyPath).", target);
            }
        }
        else if (!string.IsNullOrEmpty(KeyPath))
        {
            throw new ZymException("ParameterConflict", ZymErrorCategory.InvalidArgument, "-KeyPath names a software key file; it does not go with -KeySource Zymkey.", target);
        }

        return source;
    }

    /// <summary>A secret-free description of the key these parameters name: "Software key /p/k.pem" or "Zymkey slot 0".</summary>
    public string Describe(object? target) => Resolve(target) == DeviceKeySourceKind.Zymkey
        ? $"Zymkey slot {Slot ?? 0}"
        : "Software key " + KeyPath;

    /// <summary>
    /// Opens the key. A software key file that does not exist is generated (EC P-256) and saved there when
    /// <paramref name="createIfMissing"/> is set, encrypted under the passphrase unless <see cref="NoPassphrase"/>.
    /// </summary>
    /// <exception cref="ZymException">KeyPathRequired, ParameterConflict, PassphraseRequired, the key file's own errors
    /// (FileNotFound, KeyPassphraseRequired, KeyPassphraseIncorrect, KeyMalformed, ...), the Zymkey's errors.</exception>
    public IDeviceKey Open(IZymkeyKeyOpener? zymkey, bool createIfMissing, object? target, IEngineLog? log = null)
    {
        if (Resolve(target) == DeviceKeySourceKind.Zymkey)
        {
            if (zymkey is null)
            {
                throw new ZymException("ZymkeyNotAvailable", ZymErrorCategory.NotInstalled, "No Zymkey interop is available in this process.", target);
            }

            return zymkey.OpenKey(Slot ?? 0);
        }

        string path = KeyPath!;
        if (File.Exists(path) || !createIfMissing)
        {
            return SoftwareDeviceKey.Load(path, Passphrase);
        }

        if (Passphrase is null && !NoPassphrase)
        {
            throw new ZymException(
                "PassphraseRequired",
                ZymErrorCategory.InvalidArgument,
                $"'{path}' does not exist, so a new device key would be written there: give -Passphrase to encrypt it, or -NoPassphrase.",
                target);
        }

        var key = SoftwareDeviceKey.Generate();
        try
        {
            string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
            if (!string.IsNullOrEmpty(folder))
            {
                // A folder made for the key is owner-only, whatever the umask; one that exists is the user's and left as it is.
                SecureFile.CreatePrivateDirectory(folder, restrictExisting: false);
            }

            key.Save(path, Passphrase is null ? KeyProtection.None : KeyProtection.WithPassphrase(Passphrase));
        }
        catch
        {
            key.Dispose();
            throw;
        }

        log?.Verbose($"Generated a new {key.KeyAlgorithm} device key at {path}.");
        return key;
    }
}
