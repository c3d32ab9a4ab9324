using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using ZymAws.Engine.DeviceCredentials;
using ZymAws.Engine.Keys;
using ZymAws.Zymkey;

namespace ZymAws.CredentialHelper;

/// <summary>A command line that cannot be run as written (exit code 2).</summary>
internal sealed class UsageException : Exception
{
    public UsageException(string message, string? command = null)
        : base(message)
    {
        Command = command;
    }

    /// <summary>The command whose help to point at, or null for the general help.</summary>
    public string? Command { get; }
}

/// <summary>
/// The command line: a command, then options (<c>--name value</c>, <c>--name=value</c> or a flag). Every device option
/// maps onto the engine's <see cref="DeviceCredentialOptions"/>; the flags are the ones
/// <see cref="CredentialProcessCommand.Native"/> writes into a profile, so a profile written by Install-ZymCredentialProcess
/// always parses here.
/// </summary>
internal sealed class HelperArguments
{
    public const string CredentialProcess = "credential-process";
    public const string Serve = "serve";
    public const string Update = "update";
    public const string Inspect = "inspect";

    public static readonly string[] Commands = { CredentialProcess, Serve, Update, Inspect };

    private static readonly string[] s_all = Commands;

    /// <summary>name → (takes a value, the commands that accept it).</summary>
    private static readonly Dictionary<string, (bool Value, string[] Commands)> s_options = new(StringComparer.Ordinal)
    {
        // What the device asks with (DeviceCredentialOptions); every command.
        ["--certificate"] = (true, s_all),
        ["--key"] = (true, s_all),
        ["--zymkey-slot"] = (true, s_all),
        ["--thing-name"] = (true, s_all),
        ["--no-thing-name"] = (false, s_all),
        ["--role-alias"] = (true, s_all),
        ["--endpoint"] = (true, s_all),
        ["--region"] = (true, s_all),
        ["--connect-address"] = (true, s_all),
        ["--server-ca"] = (true, s_all),
        ["--cache-dir"] = (true, s_all),
        ["--library-path"] = (true, s_all),
        ["--verbose"] = (false, s_all),

        ["--refresh"] = (false, new[] { CredentialProcess }),
        ["--port"] = (true, new[] { Serve }),
        ["--role-name"] = (true, new[] { Serve }),
        ["--env-file"] = (true, new[] { Serve }),
        ["--no-imds"] = (false, new[] { Serve }),
        ["--profile"] = (true, new[] { Update }),
        ["--credentials-file"] = (true, new[] { Update }),
        ["--once"] = (false, new[] { Update }),
        ["--json"] = (false, new[] { Inspect }),
        ["--check-key"] = (false, new[] { Inspect }),
    };

    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);

    private HelperArguments(string? command)
    {
        Command = command;
    }

    /// <summary>The command, or null with --help / --version alone.</summary>
    public string? Command { get; }

    public bool Help { get; private set; }

    public bool Version { get; private set; }

    public bool Verbose => Has("--verbose");

    /// <exception cref="UsageException">An unknown command or option, a missing or malformed value.</exception>
    public static HelperArguments Parse(IReadOnlyList<string> args)
    {
        int i = 0;
        string? command = null;
        if (args.Count > 0 && !args[0].StartsWith("-", StringComparison.Ordinal))
        {
            command = args[0] == "help" ? null : args[0];
            if (command is not null && !Commands.Contains(command))
            {
                throw new UsageException($"'{command}' is not a command (commands: {string.Join(", ", Commands)}).");
            }

            i = 1;
            if (args[0] == "help")
            {
                var help = new HelperArguments(args.Count > 1 && Commands.Contains(args[1]) ? args[1] : null) { Help = true };
                return help;
            }
        }

        var parsed = new HelperArguments(command);
        for (; i < args.Count; i++)
        {
            string arg = args[i];
            if (arg is "--help" or "-h")
            {
                parsed.Help = true;
                continue;
            }

            if (arg == "--version")
            {
                parsed.Version = true;
                continue;
            }

            if (arg == "-v")
            {
                arg = "--verbose";
            }

            string name = arg;
            string? inline = null;
            int equals = arg.IndexOf('=');
            if (arg.StartsWith("--", StringComparison.Ordinal) && equals > 2)
            {
                name = arg.Substring(0, equals);
                inline = arg.Substring(equals + 1);
            }

            if (!s_options.TryGetValue(name, out var spec))
            {
                throw new UsageException(arg.StartsWith("-", StringComparison.Ordinal) ? $"Unknown option '{name}'." : $"Unexpected argument '{arg}'.", command);
            }

            if (command is null)
            {
                throw new UsageException($"'{name}' needs a command first (commands: {string.Join(", ", Commands)}).");
            }

            if (!spec.Commands.Contains(command))
            {
                throw new UsageException($"'{name}' does not go with '{command}' (it goes with {string.Join(", ", spec.Commands)}).", command);
            }

            if (!spec.Value)
            {
                if (inline is not null)
                {
                    throw new UsageException($"'{name}' takes no value.", command);
                }

                parsed._flags.Add(name);
                continue;
            }

            string? value = inline;
            if (value is null)
            {
                if (i + 1 >= args.Count)
                {
                    throw new UsageException($"'{name}' needs a value.", command);
                }

                value = args[++i];
            }

            if (parsed._values.ContainsKey(name))
            {
                throw new UsageException($"'{name}' is given twice.", command);
            }

            parsed._values[name] = value;
        }

        if (command is null && !parsed.Help && !parsed.Version)
        {
            throw new UsageException($"Name a command: {string.Join(", ", Commands)}.");
        }

        if (parsed.Get("--key") is not null && parsed.Get("--zymkey-slot") is not null)
        {
            throw new UsageException("'--key' names a key file and '--zymkey-slot' a Zymkey slot: give one of them.", command);
        }

        if (parsed.Has("--no-thing-name") && parsed.Get("--thing-name") is not null)
        {
            throw new UsageException("'--thing-name' and '--no-thing-name' contradict each other.", command);
        }

        return parsed;
    }

    public string? Get(string name) => _values.TryGetValue(name, out var value) && value.Length > 0 ? value : null;

    public bool Has(string name) => _flags.Contains(name);

    /// <summary>A whole number option within a range, or <paramref name="fallback"/> when not given.</summary>
    public int Int(string name, int fallback, int min, int max)
    {
        string? text = Get(name);
        if (text is null)
        {
            return fallback;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) && value >= min && value <= max
            ? value
            : throw new UsageException($"'{name}' takes a whole number from {min} to {max}; got '{text}'.", Command);
    }

    /// <summary>
    /// The engine's options: every value given, the rest defaulting from the device certificate as the seed does. The
    /// disk cache is on by default (a helper process lives for one answer; the cache is what makes the next one free).
    /// </summary>
    public DeviceCredentialOptions ToDeviceOptions() => new()
    {
        CertificatePath = FullPath("--certificate") ?? DeviceCredentialOptions.DefaultCertificatePath,
        Key = new DeviceKeySpec
        {
            KeyPath = FullPath("--key"),
            Slot = Get("--zymkey-slot") is null ? null : Int("--zymkey-slot", 0, 0, 1023),
        },
        ThingName = Get("--thing-name"),
        NoThingName = Has("--no-thing-name"),
        RoleAlias = Get("--role-alias"),
        CredentialEndpoint = Get("--endpoint"),
        Region = Get("--region"),
        ConnectAddress = Get("--connect-address"),
        ServerCaCertificatePath = FullPath("--server-ca"),
        CacheDirectory = FullPath("--cache-dir") ?? DeviceCredentialCache.DefaultDirectory,
        Refresh = Has("--refresh"),
    };

    /// <summary>Where libzk_app_utils is found: --library-path, else $ZYMKEY_LIBRARY_PATH, /usr/lib, /usr/local/lib.</summary>
    public ZymkeyOptions ToZymkeyOptions() => Get("--library-path") is { } path
        ? ZymkeyOptions.Default with { LibraryPath = Path.GetFullPath(path) }
        : ZymkeyOptions.Default;

    public string? FullPath(string name) => Get(name) is { } path ? Path.GetFullPath(path) : null;
}
