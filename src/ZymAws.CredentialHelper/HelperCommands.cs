using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using ZymAws.Engine;
using ZymAws.Engine.DeviceCredentials;
using ZymAws.Engine.IO;
using ZymAws.Engine.Keys;
using ZymAws.Zymkey;

namespace ZymAws.CredentialHelper;

/// <summary>
/// The four commands. Each is the engine's device side with a different output: no credentials logic lives here
/// (<see cref="DeviceCredentialProvider"/> plans, caches and fetches; <see cref="AwsSharedConfigFile"/> edits the
/// credentials file; <see cref="TemporaryCredentials"/> writes the AWS formats).
/// </summary>
internal static class HelperCommands
{
    /// <summary>credential-process: the credential_process JSON on stdout, and nothing else.</summary>
    public static async Task<int> CredentialProcessAsync(HelperArguments arguments, IZymkeyKeyOpener zymkey, StderrLog log, CancellationToken cancellationToken)
    {
        var credentials = await DeviceCredentialProvider.GetAsync(arguments.ToDeviceOptions(), zymkey, log, cancellationToken).ConfigureAwait(false);
        WriteStdout(credentials.ToCredentialProcessJson() + "\n");
        return ExitCodes.Success;
    }

    /// <summary>serve: the loopback endpoint (container credentials and IMDSv2) until SIGINT/SIGTERM.</summary>
    public static async Task<int> ServeAsync(HelperArguments arguments, IZymkeyKeyOpener zymkey, StderrLog log, CancellationToken cancellationToken)
    {
        var options = arguments.ToDeviceOptions();
        var plan = DeviceCredentialProvider.Plan(options);
        var supply = new CredentialSupply(token => DeviceCredentialProvider.GetAsync(options, zymkey, log, token), log);
        using var server = CredentialServer.Start(supply, new CredentialServerOptions
        {
            Port = arguments.Int("--port", 9911, 0, 65535),
            RoleName = arguments.Get("--role-name") ?? plan.RoleAlias,
            Region = plan.Region,
            Imds = !arguments.Has("--no-imds"),
        }, log);

        string? environmentFile = arguments.FullPath("--env-file");
        if (environmentFile is not null)
        {
            // The token is a secret: the file is owner-only, written atomically, and removed when serve stops; stdout
            // (a service's journal) then does not get it.
            SecureFile.WriteAllText(environmentFile, server.EnvironmentText, overwrite: true, ownerOnly: true);
        }
        else
        {
            WriteStdout(server.EnvironmentText);
        }
        log.Info($"serving the credentials of {plan.ThingName ?? plan.Certificate.Subject} (role alias {plan.RoleAlias}) on 127.0.0.1:{server.Port}: " +
                 $"container credentials at {server.ContainerCredentialsUri}{(arguments.Has("--no-imds") ? string.Empty : $", instance metadata (IMDSv2) at {server.MetadataEndpoint}")}.");
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var keeper = supply.KeepFreshAsync(
            credentials => log.Info($"credentials {credentials.AccessKeyId} until {Time(credentials.Expiration)}; fetched again at {Time(CredentialSupply.RefreshDue(credentials))}."),
            error => log.Warning($"could not get credentials (answering requests with this error until it clears): {ExitCodes.Describe(error)}"),
            stop.Token);
        try
        {
            await server.RunAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            stop.Cancel();
            if (environmentFile is not null)
            {
                TryDelete(environmentFile);
            }

            try
            {
                await keeper.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Stopped with the server.
            }
        }

        return ExitCodes.Success;
    }

    /// <summary>update: keeps a profile of the shared credentials file fresh (rewritten five minutes before expiry).</summary>
    public static async Task<int> UpdateAsync(HelperArguments arguments, IZymkeyKeyOpener zymkey, StderrLog log, CancellationToken cancellationToken)
    {
        string profile = arguments.Get("--profile") ?? throw new UsageException("'update' needs --profile NAME (the profile of the credentials file to keep fresh).", HelperArguments.Update);
        string file = arguments.FullPath("--credentials-file") ?? AwsSharedConfigFile.DefaultCredentialsPath;
        var options = arguments.ToDeviceOptions();
        DeviceCredentialProvider.Plan(options);
        bool once = arguments.Has("--once");

        void Write(TemporaryCredentials credentials)
        {
            // Atomic (a reader sees the old file or the new one), the rest of the file kept, under the file's lock so
            // several writers lose nothing.
            AwsSharedConfigFile.SetProfile(file, profile, new KeyValuePair<string, string?>[]
            {
                new("aws_access_key_id", credentials.AccessKeyId),
                new("aws_secret_access_key", credentials.SecretAccessKey),
                new("aws_session_token", credentials.SessionToken),
            }, credentialsFile: true);
            log.Info($"profile [{profile}] in {file}: credentials {credentials.AccessKeyId} until {Time(credentials.Expiration)}; " +
                     (once ? $"run again before {Time(CredentialSupply.RefreshDue(credentials))}." : $"rewritten at {Time(CredentialSupply.RefreshDue(credentials))}."));
        }

        if (once)
        {
            Write(await DeviceCredentialProvider.GetAsync(options, zymkey, log, cancellationToken).ConfigureAwait(false));
            return ExitCodes.Success;
        }

        var supply = new CredentialSupply(token => DeviceCredentialProvider.GetAsync(options, zymkey, log, token), log);
        await supply.KeepFreshAsync(Write, error => log.Warning($"could not refresh profile [{profile}] (retrying): {ExitCodes.Describe(error)}"), cancellationToken).ConfigureAwait(false);
        return ExitCodes.Success;
    }

    /// <summary>inspect: what the helper would use, and what the cache holds; no request, and no key opened unless --check-key.</summary>
    public static int Inspect(HelperArguments arguments, IZymkeyKeyOpener zymkey, StderrLog log)
    {
        var options = arguments.ToDeviceOptions();
        var plan = DeviceCredentialProvider.Plan(options);
        var certificate = plan.Certificate;
        var cache = new DeviceCredentialCache(options.CacheDirectory);
        var cached = cache.Peek(plan.CacheKey);
        var now = DateTimeOffset.UtcNow;
        string cacheState = cached is null ? "empty"
            : cached.IsFreshFor(DeviceCredentialCache.RefreshMargin, now) ? "fresh"
            : cached.Expiration > now ? "refresh due"
            : "expired";
        string? keyCheck = null;
        if (arguments.Has("--check-key"))
        {
            DeviceCredentialProvider.CheckKey(options, zymkey, log);
            keyCheck = "matches the certificate";
        }

        var zymkeyOptions = arguments.ToZymkeyOptions();
        bool zymkeyKey = options.Key.Resolve(null) == DeviceKeySourceKind.Zymkey;
        string library = zymkeyOptions.EffectiveLibraryPath ?? "searched in /usr/lib, /usr/local/lib, then the system loader";
        var rows = new List<(string Name, string? Value, string? Source)>
        {
            ("certificate", options.CertificatePath, null),
            ("subject", certificate.Subject, null),
            ("certificate id", certificate.CertificateId, null),
            ("valid", $"{Time(certificate.NotBefore)} to {Time(certificate.NotAfter)}", null),
            ("issuer", certificate.Issuer, null),
            ("thing name", plan.ThingName ?? "(no x-amzn-iot-thingname header)", options.NoThingName ? "--no-thing-name" : Source(options.ThingName, "certificate CN")),
            ("role alias", plan.RoleAlias, Source(options.RoleAlias, "certificate OU")),
            ("endpoint", plan.EndpointHost + (plan.Port == 443 ? string.Empty : ":" + plan.Port.ToString(CultureInfo.InvariantCulture)), Source(options.CredentialEndpoint, "certificate O= and L=")),
            ("url", plan.Url, null),
            ("region", plan.Region, Source(options.Region, "certificate L= or the endpoint")),
            ("connect to", plan.ConnectHost is null ? "the endpoint host" : $"{plan.ConnectHost}:{(plan.ConnectPort ?? plan.Port).ToString(CultureInfo.InvariantCulture)} (TLS name stays the endpoint host)", null),
            ("server trust", plan.ServerTrust.Description, null),
            ("key", plan.KeySource, zymkeyKey ? "library " + library : null),
            ("key check", keyCheck ?? "not done (--check-key opens the key and matches it to the certificate)", null),
            ("cache", cache.FilePath(plan.CacheKey), null),
            ("cache state", cached is null ? cacheState
                : $"{cacheState}: {cached.AccessKeyId} until {Time(cached.Expiration)}, fetched {Time(cached.ObtainedAt)}; refreshed from {Time(cached.Expiration - DeviceCredentialCache.RefreshMargin)}", null),
        };

        if (!arguments.Has("--json"))
        {
            var text = new StringBuilder();
            foreach (var (name, value, source) in rows)
            {
                text.Append(name.PadRight(16)).Append(value ?? "(none)").Append(source is null ? string.Empty : $"  [{source}]").Append('\n');
            }

            WriteStdout(text.ToString());
            return ExitCodes.Success;
        }

        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("certificatePath", options.CertificatePath);
            json.WriteString("subject", certificate.Subject);
            json.WriteString("certificateId", certificate.CertificateId);
            json.WriteString("notBefore", Time(certificate.NotBefore));
            json.WriteString("notAfter", Time(certificate.NotAfter));
            json.WriteString("issuer", certificate.Issuer);
            json.WriteString("thingName", plan.ThingName);
            json.WriteString("roleAlias", plan.RoleAlias);
            json.WriteString("endpointHost", plan.EndpointHost);
            json.WriteNumber("port", plan.Port);
            json.WriteString("url", plan.Url);
            json.WriteString("region", plan.Region);
            json.WriteString("connectAddress", plan.ConnectHost is null ? null : $"{plan.ConnectHost}:{(plan.ConnectPort ?? plan.Port).ToString(CultureInfo.InvariantCulture)}");
            json.WriteString("serverTrust", plan.ServerTrust.Description);
            json.WriteString("keySource", plan.KeySource);
            json.WriteString("zymkeyLibrary", zymkeyKey ? library : null);
            json.WriteString("keyCheck", keyCheck);
            json.WriteString("cacheDirectory", options.CacheDirectory);
            json.WriteString("cacheFile", cache.FilePath(plan.CacheKey));
            json.WriteString("cacheState", cacheState);
            json.WriteString("cachedAccessKeyId", cached?.AccessKeyId);
            json.WriteString("cachedExpiration", cached is null ? null : Time(cached.Expiration));
            json.WriteEndObject();
        }

        WriteStdout(Encoding.UTF8.GetString(buffer.ToArray()) + "\n");
        return ExitCodes.Success;
    }

    private static string? Source(string? given, string otherwise) => string.IsNullOrWhiteSpace(given) ? otherwise : "given";

    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    private static string Time(DateTime time) => Time(new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc)));

    /// <summary>Writes straight to fd 1 as UTF-8 (no console encoding set-up), flushed.</summary>
    private static void WriteStdout(string text)
    {
        using var stdout = Console.OpenStandardOutput();
        var bytes = Encoding.UTF8.GetBytes(text);
        stdout.Write(bytes, 0, bytes.Length);
        stdout.Flush();
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: the token in it is useless once serve has stopped.
        }
    }
}
