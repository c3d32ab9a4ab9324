using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ZymAws.Engine.Aws;
using ZymAws.Engine.Diagnostics;
using ZymAws.Engine.Keys;
using ZymAws.Engine.Pki;

namespace ZymAws.Engine.DeviceCredentials;

/// <summary>
/// What a device asks for credentials with. Every value defaults as the seed's credentials.sh does — the certificate
/// at <see cref="DefaultCertificatePath"/>, and the thing name (CN), role alias (OU), endpoint prefix (O) and region (L)
/// from its subject — and every one can be given instead.
/// </summary>
public sealed class DeviceCredentialOptions
{
    /// <summary>The device's folder: $ZYMAWS_DEVICE_DIRECTORY, else /opt/zymbit (where the seed keeps device.crt).</summary>
    public static string DeviceDirectory => Environment.GetEnvironmentVariable("ZYMAWS_DEVICE_DIRECTORY") is { Length: > 0 } folder ? folder : "/opt/zymbit";

    /// <summary>Where the seed (and Install-ZymDeviceCertificate) keeps the device certificate: &lt;device folder&gt;/device.crt.</summary>
    public static string DefaultCertificatePath => System.IO.Path.Combine(DeviceDirectory, "device.crt");

    /// <summary>
    /// Where Install-ZymDeviceCertificate puts the server's trust anchor: &lt;device folder&gt;/credentials-provider-ca.pem.
    /// Used when it exists and no other is given; otherwise the system trust store.
    /// </summary>
    public static string DefaultServerCaPath => System.IO.Path.Combine(DeviceDirectory, "credentials-provider-ca.pem");

    /// <summary>The device certificate (PEM or DER; further certificates in the file are sent as the chain).</summary>
    public string CertificatePath { get; set; } = DefaultCertificatePath;

    /// <summary>The device key: the Zymkey (slot 0) unless a key file is named.</summary>
    public DeviceKeySpec Key { get; set; } = new();

    /// <summary>The thing name header; default the certificate's CN.</summary>
    public string? ThingName { get; set; }

    /// <summary>Send no thing name header at all.</summary>
    public bool NoThingName { get; set; }

    /// <summary>The role alias; default the certificate's OU.</summary>
    public string? RoleAlias { get; set; }

    /// <summary>The endpoint: a prefix, a host, or a URL with a port; default the certificate's O= (prefix) with its L= (region).</summary>
    public string? CredentialEndpoint { get; set; }

    /// <summary>The region; default the certificate's L=, or the endpoint host's.</summary>
    public string? Region { get; set; }

    /// <summary>"host:port" to connect to instead of the endpoint host (a local endpoint, a proxy); SNI stays the endpoint host.</summary>
    public string? ConnectAddress { get; set; }

    /// <summary>Trust anchors for the server (PEM file); default <see cref="DefaultServerCaPath"/> when it exists, else the system trust store.</summary>
    public string? ServerCaCertificatePath { get; set; }

    /// <summary>A folder for the shared on-disk cache (owner-only), or null for the process's memory only.</summary>
    public string? CacheDirectory { get; set; }

    /// <summary>Ignore (and replace) cached credentials.</summary>
    public bool Refresh { get; set; }

    /// <summary>Retries and timeouts.</summary>
    public CredentialProviderClientSettings Client { get; set; } = new();
}

/// <summary>What a device would ask with: every value, resolved. No secret, no key opened, nothing fetched.</summary>
public sealed class DeviceCredentialPlan
{
    private string? _cacheKey;

    internal DeviceCredentialPlan(IReadOnlyList<CertificateFacts> chain, string keySource)
    {
        Chain = chain;
        KeySource = keySource;
    }

    /// <summary>The device certificate and any further certificates of its file (sent as the chain).</summary>
    public IReadOnlyList<CertificateFacts> Chain { get; }

    public CertificateFacts Certificate => Chain[0];

    /// <summary>"Zymkey slot 0" or "Software key /path".</summary>
    public string KeySource { get; }

    public string EndpointHost { get; internal set; } = string.Empty;

    public int Port { get; internal set; } = 443;

    public string RoleAlias { get; internal set; } = string.Empty;

    /// <summary>The thing name header, or null for none.</summary>
    public string? ThingName { get; internal set; }

    public string? Region { get; internal set; }

    public string? ConnectHost { get; internal set; }

    public int? ConnectPort { get; internal set; }

    public ServerTrust ServerTrust { get; internal set; } = ServerTrust.System;

    public string? CacheDirectory { get; internal set; }

    public string CacheKey => _cacheKey ??= DeviceCredentialCache.KeyFor(Certificate.GetDer(), KeySource, EndpointHost, Port, ConnectHost, ConnectPort, RoleAlias, ThingName);

    /// <summary>The URL asked: https://host[:port]/role-aliases/alias/credentials.</summary>
    public string Url => $"https://{EndpointHost}{(Port == 443 ? string.Empty : ":" + Port.ToString(CultureInfo.InvariantCulture))}/role-aliases/{Uri.EscapeDataString(RoleAlias)}/credentials";

    /// <summary>The request, signed by <paramref name="key"/>.</summary>
    public DeviceCredentialRequest CreateRequest(IDeviceKey key) => new(Chain.Select(c => c.GetDer()).ToList(), key, EndpointHost, RoleAlias)
    {
        Port = Port,
        ThingName = ThingName,
        ConnectHost = ConnectHost,
        ConnectPort = ConnectPort,
        ServerTrust = ServerTrust,
        Region = Region,
    };
}

/// <summary>
/// The device side in one call: the options resolved against the certificate (<see cref="Plan"/>), the key opened, the
/// cache consulted, the credentials provider asked (<see cref="CredentialProviderClient"/>). Used by Get-ZymAwsCredential
/// and by the native zymaws-credential helper alike.
/// </summary>
public static class DeviceCredentialProvider
{
    /// <summary>Resolves every value; reads the certificate file but opens no key and makes no request.</summary>
    /// <exception cref="ZymException">FileNotFound, CertificateMalformed, CredentialSettingMissing, CredentialEndpointInvalid,
    /// ConnectAddressInvalid, ServerTrustInvalid, KeyPathRequired, ParameterConflict.</exception>
    public static DeviceCredentialPlan Plan(DeviceCredentialOptions options)
    {
        if (options is null)
        {
            throw new ArgumentNullException(nameof(options));
        }

        var chain = CertificateFacts.LoadAll(options.CertificatePath);
        var certificate = chain[0];
        var subject = certificate.DeviceSubject;
        string source = certificate.Source ?? options.CertificatePath;

        string? thing = options.NoThingName ? null : Given(options.ThingName) ?? (subject.ThingName.Length > 0 ? subject.ThingName : null);
        if (thing is not null)
        {
            DeviceSubject.ValidateThingName(thing);
        }

        string alias = Given(options.RoleAlias) ?? subject.RoleAlias
            ?? throw Missing(source, "role alias", "OU=", "-RoleAlias");
        string? region = Given(options.Region);
        var endpoint = CredentialEndpointName.ForDevice(options.CredentialEndpoint, region, subject.CredentialEndpoint, subject.Region)
            ?? throw Missing(source, "credentials-provider endpoint prefix", "O=", "-CredentialEndpoint");
        var (connectHost, connectPort) = ParseConnectAddress(options.ConnectAddress);
        return new DeviceCredentialPlan(chain, options.Key.Describe(thing ?? subject.ThingName))
        {
            EndpointHost = endpoint.Host ?? throw Missing(source, "region", "L=", "-Region"),
            Port = endpoint.Port ?? 443,
            RoleAlias = alias,
            ThingName = thing,
            Region = region ?? endpoint.Region ?? subject.Region,
            ConnectHost = connectHost,
            ConnectPort = connectPort,
            ServerTrust = !string.IsNullOrEmpty(options.ServerCaCertificatePath) ? ServerTrust.FromFile(options.ServerCaCertificatePath!)
                : System.IO.File.Exists(DeviceCredentialOptions.DefaultServerCaPath) ? ServerTrust.FromFile(DeviceCredentialOptions.DefaultServerCaPath)
                : ServerTrust.System,
            CacheDirectory = options.CacheDirectory,
        };
    }

    /// <summary>
    /// Credentials: cached when fresh, else fetched (the key opened only then) and cached. The plan of the same options is
    /// reused while the certificate and trust-anchor files are unchanged, so a cached answer costs two stat calls and a
    /// lookup, not a certificate parse.
    /// </summary>
    public static async Task<TemporaryCredentials> GetAsync(DeviceCredentialOptions options, IZymkeyKeyOpener? zymkey, IEngineLog? log = null, CancellationToken cancellationToken = default)
    {
        log ??= NullEngineLog.Instance;
        var plan = CachedPlan(options);
        var cache = new DeviceCredentialCache(options.CacheDirectory);
        var credentials = await cache.GetOrFetchAsync(plan.CacheKey, async token =>
        {
            log.Verbose($"Asking {plan.Url}{(plan.ConnectHost is null ? string.Empty : $" via {plan.ConnectHost}:{plan.ConnectPort ?? plan.Port}")} " +
                $"as {plan.Certificate.Subject} ({plan.KeySource}), thing header {plan.ThingName ?? "(none)"}, server trusted by {plan.ServerTrust.Description}.");
            using var key = options.Key.Open(zymkey, createIfMissing: false, plan.ThingName ?? plan.RoleAlias, log);
            return await CredentialProviderClient.FetchAsync(plan.CreateRequest(key), options.Client, log, token).ConfigureAwait(false);
        }, options.Refresh, cancellationToken).ConfigureAwait(false);
        if (credentials.FromCache)
        {
            log.Verbose($"Credentials {credentials.AccessKeyId} from the cache{(options.CacheDirectory is null ? string.Empty : " (" + options.CacheDirectory + ")")}, until {credentials.Expiration.UtcDateTime:u}.");
        }

        return credentials;
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, (string Stamp, DeviceCredentialPlan Plan)> s_plans = new(StringComparer.Ordinal);

    private static DeviceCredentialPlan CachedPlan(DeviceCredentialOptions options)
    {
        string? anchors = Given(options.ServerCaCertificatePath) ?? DeviceCredentialOptions.DefaultServerCaPath;
        string signature = string.Join("\u0001", options.CertificatePath, options.Key.Source?.ToString(), options.Key.KeyPath, options.Key.Slot?.ToString(CultureInfo.InvariantCulture), options.ThingName, options.NoThingName ? "1" : "0",
            options.RoleAlias, options.CredentialEndpoint, options.Region, options.ConnectAddress, options.ServerCaCertificatePath, anchors, options.CacheDirectory);
        string stamp = Stamp(options.CertificatePath) + "|" + Stamp(anchors);
        if (s_plans.TryGetValue(signature, out var known) && known.Stamp == stamp)
        {
            return known.Plan;
        }

        var plan = Plan(options);
        s_plans[signature] = (stamp, plan);
        return plan;
    }

    private static string Stamp(string path)
    {
        var file = new System.IO.FileInfo(path);
        return file.Exists ? file.Length.ToString(CultureInfo.InvariantCulture) + "@" + file.LastWriteTimeUtc.Ticks.ToString(CultureInfo.InvariantCulture) : "-";
    }

    /// <summary>
    /// Opens the device key the options name and checks that it is the certificate's (what a credential process will
    /// need, checked before it is installed): a missing Zymkey, an encrypted key file without its passphrase, or another
    /// key is an error now rather than at every later AWS CLI call.
    /// </summary>
    /// <exception cref="ZymException">CredentialKeyMismatch, the key's own errors (KeyPassphraseRequired, ZymkeyLibraryNotFound, ...).</exception>
    public static void CheckKey(DeviceCredentialOptions options, IZymkeyKeyOpener? zymkey, IEngineLog? log = null)
    {
        var plan = Plan(options);
        using var key = options.Key.Open(zymkey, createIfMissing: false, plan.ThingName ?? plan.RoleAlias, log);
        CredentialProviderClient.CheckKeyMatchesCertificate(plan.CreateRequest(key));
    }

    /// <summary>"host:port" (IPv6 in brackets) or null.</summary>
    /// <exception cref="ZymException">ConnectAddressInvalid.</exception>
    public static (string? Host, int? Port) ParseConnectAddress(string? address)
    {
        if (string.IsNullOrWhiteSpace(address))
        {
            return (null, null);
        }

        string text = address!.Trim();
        string host = text;
        int? port = null;
        int colon = text.LastIndexOf(':');
        bool bracketed = text.StartsWith("[", StringComparison.Ordinal);
        if (colon == 0)
        {
            throw new ZymException("ConnectAddressInvalid", ZymErrorCategory.InvalidArgument, $"'{address}' names no host.", address);
        }

        if (colon > 0 && (!bracketed || text.IndexOf(']') < colon) && (bracketed || text.IndexOf(':') == colon))
        {
            host = text.Substring(0, colon);
            port = int.TryParse(text.Substring(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int p) && p is > 0 and < 65536
                ? p
                : throw new ZymException("ConnectAddressInvalid", ZymErrorCategory.InvalidArgument, $"'{address}' is not host:port (port 1-65535).", address);
        }

        host = host.Trim('[', ']');
        if (host.Length == 0)
        {
            throw new ZymException("ConnectAddressInvalid", ZymErrorCategory.InvalidArgument, $"'{address}' names no host.", address);
        }

        return (host, port);
    }

    private static string? Given(string? value) => string.IsNullOrWhiteSpace(value) ? null : value!.Trim();

    private static ZymException Missing(string certificate, string what, string field, string parameter) => new(
        "CredentialSettingMissing", ZymErrorCategory.InvalidArgument,
        $"The certificate {certificate} has no {field} ({what}), so it does not say which {what} to use: give {parameter}.", certificate);
}
