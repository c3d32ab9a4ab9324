using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

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

    /// <summary>Reset the connection without forwarding (the request never reached the service).</summary>
    DropBeforeForward,

    /// <summary>Forward to moto, then reset the connection instead of answering: the call happened but the client cannot know.</summary>
    DropAfterForward,
}

/// <summary>A request as the proxy saw it, with the AWS operation it names.</summary>
public sealed record ProxiedRequest(int Sequence, string Operation, string Method, string PathAndQuery);

/// <summary>
/// A real HTTP/1.1 forwarding proxy on 127.0.0.1 in front of moto (one connection per request, Connection: close),
/// injecting AWS-style faults chosen per request by <see cref="Decide"/>: throttling, 503s, connections dropped before
/// or after the request reached moto. Counts what reached moto per operation.
/// </summary>
public sealed class FaultInjectingProxy : IAsyncDisposable
{
    private static readonly HashSet<string> s_hopHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Host", "Connection", "Content-Length", "Transfer-Encoding", "Expect", "Keep-Alive", "Proxy-Connection", "Upgrade",
    };

    private readonly TcpListener _listener;
    private readonly string _target;
    private readonly HttpClient _http = new(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(30) };
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentBag<TcpClient> _clients = new();
    private readonly ConcurrentDictionary<string, int> _forwarded = new();
    private readonly ConcurrentDictionary<ProxyFault, int> _faults = new();
    private readonly Task _acceptLoop;
    private int _sequence;

    public FaultInjectingProxy(string targetUrl)
    {
        _target = targetUrl.TrimEnd('/');
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    public string Url => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

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
        }

        int action = body.IndexOf("Action=", StringComparison.Ordinal);
        if (action >= 0)
        {
            int end = body.IndexOf('&', action);
            return body[(action + 7)..(end < 0 ? body.Length : end)];
        }

        return "Other";
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        try
        {
            await _acceptLoop.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception)
        {
        }

        _http.Dispose();
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception)
            {
                return;
            }

            _clients.Add(client);
            _ = Task.Run(() => HandleAsync(client));
        }
    }

    private async Task HandleAsync(TcpClient client)
    {
        try
        {
            var stream = client.GetStream();
            var request = await ReadRequestAsync(stream, _stop.Token);
            if (request is null)
            {
                client.Dispose();
                return;
            }

            string operation = OperationOf(request.Value.Method, request.Value.Path, Encoding.UTF8.GetString(request.Value.Body));
            var fault = Decide(new ProxiedRequest(Interlocked.Increment(ref _sequence), operation, request.Value.Method, request.Value.Path));
            _faults.AddOrUpdate(fault, 1, (_, n) => n + 1);
            switch (fault)
            {
                case ProxyFault.Throttle:
                    await ReplyAsync(stream, 400, "Bad Request", "ThrottlingException", "Rate exceeded");
                    break;
                case ProxyFault.Unavailable:
                    await ReplyAsync(stream, 503, "Service Unavailable", "ServiceUnavailableException", "Service unavailable");
                    break;
                case ProxyFault.DropBeforeForward:
                    Reset(client);
                    return;
                default:
                    using (var response = await ForwardAsync(request.Value))
                    {
                        _forwarded.AddOrUpdate(operation, 1, (_, n) => n + 1);
                        if (fault == ProxyFault.DropAfterForward)
                        {
                            Reset(client);
                            return;
                        }

                        byte[] body = await response.Content.ReadAsByteArrayAsync();
                        var head = new StringBuilder();
                        head.Append("HTTP/1.1 ").Append((int)response.StatusCode).Append(' ').Append(response.ReasonPhrase ?? "Status").Append("\r\n");
                        foreach (var header in response.Headers.Concat(response.Content.Headers))
                        {
                            if (!s_hopHeaders.Contains(header.Key))
                            {
                                head.Append(header.Key).Append(": ").Append(string.Join(",", header.Value)).Append("\r\n");
                            }
                        }

                        head.Append("Content-Length: ").Append(body.Length).Append("\r\nConnection: close\r\n\r\n");
                        await stream.WriteAsync(Encoding.ASCII.GetBytes(head.ToString()));
                        await stream.WriteAsync(body);
                        await stream.FlushAsync();
                    }

                    break;
            }

            client.Client.Shutdown(SocketShutdown.Send);
            client.Dispose();
        }
        catch (Exception)
        {
            client.Dispose();
        }
    }

    private async Task<HttpResponseMessage> ForwardAsync((string Method, string Path, Dictionary<string, string> Headers, byte[] Body) request)
    {
        var message = new HttpRequestMessage(new HttpMethod(request.Method), _target + request.Path);
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

        return await _http.SendAsync(message, _stop.Token);
    }

    private static async Task ReplyAsync(NetworkStream stream, int status, string reason, string errorType, string message)
    {
        string body = $"{{\"message\":\"{message}\"}}";
        string text = $"HTTP/1.1 {status} {reason}\r\nX-Amzn-ErrorType: {errorType}:http://internal.amazon.com/coral/com.amazonaws.iot/\r\n" +
            $"Content-Type: application/json\r\nx-amzn-RequestId: proxy-{Guid.NewGuid():N}\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\nConnection: close\r\n\r\n{body}";
        await stream.WriteAsync(Encoding.UTF8.GetBytes(text));
        await stream.FlushAsync();
    }

    private static void Reset(TcpClient client)
    {
        client.Client.LingerState = new LingerOption(true, 0);
        client.Dispose();
    }

    private static async Task<(string Method, string Path, Dictionary<string, string> Headers, byte[] Body)?> ReadRequestAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int headerEnd = -1;
        while (headerEnd < 0)
        {
            int read = await stream.ReadAsync(chunk, cancellationToken);
            if (read == 0)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
            headerEnd = buffer.GetBuffer().AsSpan(0, (int)buffer.Length).IndexOf("\r\n\r\n"u8);
            if (buffer.Length > 1 << 20)
            {
                return null;
            }
        }

        byte[] all = buffer.ToArray();
        string[] lines = Encoding.ASCII.GetString(all, 0, headerEnd).Split("\r\n");
        string[] requestLine = lines[0].Split(' ');
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (string line in lines.Skip(1))
        {
            int colon = line.IndexOf(':');
            if (colon > 0)
            {
                headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
            }
        }

        int contentLength = headers.TryGetValue("Content-Length", out string? cl) && int.TryParse(cl, out int n) ? n : 0;
        var body = new MemoryStream();
        body.Write(all, headerEnd + 4, all.Length - headerEnd - 4);
        while (body.Length < contentLength)
        {
            int read = await stream.ReadAsync(chunk, cancellationToken);
            if (read == 0)
            {
                break;
            }

            body.Write(chunk, 0, read);
        }

        return (requestLine[0], requestLine.Length > 1 ? requestLine[1] : "/", headers, body.ToArray());
    }
}
