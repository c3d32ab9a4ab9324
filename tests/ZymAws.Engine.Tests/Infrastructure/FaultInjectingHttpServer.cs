using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ZymAws.Engine.Tests.Infrastructure;

/// <summary>What the fault-injecting server does with one request.</summary>
public abstract record ScriptedResponse
{
    /// <summary>A complete response (sent with Connection: close).</summary>
    public static ScriptedResponse Respond(int status, string body, params (string Name, string Value)[] headers) => new Reply(status, body, headers);

    /// <summary>A REST-JSON AWS error as IoT sends it: X-Amzn-ErrorType header and {"message": ...}.</summary>
    public static ScriptedResponse AwsJsonError(int status, string errorType, string message) =>
        new Reply(status, $"{{\"message\":\"{message}\"}}", new[] { ("X-Amzn-ErrorType", errorType + ":http://internal.amazon.com/coral/com.amazonaws.iot/"), ("Content-Type", "application/json"), ("x-amzn-RequestId", "req-" + Guid.NewGuid().ToString("N")) });

    /// <summary>Starts a 200 response, sends half the promised body, then resets the connection.</summary>
    public static ScriptedResponse DropMidResponse() => new Drop(SendPartial: true);

    /// <summary>Reads the request and closes the connection without a byte of response.</summary>
    public static ScriptedResponse DropBeforeResponse() => new Drop(SendPartial: false);

    /// <summary>Reads the request and never answers (until the server is disposed).</summary>
    public static ScriptedResponse NeverRespond() => new Hang();

    internal sealed record Reply(int Status, string Body, (string Name, string Value)[] Headers) : ScriptedResponse;

    internal sealed record Drop(bool SendPartial) : ScriptedResponse;

    internal sealed record Hang : ScriptedResponse;
}

/// <summary>A request the server received (method, path with query, headers by lowercase name, body).</summary>
public sealed record RecordedRequest(string Method, string PathAndQuery, IReadOnlyDictionary<string, string> Headers, string Body);

/// <summary>
/// A real HTTP/1.1 server on 127.0.0.1 (a TcpListener, one connection per request) that answers from a script:
/// canned responses, dropped connections, requests never answered. For testing retries, timeouts and cancellation
/// against real sockets. When the script runs out it does <see cref="WhenScriptExhausted"/>.
/// </summary>
public sealed class FaultInjectingHttpServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly ConcurrentQueue<ScriptedResponse> _script = new();
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentBag<TcpClient> _clients = new();
    private readonly Task _acceptLoop;

    private FaultInjectingHttpServer()
    {
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    /// <summary>e.g. "http://127.0.0.1:40001".</summary>
    public string Url => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    /// <summary>What to do once the script is used up (default: 500 InternalFailureException).</summary>
    public ScriptedResponse WhenScriptExhausted { get; set; } = ScriptedResponse.AwsJsonError(500, "InternalFailureException", "script exhausted");

    /// <summary>How many requests arrived (completely read).</summary>
    public int RequestCount => _requests.Count;

    public IReadOnlyList<RecordedRequest> Requests => _requests.ToArray();

    public static FaultInjectingHttpServer Start(params ScriptedResponse[] script)
    {
        var server = new FaultInjectingHttpServer();
        server.Enqueue(script);
        return server;
    }

    public void Enqueue(params ScriptedResponse[] responses)
    {
        foreach (var response in responses)
        {
            _script.Enqueue(response);
        }
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

            _requests.Enqueue(request);
            if (!_script.TryDequeue(out var action))
            {
                action = WhenScriptExhausted;
            }

            switch (action)
            {
                case ScriptedResponse.Reply reply:
                    await WriteAsync(stream, BuildReply(reply));
                    client.Client.Shutdown(SocketShutdown.Send);
                    client.Dispose();
                    break;
                case ScriptedResponse.Drop drop:
                    if (drop.SendPartial)
                    {
                        await WriteAsync(stream, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 400\r\n\r\n{\"thingName\":\"tr");
                        await Task.Delay(50);
                    }

                    client.Client.LingerState = new LingerOption(true, 0); // RST instead of FIN
                    client.Dispose();
                    break;
                case ScriptedResponse.Hang:
                    try
                    {
                        await Task.Delay(Timeout.Infinite, _stop.Token);
                    }
                    catch (OperationCanceledException)
                    {
                    }

                    client.Dispose();
                    break;
            }
        }
        catch (Exception)
        {
            client.Dispose();
        }
    }

    private static string BuildReply(ScriptedResponse.Reply reply)
    {
        byte[] body = Encoding.UTF8.GetBytes(reply.Body);
        var text = new StringBuilder();
        text.Append("HTTP/1.1 ").Append(reply.Status).Append(' ').Append(ReasonPhrase(reply.Status)).Append("\r\n");
        foreach (var (name, value) in reply.Headers)
        {
            text.Append(name).Append(": ").Append(value).Append("\r\n");
        }

        text.Append("Content-Length: ").Append(body.Length).Append("\r\nConnection: close\r\n\r\n").Append(reply.Body);
        return text.ToString();
    }

    private static string ReasonPhrase(int status) => status switch
    {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        409 => "Conflict",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    };

    private static async Task WriteAsync(NetworkStream stream, string text)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        await stream.WriteAsync(bytes);
        await stream.FlushAsync();
    }

    private static async Task<RecordedRequest?> ReadRequestAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var buffer = new List<byte>();
        var chunk = new byte[4096];
        int headerEnd = -1;
        while (headerEnd < 0)
        {
            int read = await stream.ReadAsync(chunk, cancellationToken);
            if (read == 0)
            {
                return null;
            }

            buffer.AddRange(chunk.AsSpan(0, read).ToArray());
            headerEnd = IndexOf(buffer, "\r\n\r\n"u8.ToArray());
            if (buffer.Count > 1 << 20)
            {
                return null;
            }
        }

        string head = Encoding.ASCII.GetString(buffer.GetRange(0, headerEnd).ToArray());
        string[] lines = head.Split("\r\n");
        string[] requestLine = lines[0].Split(' ');
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (string line in lines.Skip(1))
        {
            int colon = line.IndexOf(':');
            if (colon > 0)
            {
                headers[line[..colon].Trim().ToLowerInvariant()] = line[(colon + 1)..].Trim();
            }
        }

        int contentLength = headers.TryGetValue("content-length", out string? cl) && int.TryParse(cl, out int n) ? n : 0;
        int bodyStart = headerEnd + 4;
        while (buffer.Count - bodyStart < contentLength)
        {
            int read = await stream.ReadAsync(chunk, cancellationToken);
            if (read == 0)
            {
                break;
            }

            buffer.AddRange(chunk.AsSpan(0, read).ToArray());
        }

        string body = Encoding.UTF8.GetString(buffer.Skip(bodyStart).Take(contentLength).ToArray());
        return new RecordedRequest(requestLine[0], requestLine.Length > 1 ? requestLine[1] : "/", headers, body);
    }

    private static int IndexOf(List<byte> haystack, byte[] needle)
    {
        for (int i = 0; i <= haystack.Count - needle.Length; i++)
        {
            bool match = true;
            for (int j = 0; j < needle.Length && match; j++)
            {
                match = haystack[i + j] == needle[j];
            }

            if (match)
            {
                return i;
            }
        }

        return -1;
    }
}
