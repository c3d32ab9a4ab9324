using System.Collections.Concurrent;
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
        new Reply(status, RawHttp.AwsJsonErrorBody(message), RawHttp.AwsJsonErrorHeaders(errorType, "req-" + Guid.NewGuid().ToString("N")));

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
public sealed class FaultInjectingHttpServer : LoopbackHttpServer
{
    private readonly ConcurrentQueue<ScriptedResponse> _script = new();
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();

    private FaultInjectingHttpServer()
    {
    }

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

    private protected override async Task HandleAsync(TcpClient client, NetworkStream stream, RawHttpRequest request)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var header in request.Headers)
        {
            headers[header.Key.ToLowerInvariant()] = header.Value;
        }

        _requests.Enqueue(new RecordedRequest(request.Method, request.PathAndQuery, headers, Encoding.UTF8.GetString(request.Body)));
        if (!_script.TryDequeue(out var action))
        {
            action = WhenScriptExhausted;
        }

        switch (action)
        {
            case ScriptedResponse.Reply reply:
                await RawHttp.WriteResponseAsync(stream, reply.Status, null, reply.Headers, Encoding.UTF8.GetBytes(reply.Body));
                RawHttp.Close(client);
                break;
            case ScriptedResponse.Drop drop:
                if (drop.SendPartial)
                {
                    await RawHttp.WriteAsync(stream, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 400\r\n\r\n{\"thingName\":\"tr");
                    await Task.Delay(50);
                }

                RawHttp.Reset(client);
                break;
            case ScriptedResponse.Hang:
                try
                {
                    await Task.Delay(Timeout.Infinite, Stopping);
                }
                catch (OperationCanceledException)
                {
                }

                client.Dispose();
                break;
        }
    }
}
