using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ZymAws.QuotaProxy;

/// <summary>
/// The proxy: every request is named (<see cref="OperationRouter"/>), takes a token from its operation's bucket or is
/// answered as AWS answers an over-quota call — IoT: HTTP 400, <c>x-amzn-ErrorType: ThrottlingException</c>, JSON
/// <c>{"message":"Rate exceeded"}</c>; IAM and STS: HTTP 400 with the Query protocol's XML <c>Throttling</c> error — and
/// otherwise forwarded to the upstream unchanged (method, path, headers, body; the answer likewise). Counters per
/// operation: <c>GET /_quota/stats</c> (JSON), <c>POST /_quota/reset</c>. moto's own <c>/moto-api</c> is never limited.
/// </summary>
public sealed class QuotaProxyServer : IAsyncDisposable
{
    private static readonly HashSet<string> s_hopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Proxy-Connection", "Transfer-Encoding", "Upgrade", "TE", "Trailer", "Host", "Content-Length",
    };

    private readonly QuotaProxyOptions _options;
    private readonly OperationRouter _router;
    private readonly ConcurrentDictionary<string, TokenBucket> _buckets = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, OperationCounters> _counters = new(StringComparer.OrdinalIgnoreCase);
    private readonly HttpClient _upstream;
    private WebApplication? _app;

    private QuotaProxyServer(QuotaProxyOptions options, OperationRouter router)
    {
        _options = options;
        _router = router;
        _upstream = new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            UseProxy = false,
            AutomaticDecompression = System.Net.DecompressionMethods.None,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
        })
        {
            Timeout = TimeSpan.FromSeconds(120),
        };
    }

    /// <summary>e.g. "http://127.0.0.1:41234".</summary>
    public string Url { get; private set; } = string.Empty;

    public QuotaProxyOptions Options => _options;

    /// <summary>Starts listening; returns once the port is bound.</summary>
    public static async Task<QuotaProxyServer> StartAsync(QuotaProxyOptions options, CancellationToken cancellationToken = default)
    {
        var router = OperationRouter.FromBotocoreModel(options.IotModelPath ?? OperationRouter.FindBotocoreIotModel());
        var server = new QuotaProxyServer(options, router);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = 16 * 1024 * 1024;
            k.AddServerHeader = false;
        });
        builder.WebHost.UseUrls($"http://{options.Host}:{options.Port}");
        var app = builder.Build();
        app.Run(server.HandleAsync);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        server._app = app;
        var address = app.Services.GetService(typeof(IServer)) is IServer s ? s.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() : null;
        server.Url = (address ?? $"http://{options.Host}:{options.Port}").Replace("[::]", options.Host).TrimEnd('/');
        return server;
    }

    /// <summary>Requests and throttles per operation, and totals.</summary>
    public ProxyStats Stats()
    {
        var operations = _counters.OrderBy(c => c.Key, StringComparer.Ordinal)
            .ToDictionary(c => c.Key, c => new OperationStats(double.IsPositiveInfinity(c.Value.Quota) ? null : c.Value.Quota, c.Value.Requests, c.Value.Throttled));
        return new ProxyStats(_options.QuotaScale, operations.Values.Sum(o => o.Requests), operations.Values.Sum(o => o.Throttled), operations);
    }

    /// <summary>Zeroes the counters and refills every bucket.</summary>
    public void Reset()
    {
        _counters.Clear();
        _buckets.Clear();
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync().ConfigureAwait(false);
            await _app.DisposeAsync().ConfigureAwait(false);
        }

        _upstream.Dispose();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        string path = request.Path.Value ?? "/";
        if (path.StartsWith("/_quota/", StringComparison.Ordinal))
        {
            await HandleControlAsync(context, path).ConfigureAwait(false);
            return;
        }

        byte[] body;
        using (var buffer = new MemoryStream())
        {
            await request.Body.CopyToAsync(buffer, context.RequestAborted).ConfigureAwait(false);
            body = buffer.ToArray();
        }

        string? operation = _router.Identify(request.Method, path, request.Headers.Authorization.ToString() is { Length: > 0 } a ? a : null,
            request.ContentType, body);
        if (operation is not null)
        {
            double quota = _options.QuotaFor(operation);
            var bucket = _buckets.GetOrAdd(operation, _ => new TokenBucket(quota, quota * _options.BurstSeconds));
            bool allowed = bucket.TryTake();
            _counters.GetOrAdd(operation, _ => new OperationCounters(quota)).Count(!allowed);
            if (!allowed)
            {
                await ThrottleAsync(context, operation).ConfigureAwait(false);
                return;
            }
        }

        await ForwardAsync(context, body).ConfigureAwait(false);
    }

    private static async Task ThrottleAsync(HttpContext context, string operation)
    {
        string requestId = Guid.NewGuid().ToString();
        var response = context.Response;
        response.StatusCode = 400;
        response.Headers["x-amzn-RequestId"] = requestId;
        if (operation.StartsWith("iot:", StringComparison.Ordinal))
        {
            // AWS IoT (REST-JSON): 400 with the error type in the header and {"message": ...}.
            response.Headers["x-amzn-ErrorType"] = "ThrottlingException";
            response.ContentType = "application/json";
            await response.WriteAsync("{\"message\":\"Rate exceeded\"}").ConfigureAwait(false);
            return;
        }

        // IAM and STS (Query protocol): the XML ErrorResponse with code Throttling.
        string ns = operation.StartsWith("sts:", StringComparison.Ordinal) ? "https://sts.amazonaws.com/doc/2011-06-15/" : "https://iam.amazonaws.com/doc/2010-05-08/";
        response.ContentType = "text/xml";
        await response.WriteAsync(
            $"<ErrorResponse xmlns=\"{ns}\">\n  <Error>\n    <Type>Sender</Type>\n    <Code>Throttling</Code>\n    <Message>Rate exceeded</Message>\n  </Error>\n  <RequestId>{requestId}</RequestId>\n</ErrorResponse>\n")
            .ConfigureAwait(false);
    }

    private async Task ForwardAsync(HttpContext context, byte[] body)
    {
        var request = context.Request;
        var target = new Uri(_options.Upstream, request.Path.ToUriComponent() + request.QueryString.ToUriComponent());
        using var message = new HttpRequestMessage(new HttpMethod(request.Method), target);
        if (body.Length > 0 || request.ContentLength is not null || HttpMethods.IsPost(request.Method) || HttpMethods.IsPut(request.Method))
        {
            message.Content = new ByteArrayContent(body);
        }

        foreach (var header in request.Headers)
        {
            if (s_hopByHop.Contains(header.Key))
            {
                continue;
            }

            if (!message.Headers.TryAddWithoutValidation(header.Key, (IEnumerable<string?>)header.Value))
            {
                message.Content?.Headers.TryAddWithoutValidation(header.Key, (IEnumerable<string?>)header.Value);
            }
        }

        // The signature covers the host the client used: keep it.
        message.Headers.Host = request.Host.Value;

        HttpResponseMessage upstream;
        try
        {
            upstream = await _upstream.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            context.Response.StatusCode = 502;
            await context.Response.WriteAsync("quota proxy: upstream failed: " + e.Message).ConfigureAwait(false);
            return;
        }

        using (upstream)
        {
            var response = context.Response;
            response.StatusCode = (int)upstream.StatusCode;
            foreach (var header in upstream.Headers.Concat(upstream.Content.Headers))
            {
                if (!s_hopByHop.Contains(header.Key))
                {
                    response.Headers[header.Key] = header.Value.ToArray();
                }
            }

            await upstream.Content.CopyToAsync(response.Body, context.RequestAborted).ConfigureAwait(false);
        }
    }

    private async Task HandleControlAsync(HttpContext context, string path)
    {
        if (path == "/_quota/stats" && HttpMethods.IsGet(context.Request.Method))
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(JsonSerializer.Serialize(Stats(), ProxyJson.Options)).ConfigureAwait(false);
        }
        else if (path == "/_quota/reset" && HttpMethods.IsPost(context.Request.Method))
        {
            Reset();
            context.Response.StatusCode = 204;
        }
        else
        {
            context.Response.StatusCode = 404;
        }
    }
}

public sealed record OperationStats(double? Quota, long Requests, long Throttled);

public sealed record ProxyStats(double QuotaScale, long Requests, long Throttled, IReadOnlyDictionary<string, OperationStats> Operations);

internal static class ProxyJson
{
    public static JsonSerializerOptions Options { get; } = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, WriteIndented = false };
}
