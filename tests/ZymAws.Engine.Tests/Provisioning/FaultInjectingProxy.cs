using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text;
using ZymAws.Engine.Tests.Infrastructure;

namespace ZymAws.Engine.Tests.Provisioning;

/// <summary>What the proxy does with one request.</summary>
public enum ProxyFault
{
    /// <summary>Forward to moto and relay the answer.</summary>
    None,

    /// <summary>Answer HTTP 400 ThrottlingException (as AWS IoT does) without forwarding.</summary>
    Throttle,

    /// <summary>Answer HTTP 503 ServiceUnavailableException without forwarding.</summary>
    Unavailable,

    /// <summary>Answer HTTP 403 AccessDeniedException without forwarding: a definite refusal (e.g. a permission the provisioning user lacks).</summary>
    Deny,

    /// <summary>Reset the connection without forwarding (the request never reached the service).</summary>
    DropBeforeForward,

    /// <summary>Forward to moto, then reset the connection instead of answering: the call happened but the client cannot know.</summary>
    DropAfterForward,
}

/// <summary>A request as the proxy saw it, with the AWS operation it names.</summary>
public sealed record ProxiedRequest(int Sequence, string Operation, string Method, string PathAndQuery, string Body = "")
{
    /// <summary>Whether the request is about <paramref name="value"/> (a thing name, a certificate id): in its path or its body.</summary>
    public bool Names(string? value) => value is not null && (Uri.UnescapeDataString(PathAndQuery).Contains(value, StringComparison.Ordinal) || Body.Contains(value, StringComparison.Ordinal));
}

/// <summary>
/// A real HTTP/1.1 forwarding proxy on 127.0.0.1 in front of moto (one connection per request, Connection: close),
/// injecting AWS-style faults chosen per request by <see cref="Decide"/>: throttling, 503s, connections dropped before
/// or after the request reached moto. Counts what reached moto per operation.
/// </summary>
public sealed class FaultInjectingProxy : LoopbackHttpServer
{
    private static readonly HashSet<string> s_hopHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Host", "Connection", "Content-Length", "Transfer-Encoding", "Expect", "Keep-Alive", "Proxy-Connection", "Upgrade",
    };

    private readonly string _target;
    private readonly HttpClient _http = new(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(30) };
    private readonly ConcurrentDictionary<string, int> _forwarded = new();
    private readonly ConcurrentDictionary<ProxyFault, int> _faults = new();
    private int _sequence;

    public FaultInjectingProxy(string targetUrl)
    {
        _target = targetUrl.TrimEnd('/');
    }

    /// <summary>Chooses the fault for each request (default: none). Called concurrently.</summary>
    public Func<ProxiedRequest, ProxyFault> Decide { get; set; } = _ => ProxyFault.None;

    /// <summary>Requests that reached moto, by operation.</summary>
    public IReadOnlyDictionary<string, int> Forwarded => new Dictionary<string, int>(_forwarded);

    /// <summary>Faults injected, by kind.</summary>
    public IReadOnlyDictionary<ProxyFault, int> Faults => new Dictionary<ProxyFault, int>(_faults);

    public int ForwardedCount(string operation) => _forwarded.TryGetValue(operation, out int n) ? n : 0;

    /// <summary>A decision function injecting each fault kind with the given probability (seeded, thread-safe).</summary>
    public static Func<ProxiedRequest, ProxyFault> Random(int seed, double throttle, double unavailable, double dropBefore, double dropAfter, Func<ProxiedRequest, bool>? applies = null)
    {
        var random = new System.Random(seed);
        var gate = new object();
        return request =>
        {
            if (applies is not null && !applies(request))
            {
                return ProxyFault.None;
            }

            double roll;
            lock (gate)
            {
                roll = random.NextDouble();
            }

            if ((roll -= throttle) < 0)
            {
                return ProxyFault.Throttle;
            }

            if ((roll -= unavailable) < 0)
            {
                return ProxyFault.Unavailable;
            }

            if ((roll -= dropBefore) < 0)
            {
                return ProxyFault.DropBeforeForward;
            }

            return roll - dropAfter < 0 ? ProxyFault.DropAfterForward : ProxyFault.None;
        };
    }

    /// <summary>The AWS operation a request names (IoT REST paths, STS/IAM Action form field).</summary>
    public static string OperationOf(string method, string pathAndQuery, string body)
    {
        string path = pathAndQuery.Split('?')[0];
        string[] parts = path.Trim('/').Split('/');
        string first = parts.Length > 0 ? parts[0] : string.Empty;
        switch (first)
        {
            case "certificate" when parts.Length > 1 && parts[1] == "register":
                return "RegisterCertificate";
            case "certificate" when parts.Length > 1 && parts[1] == "register-no-ca":
                return "RegisterCertificateWithoutCA";
            case "certificates" when parts.Length == 1:
                return method == "POST" ? "CreateCertificateFromCsr" : "ListCertificates";
            case "certificates":
                return method switch { "GET" => "DescribeCertificate", "PUT" => "UpdateCertificate", "DELETE" => "DeleteCertificate", _ => "Other" };
            case "cacertificate":
                return method == "GET" ? "DescribeCACertificate" : method == "POST" ? "RegisterCACertificate" : "UpdateCACertificate";
            case "cacertificates":
                return "ListCACertificates";
            case "things" when parts.Length == 1:
                return "ListThings";
            case "things" when parts.Length >= 3 && parts[2] == "principals":
                return method switch { "PUT" => "AttachThingPrincipal", "DELETE" => "DetachThingPrincipal", _ => "ListThingPrincipals" };
            case "things":
                return method switch { "POST" => "CreateThing", "GET" => "DescribeThing", "DELETE" => "DeleteThing", _ => "UpdateThing" };
            case "policies":
                return method == "GET" ? "GetPolicy" : method == "POST" ? "CreatePolicy" : "DeletePolicy";
            case "target-policies":
                return method == "PUT" ? "AttachPolicy" : "DetachPolicy";
            case "attached-policies":
                return "ListAttachedPolicies";
            case "role-aliases":
                return method switch { "POST" => "CreateRoleAlias", "PUT" => "UpdateRoleAlias", "DELETE" => "DeleteRoleAlias", _ => parts.Length == 1 ? "ListRoleAliases" : "DescribeRoleAlias" };
            case "endpoint":
                return "DescribeEndpoint";
            case "principals":
                return "ListPrincipalThings";
        }

        int action = body.IndexOf("Action=", StringComparison.Ordinal);
        if (action >= 0)
        {
            int end = body.IndexOf('&', action);
            return body[(action + 7)..(end < 0 ? body.Length : end)];
        }

        return "Other";
    }

    private protected override void DisposeResources() => _http.Dispose();

    private protected override async Task HandleAsync(TcpClient client, NetworkStream stream, RawHttpRequest request)
    {
        string requestBody = Encoding.UTF8.GetString(request.Body);
        string operation = OperationOf(request.Method, request.PathAndQuery, requestBody);
        var fault = Decide(new ProxiedRequest(Interlocked.Increment(ref _sequence), operation, request.Method, request.PathAndQuery, requestBody));
        _faults.AddOrUpdate(fault, 1, (_, n) => n + 1);
        switch (fault)
        {
            case ProxyFault.Throttle:
                await ReplyErrorAsync(stream, 400, "ThrottlingException", "Rate exceeded");
                break;
            case ProxyFault.Unavailable:
                await ReplyErrorAsync(stream, 503, "ServiceUnavailableException", "Service unavailable");
                break;
            case ProxyFault.Deny:
                await ReplyErrorAsync(stream, 403, "AccessDeniedException", "User is not authorized to perform this action");
                break;
            case ProxyFault.DropBeforeForward:
                RawHttp.Reset(client);
                return;
            default:
                using (var response = await ForwardAsync(request))
                {
                    _forwarded.AddOrUpdate(operation, 1, (_, n) => n + 1);
                    if (fault == ProxyFault.DropAfterForward)
                    {
                        RawHttp.Reset(client);
                        return;
                    }

                    byte[] body = await response.Content.ReadAsByteArrayAsync();
                    var headers = response.Headers.Concat(response.Content.Headers)
                        .Where(header => !s_hopHeaders.Contains(header.Key))
                        .Select(header => (header.Key, string.Join(",", header.Value)));
                    await RawHttp.WriteResponseAsync(stream, (int)response.StatusCode, response.ReasonPhrase ?? "Status", headers, body);
                }

                break;
        }

        RawHttp.Close(client);
    }

    private async Task<HttpResponseMessage> ForwardAsync(RawHttpRequest request)
    {
        var message = new HttpRequestMessage(new HttpMethod(request.Method), _target + request.PathAndQuery);
        if (request.Body.Length > 0 || request.Method is "POST" or "PUT")
        {
            message.Content = new ByteArrayContent(request.Body);
        }

        foreach (var header in request.Headers)
        {
            if (s_hopHeaders.Contains(header.Key))
            {
                continue;
            }

            if (!message.Headers.TryAddWithoutValidation(header.Key, header.Value))
            {
                message.Content?.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        }

        return await _http.SendAsync(message, Stopping);
    }

    private static Task ReplyErrorAsync(NetworkStream stream, int status, string errorType, string message) =>
        RawHttp.WriteResponseAsync(stream, status, null, RawHttp.AwsJsonErrorHeaders(errorType, "proxy-" + Guid.NewGuid().ToString("N")), Encoding.UTF8.GetBytes(RawHttp.AwsJsonErrorBody(message)));
}
