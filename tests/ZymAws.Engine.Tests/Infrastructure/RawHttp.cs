using System.Net.Sockets;
using System.Text;

namespace ZymAws.Engine.Tests.Infrastructure;

/// <summary>One HTTP/1.1 request as read off the wire: header names as sent (looked up case-insensitively), body bytes.</summary>
internal sealed record RawHttpRequest(string Method, string PathAndQuery, IReadOnlyDictionary<string, string> Headers, byte[] Body);

/// <summary>
/// Reading one HTTP/1.1 request and writing one response (always Connection: close) on a raw socket, for the
/// loopback test servers built on <see cref="LoopbackHttpServer"/>.
/// </summary>
internal static class RawHttp
{
    private const int MaxHeaderBytes = 1 << 20;

    /// <summary>
    /// Reads a request: the head up to the blank line, then Content-Length bytes of body (fewer if the peer closes first).
    /// Null when the peer closes before the head is complete or the head exceeds 1 MiB.
    /// </summary>
    public static async Task<RawHttpRequest?> ReadRequestAsync(NetworkStream stream, CancellationToken cancellationToken)
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
            if (buffer.Length > MaxHeaderBytes)
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

        byte[] bodyBytes = body.ToArray();
        if (bodyBytes.Length > contentLength)
        {
            Array.Resize(ref bodyBytes, contentLength);
        }

        return new RawHttpRequest(requestLine[0], requestLine.Length > 1 ? requestLine[1] : "/", headers, bodyBytes);
    }

    /// <summary>Writes a complete response: status line, headers, Content-Length, Connection: close, body.</summary>
    public static async Task WriteResponseAsync(NetworkStream stream, int status, string? reasonPhrase, IEnumerable<(string Name, string Value)> headers, byte[] body)
    {
        var head = new StringBuilder();
        head.Append("HTTP/1.1 ").Append(status).Append(' ').Append(reasonPhrase ?? ReasonPhrase(status)).Append("\r\n");
        foreach (var (name, value) in headers)
        {
            head.Append(name).Append(": ").Append(value).Append("\r\n");
        }

        head.Append("Content-Length: ").Append(body.Length).Append("\r\nConnection: close\r\n\r\n");
        byte[] headBytes = Encoding.UTF8.GetBytes(head.ToString());
        byte[] bytes = new byte[headBytes.Length + body.Length];
        headBytes.CopyTo(bytes, 0);
        body.CopyTo(bytes, headBytes.Length);
        await stream.WriteAsync(bytes);
        await stream.FlushAsync();
    }

    /// <summary>Writes raw text (e.g. a deliberately incomplete response).</summary>
    public static async Task WriteAsync(NetworkStream stream, string text)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        await stream.WriteAsync(bytes);
        await stream.FlushAsync();
    }

    /// <summary>The headers AWS IoT sends with a REST-JSON error (X-Amzn-ErrorType, Content-Type, x-amzn-RequestId).</summary>
    public static (string Name, string Value)[] AwsJsonErrorHeaders(string errorType, string requestId) => new[]
    {
        ("X-Amzn-ErrorType", errorType + ":http://internal.amazon.com/coral/com.amazonaws.iot/"),
        ("Content-Type", "application/json"),
        ("x-amzn-RequestId", requestId),
    };

    /// <summary>The body AWS IoT sends with a REST-JSON error: {"message": ...}.</summary>
    public static string AwsJsonErrorBody(string message) => $"{{\"message\":\"{message}\"}}";

    /// <summary>Ends the response normally: FIN after what was written, then closes.</summary>
    public static void Close(TcpClient client)
    {
        client.Client.Shutdown(SocketShutdown.Send);
        client.Dispose();
    }

    /// <summary>Resets the connection (RST instead of FIN).</summary>
    public static void Reset(TcpClient client)
    {
        client.Client.LingerState = new LingerOption(true, 0);
        client.Dispose();
    }

    public static string ReasonPhrase(int status) => status switch
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
}
