using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace ZymAws.Engine.DeviceCredentials;

/// <summary>
/// The credential_process command line of a device profile, quoted for the AWS CLI and SDKs (which split it as a POSIX
/// shell would): the native zymaws-credential helper's flags, or the module's script run by pwsh with the cmdlet's
/// parameters. Only values that were given are written; the rest default from the certificate at run time.
/// </summary>
public static class CredentialProcessCommand
{
    public static string Native(string helper, DeviceCredentialOptions o, string? libraryPath)
    {
        var args = new List<string> { helper, "credential-process", "--certificate", o.CertificatePath };
        Add(args, "--key", o.Key.KeyPath);
        Add(args, "--zymkey-slot", o.Key.Slot?.ToString(CultureInfo.InvariantCulture));
        Add(args, "--thing-name", o.ThingName);
        if (o.NoThingName)
        {
            args.Add("--no-thing-name");
        }

        Add(args, "--role-alias", o.RoleAlias);
        Add(args, "--endpoint", o.CredentialEndpoint);
        Add(args, "--region", o.Region);
        Add(args, "--connect-address", o.ConnectAddress);
        Add(args, "--server-ca", o.ServerCaCertificatePath);
        Add(args, "--cache-dir", o.CacheDirectory);
        Add(args, "--library-path", libraryPath);
        return Join(args);
    }

    public static string Pwsh(string[] pwsh, string script, DeviceCredentialOptions o, string? libraryPath)
    {
        var args = new List<string>(pwsh) { "-NoProfile", "-NonInteractive", "-File", script, "-CertificatePath", o.CertificatePath };
        Add(args, "-KeyPath", o.Key.KeyPath);
        Add(args, "-Slot", o.Key.Slot?.ToString(CultureInfo.InvariantCulture));
        Add(args, "-ThingName", o.ThingName);
        if (o.NoThingName)
        {
            args.Add("-NoThingName");
        }

        Add(args, "-RoleAlias", o.RoleAlias);
        Add(args, "-CredentialEndpoint", o.CredentialEndpoint);
        Add(args, "-Region", o.Region);
        Add(args, "-ConnectAddress", o.ConnectAddress);
        Add(args, "-ServerCaCertificate", o.ServerCaCertificatePath);
        Add(args, "-CacheDirectory", o.CacheDirectory);
        Add(args, "-LibraryPath", libraryPath);
        return Join(args);
    }

    private static void Add(List<string> args, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            args.Add(name);
            args.Add(value!);
        }
    }

    /// <summary>Single-quotes what needs it: the AWS CLI splits credential_process as a POSIX shell would (shlex).</summary>
    private static string Join(IEnumerable<string> args) => string.Join(" ", args.Select(a =>
        a.Length > 0 && a.All(c => char.IsLetterOrDigit(c) || "-_./:=@,+%".IndexOf(c) >= 0) ? a : "'" + a.Replace("'", "'\\''") + "'"));
}
