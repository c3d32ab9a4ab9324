using System;
using System.Net.Http;
using Amazon.Runtime;
using ZymAws.Engine.Aws.Internal;
using ZymAws.Engine.Diagnostics;

namespace ZymAws.Engine.Aws;

/// <summary>
/// One resolved connection to AWS for one cmdlet invocation: credentials and region resolved with the AWS.Tools
/// precedence, one shared HttpClient, one set of per-operation rate limiters shared by every concurrent caller,
/// and the typed IoT, IAM and STS clients. Dispose it when the invocation ends.
/// </summary>
public sealed class AwsSession : IDisposable
{
    private readonly HttpClient _http;
    private readonly HttpMessageHandler? _ownedHandler;
    private readonly StsClient _sts;
    private readonly AwsRequestPipeline _pipeline;
    private bool _disposed;

    private AwsSession(AwsResolvedConnection connection, EndpointUrls endpoints, AwsClientSettings settings, IEngineLog log)
    {
        Region = connection.Region;
        RegionSource = connection.RegionSource;
        CredentialSource = connection.CredentialSource;
        Credentials = connection.Credentials;
        EndpointUrl = endpoints.Iot;
        if (settings.SharedHandler is not null)
        {
            _http = new HttpClient(settings.SharedHandler, disposeHandler: false);
        }
        else
        {
            _ownedHandler = new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false };
            _http = new HttpClient(_ownedHandler, disposeHandler: true);
        }

        // Timeouts are per attempt (AwsClientSettings.AttemptTimeout), enforced with cancellation.
        _http.Timeout = System.Threading.Timeout.InfiniteTimeSpan;
        var pipeline = _pipeline = new AwsRequestPipeline(connection.Credentials, settings, log, _http);
        Iot = new IotClient(pipeline, AwsServiceEndpoint.ForIot(Region, endpoints.Iot));
        Iam = new IamClient(pipeline, AwsServiceEndpoint.ForIam(Region, endpoints.Iam));
        _sts = new StsClient(pipeline, connection.Credentials, Region, endpoints.Sts, _http, settings.AttemptTimeout);
    }

    /// <summary>The region in use, e.g. "us-west-2".</summary>
    public string Region { get; }

    /// <summary>Where the region came from, e.g. "-Region parameter", "profile 'dev'".</summary>
    public string RegionSource { get; }

    /// <summary>Where the credentials came from, e.g. "profile 'dev' ('/home/me/.aws/credentials' ...)"; never a secret.</summary>
    public string CredentialSource { get; }

    /// <summary>The IoT endpoint override in use (-EndpointUrl, AWS_ENDPOINT_URL_IOT or AWS_ENDPOINT_URL), if any.</summary>
    public string? EndpointUrl { get; }

    /// <summary>AWS operations called through this session so far (each once, whatever its retries): for benchmarks and "calls per device".</summary>
    public long CallCount => _pipeline.CallCount;

    /// <summary>
    /// Each operation's client-side rate limit as it stands (the operations called so far): where an adaptive limit
    /// settled, how many attempts AWS throttled. Empty with rate limiting off.
    /// </summary>
    public System.Collections.Generic.IReadOnlyList<AwsRateLimitState> RateLimitStates() => _pipeline.RateLimitStates();

    /// <summary>AWS IoT control plane.</summary>
    public IotClient Iot { get; }

    /// <summary>IAM.</summary>
    public IamClient Iam { get; }

    /// <summary>STS.</summary>
    public StsClient Sts => _sts;

    /// <summary>The resolved credentials (for engine components that sign their own requests). Never log them.</summary>
    internal AWSCredentials Credentials { get; }

    /// <summary>
    /// Resolves credentials and region and builds the clients. Throws <see cref="ZymException"/> (AwsCredentialsNotFound,
    /// AwsRegionNotFound, AwsProfileNotFound, AwsProfileInvalid, AwsCredentialIncomplete, AwsCredentialTypeUnsupported,
    /// AwsEndpointUrlInvalid, AwsSettingInvalid) with what was tried. No network call is made except, as a last
    /// resort for the region, instance metadata (bounded to a few seconds).
    /// </summary>
    public static AwsSession Create(AwsConnectionOptions options, AwsClientSettings settings, IEngineLog log)
    {
        if (options is null)
        {
            throw new ArgumentNullException(nameof(options));
        }

        settings ??= new AwsClientSettings();
        log ??= NullEngineLog.Instance;
        settings.Validate();
        var endpoints = EndpointUrls.From(options);
        var connection = new AwsCredentialResolver(options).Resolve();
        log.Verbose($"AWS credentials from {connection.CredentialSource}; region {connection.Region} from {connection.RegionSource}" +
            (endpoints.Describe() is { } overridden ? $"; endpoint override {overridden}." : "."));
        return new AwsSession(connection, endpoints, settings, log);
    }

    /// <summary>Releases the HttpClient (and the handler if the session created it).</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _sts.Dispose();
        _http.Dispose();
        _ownedHandler?.Dispose();
    }

    /// <summary>A secret-free summary.</summary>
    public override string ToString() => $"AwsSession(Region={Region}, Credentials from {CredentialSource})";

    /// <summary>
    /// Endpoint overrides per service: -EndpointUrl for all three; else the standard variables the AWS CLI v2 and the SDKs
    /// honour, AWS_ENDPOINT_URL_IOT / _IAM / _STS, then AWS_ENDPOINT_URL (ignored when AWS_IGNORE_CONFIGURED_ENDPOINT_URLS
    /// is true). A rehearsal against an emulator then needs no parameter.
    /// </summary>
    private sealed class EndpointUrls
    {
        public string? Iot { get; private set; }

        public string? Iam { get; private set; }

        public string? Sts { get; private set; }

        public static EndpointUrls From(AwsConnectionOptions options)
        {
            string? given = Clean(options.EndpointUrl);
            string? Env(string name) => Clean(options.GetEnvironmentVariable(name));
            bool ignore = string.Equals(Env("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"), "true", StringComparison.OrdinalIgnoreCase);
            string? all = given ?? (ignore ? null : Env("AWS_ENDPOINT_URL"));
            var urls = new EndpointUrls
            {
                Iot = given ?? (ignore ? null : Env("AWS_ENDPOINT_URL_IOT")) ?? all,
                Iam = given ?? (ignore ? null : Env("AWS_ENDPOINT_URL_IAM")) ?? all,
                Sts = given ?? (ignore ? null : Env("AWS_ENDPOINT_URL_STS")) ?? all,
            };
            foreach (string? url in new[] { urls.Iot, urls.Iam, urls.Sts })
            {
                if (url is not null)
                {
                    AwsServiceEndpoint.ParseEndpointUrl(url);
                }
            }

            return urls;
        }

        public string? Describe() => Iot is null && Iam is null && Sts is null ? null
            : Iot == Iam && Iam == Sts ? Iot
            : $"iot {Iot ?? "(AWS)"}, iam {Iam ?? "(AWS)"}, sts {Sts ?? "(AWS)"}";

        private static string? Clean(string? value) => string.IsNullOrWhiteSpace(value) ? null : value!.Trim();
    }
}
