using System;
using System.Text.RegularExpressions;
using ZymAws.Engine;
using ZymAws.Engine.DeviceCredentials;

namespace ZymAws.CredentialHelper;

/// <summary>The exit codes, one meaning each (docs/zymaws-credential.md lists them).</summary>
internal static class ExitCodes
{
    /// <summary>Done.</summary>
    public const int Success = 0;

    /// <summary>The credentials provider did not give credentials: it refused the device (its status and message are printed), or answered something unusable.</summary>
    public const int Refused = 1;

    /// <summary>The command line is wrong.</summary>
    public const int Usage = 2;

    /// <summary>The device's setup: certificate, key, Zymkey, trust anchor, a value the certificate does not carry, a file that cannot be written.</summary>
    public const int Configuration = 3;

    /// <summary>Try again later: the endpoint could not be reached or was busy (429/5xx) after retries, or the cache lock was held too long.</summary>
    public const int Unavailable = 4;

    /// <summary>A fault in the helper itself.</summary>
    public const int Internal = 5;

    /// <summary>The error id of a fault in the helper reported as a <see cref="ZymException"/> (serve answers it, update retries it).</summary>
    public const string FaultErrorId = "CredentialHelperFault";

    public static int For(Exception e) => e switch
    {
        ZymException { ErrorId: FaultErrorId } => Internal,
        CredentialProviderException { ErrorId: "CredentialEndpointUnreachable" or "CredentialProviderUnavailable" } => Unavailable,
        CredentialProviderException { ErrorId: "CredentialServerUntrusted" } => Configuration,
        CredentialProviderException => Refused,
        ZymException { ErrorId: "CredentialCacheBusy" } => Unavailable,
        ZymException => Configuration,
        _ => Internal,
    };

    /// <summary>The one line a failure is reported with: the error id, then the engine's message in the helper's words.</summary>
    public static string Describe(Exception e) => e is ZymException z
        ? $"{z.ErrorId}: {InCommandLineTerms(z.Message)}"
        : $"{e.GetType().Name}: {e.Message}";

    /// <summary>
    /// The engine names the module's parameters in its messages (-RoleAlias, -KeyPath, ...); here they are the helper's
    /// options.
    /// </summary>
    internal static string InCommandLineTerms(string message) => s_parameter.Replace(message, m => m.Groups[1].Value switch
    {
        "CertificatePath" => "--certificate",
        "KeyPath" => "--key",
        "Slot" => "--zymkey-slot",
        "ThingName" => "--thing-name",
        "NoThingName" => "--no-thing-name",
        "RoleAlias" => "--role-alias",
        "CredentialEndpoint" => "--endpoint",
        "Region" => "--region",
        "ConnectAddress" => "--connect-address",
        "ServerCaCertificate" => "--server-ca",
        "CacheDirectory" => "--cache-dir",
        "LibraryPath" => "--library-path",
        _ => m.Value,
    });

    private static readonly Regex s_parameter = new(@"(?<![\w-])-(CertificatePath|KeyPath|Slot|ThingName|NoThingName|RoleAlias|CredentialEndpoint|Region|ConnectAddress|ServerCaCertificate|CacheDirectory|LibraryPath)\b", RegexOptions.CultureInvariant);
}
