using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;

namespace ZymAws.Engine.DeviceCredentials.Tls;

/// <summary>
/// The little of HTTP/1.1 the credentials provider protocol needs, on any stream (here: a TLS stream): one request or
/// response head (start line and headers, bounded), and a body by Content-Length, chunked, or to the end of the stream.
/// </summary>
internal static class Http1
{
    public const int MaxHeadBytes = 16 * 1024;

    public sealed class Head
    {
        public Head(string startLine, List<KeyValuePair<string, string>> headers)
        {
            StartLine = startLine;
            Headers = headers;
        }

        public string StartLine { get; }

        public List<KeyValuePair<string, string>> Headers { get; }

        public string? this[string name]
        {
            get
            {
                foreach (var pair in Headers)
                {
                    if (string.Equals(pair.Key, name, StringComparison.OrdinalIgnoreCase))
                    {
                        return pair.Value;
                    }
                }

                return null;
            }
        }
    }

    /// <summary>Reads a head; null when the stream ends before any byte.</summary>
    /// <exception cref="InvalidDataException">A head that is too long, cut short or malformed.</exception>
    public static Head? ReadHead(Stream stream)
    {
        var bytes = new List<byte>(512);
        while (true)
        {
            int b = stream.ReadByte();
            if (b < 0)
            {
                if (bytes.Count == 0)
                {
                    return null;
                }

                throw new InvalidDataException("The connection closed in the middle of an HTTP head.");
            }

            bytes.Add((byte)b);
            if (bytes.Count > MaxHeadBytes)
            {
                throw new InvalidDataException($"The HTTP head is longer than {MaxHeadBytes} bytes.");
            }

            // The head ends at CRLF CRLF (a bare LF LF is accepted too).
            int n = bytes.Count;
            if (b == '\n' && ((n >= 4 && bytes[n - 2] == '\r' && bytes[n - 3] == '\n' && bytes[n - 4] == '\r') || (n >= 2 && bytes[n - 2] == '\n')))
            {
                break;
            }
        }

        string text = Encoding.ASCII.GetString(bytes.ToArray());
        var lines = text.Split(new[] { "\r\n", "\n" }, StringSplitOptions.None);
        var headers = new List<KeyValuePair<string, string>>();
        for (int i = 1; i < lines.Length; i++)
        {
            if (lines[i].Length == 0)
            {
                continue;
            }

            int colon = lines[i].IndexOf(':');
            if (colon <= 0)
            {
                throw new InvalidDataException("A malformed HTTP header line.");
            }

            headers.Add(new KeyValuePair<string, string>(lines[i].Substring(0, colon).Trim(), lines[i].Substring(colon + 1).Trim()));
        }

        return new Head(lines[0], headers);
    }

    /// <summary>Reads the body that follows <paramref name="head"/> (at most <paramref name="max"/> bytes).</summary>
    public static byte[] ReadBody(Stream stream, Head head, int max)
    {
        var body = new MemoryStream();
        if (string.Equals(head["Transfer-Encoding"], "chunked", StringComparison.OrdinalIgnoreCase))
        {
            while (true)
            {
                string sizeLine = ReadLine(stream);
                int semicolon = sizeLine.IndexOf(';');
                if (!int.TryParse(semicolon >= 0 ? sizeLine.Substring(0, semicolon) : sizeLine, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out int size) || size < 0)
                {
                    throw new InvalidDataException("A malformed chunk size.");
                }

                if (size == 0)
                {
                    while (ReadLine(stream).Length > 0)
                    {
                    }

                    return body.ToArray();
                }

                Copy(stream, body, size, max);
                ReadLine(stream);
            }
        }

        string? length = head["Content-Length"];
        if (length is not null)
        {
            if (!int.TryParse(length, NumberStyles.None, CultureInfo.InvariantCulture, out int n))
            {
                throw new InvalidDataException("A malformed Content-Length.");
            }

            Copy(stream, body, n, max);
            return body.ToArray();
        }

        // Neither: the body runs to the end of the stream.
        var buffer = new byte[4096];
        int read;
        while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
        {
            if (body.Length + read > max)
            {
                throw new InvalidDataException($"The HTTP body is longer than {max} bytes.");
            }

            body.Write(buffer, 0, read);
        }

        return body.ToArray();
    }

    /// <summary>Writes a complete response (Connection: close) with a body.</summary>
    public static void WriteResponse(Stream stream, int status, string reason, IEnumerable<KeyValuePair<string, string>> headers, byte[] body)
    {
        var sb = new StringBuilder();
        sb.Append("HTTP/1.1 ").Append(status.ToString(CultureInfo.InvariantCulture)).Append(' ').Append(reason).Append("\r\n");
        foreach (var pair in headers)
        {
            sb.Append(pair.Key).Append(": ").Append(pair.Value).Append("\r\n");
        }

        sb.Append("Content-Length: ").Append(body.Length.ToString(CultureInfo.InvariantCulture)).Append("\r\n");
        sb.Append("Connection: close\r\n\r\n");
        var head = Encoding.ASCII.GetBytes(sb.ToString());
        var all = new byte[head.Length + body.Length];
        Buffer.BlockCopy(head, 0, all, 0, head.Length);
        Buffer.BlockCopy(body, 0, all, head.Length, body.Length);
        stream.Write(all, 0, all.Length);
        stream.Flush();
    }

    private static void Copy(Stream from, MemoryStream to, int count, int max)
    {
        if (to.Length + count > max)
        {
            throw new InvalidDataException($"The HTTP body is longer than {max} bytes.");
        }

        var buffer = new byte[Math.Min(count, 8192)];
        while (count > 0)
        {
            int read = from.Read(buffer, 0, Math.Min(buffer.Length, count));
            if (read <= 0)
            {
                throw new InvalidDataException("The connection closed in the middle of an HTTP body.");
            }

            to.Write(buffer, 0, read);
            count -= read;
        }
    }

    private static string ReadLine(Stream stream)
    {
        var sb = new StringBuilder();
        while (true)
        {
            int b = stream.ReadByte();
            if (b < 0)
            {
                throw new InvalidDataException("The connection closed in the middle of a chunked body.");
            }

            if (b == '\n')
            {
                return sb.ToString().TrimEnd('\r');
            }

            if (sb.Length > 1024)
            {
                throw new InvalidDataException("A chunk line is too long.");
            }

            sb.Append((char)b);
        }
    }
}
