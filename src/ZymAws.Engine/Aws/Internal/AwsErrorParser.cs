using System;
using System.Linq;
using System.Net.Http;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace ZymAws.Engine.Aws.Internal;

/// <summary>What an AWS error response said.</summary>
internal sealed record AwsErrorInfo(string Code, string? Message, string? RequestId, string? ResourceId, string? ResourceArn);

/// <summary>
/// Reads error responses in the REST-JSON and Query (XML) protocols. A response it cannot read (an HTML page from a
/// proxy, a body without a code) still says what came back: the raw error type when there is one, and an excerpt of the
/// body with anything credential-like taken out.
/// </summary>
internal static class AwsErrorParser
{
    private const int ExcerptLength = 200;

    // Credential-shaped text a proxy or gateway could echo back: access key ids, key=value secrets, long opaque tokens.
    private static readonly Regex s_accessKeyId = new(@"\b(?:AKIA|ASIA|AIDA|AROA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{12,}\b", RegexOptions.CultureInvariant);
    private static readonly Regex s_namedSecret = new(
        @"(?i)\b(x-amz-security-token|x-amz-credential|x-amz-signature|authorization|signature|credential|secret[a-z_-]*|session[_-]?token|token|password)(""?\s*[:=]\s*""?)[^\s""'&,;<>]+",
        RegexOptions.CultureInvariant);
    private static readonly Regex s_opaque = new(@"[A-Za-z0-9+/_=-]{40,}", RegexOptions.CultureInvariant);
    private static readonly Regex s_whitespace = new(@"\s+", RegexOptions.CultureInvariant);

    public static AwsErrorInfo Parse(AwsErrorFormat format, int status, HttpResponseMessage response, byte[] body)
    {
        string? requestId = GetHeader(response, "x-amzn-RequestId") ?? GetHeader(response, "x-amz-request-id");
        string? code = null;
        string? message = null;
        string? resourceId = null;
        string? resourceArn = null;

        string? headerType = GetHeader(response, "X-Amzn-ErrorType");
        if (!string.IsNullOrEmpty(headerType))
        {
            code = CleanCode(headerType!);
        }

        bool understood = false;
        if (body.Length > 0)
        {
            try
            {
                int first = FirstNonWhitespace(body);
                if (first < body.Length && body[first] == (byte)'{' || (format == AwsErrorFormat.Json && (first >= body.Length || body[first] != (byte)'<')))
                {
                    using var doc = JsonDocument.Parse(body);
                    if (doc.RootElement.ValueKind == JsonValueKind.Object)
                    {
                        var root = doc.RootElement;
                        code ??= CleanCode(GetString(root, "__type") ?? GetString(root, "code") ?? GetString(root, "Code") ?? string.Empty);
                        message = GetString(root, "message") ?? GetString(root, "Message") ?? GetString(root, "errorMessage");
                        resourceId = GetString(root, "resourceId");
                        resourceArn = GetString(root, "resourceArn");
                        understood = !string.IsNullOrEmpty(code) || message is not null;
                    }
                }
                else
                {
                    var doc = XDocument.Parse(Encoding.UTF8.GetString(body));
                    var error = doc.Descendants().FirstOrDefault(e => e.Name.LocalName == "Error");
                    if (error is not null)
                    {
                        code = Child(error, "Code") ?? code;
                        message = Child(error, "Message") ?? Child(error, "message");
                        understood = true;
                    }

                    requestId ??= doc.Descendants().FirstOrDefault(e => e.Name.LocalName == "RequestId")?.Value;
                }
            }
            catch (Exception ex) when (ex is JsonException || ex is System.Xml.XmlException)
            {
                // Not a service error document (e.g. an HTML page from a proxy): fall back on the status.
            }
        }

        if (!understood && (body.Length > 0 || string.IsNullOrEmpty(code)))
        {
            // Not an AWS error document: say what did come back (the error id falls back on the status), so the error
            // still tells what happened.
            message = body.Length == 0
                ? "the response has no error body"
                : $"the error body is not an AWS error ({body.Length} bytes): {Excerpt(Encoding.UTF8.GetString(body))}";
        }

        if (string.IsNullOrEmpty(code))
        {
            code = CodeFromStatus(status);
        }

        return new AwsErrorInfo(code!, message, requestId, resourceId, resourceArn);
    }

    /// <summary>
    /// At most <see cref="ExcerptLength"/> characters of <paramref name="text"/> on one line, with control characters,
    /// access key ids, key=value secrets and long opaque tokens replaced: safe for a message or a log.
    /// </summary>
    internal static string Excerpt(string text)
    {
        var clean = new StringBuilder(Math.Min(text.Length, 4 * ExcerptLength));
        foreach (char c in text.Length > 4 * ExcerptLength ? text.Substring(0, 4 * ExcerptLength) : text)
        {
            clean.Append(char.IsControl(c) ? ' ' : c);
        }

        string result = s_whitespace.Replace(clean.ToString(), " ").Trim();
        result = s_namedSecret.Replace(result, m => m.Groups[1].Value + m.Groups[2].Value + "[redacted]");
        result = s_accessKeyId.Replace(result, "[redacted]");
        result = s_opaque.Replace(result, "[redacted]");
        return result.Length <= ExcerptLength ? result : result.Substring(0, ExcerptLength) + "...";
    }

    private static int FirstNonWhitespace(byte[] body)
    {
        int i = 0;
        while (i < body.Length && (body[i] == (byte)' ' || body[i] == (byte)'\t' || body[i] == (byte)'\r' || body[i] == (byte)'\n' || body[i] == 0xEF || body[i] == 0xBB || body[i] == 0xBF))
        {
            i++;
        }

        return i;
    }

    internal static string CodeFromStatus(int status)
    {
        switch (status)
        {
            case 429:
                return "TooManyRequests";
            case 500:
                return "InternalFailure";
            case 502:
            case 503:
            case 504:
                return "ServiceUnavailable";
            case 401:
                return "Unauthorized";
            case 403:
                return "AccessDenied";
            case 404:
                return "ResourceNotFound";
            default:
                return "HttpStatus" + status;
        }
    }

    /// <summary>"ResourceNotFoundException:http://internal.amazon.com/..." and "aws.protocol#Foo" both become the bare name.</summary>
    private static string CleanCode(string raw)
    {
        string code = raw;
        int colon = code.IndexOf(':');
        if (colon >= 0)
        {
            code = code.Substring(0, colon);
        }

        int hash = code.LastIndexOf('#');
        if (hash >= 0)
        {
            code = code.Substring(hash + 1);
        }

        return code.Trim();
    }

    private static string? GetString(JsonElement obj, string name)
    {
        return obj.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
    }

    private static string? Child(XElement element, string name)
    {
        return element.Elements().FirstOrDefault(e => e.Name.LocalName == name)?.Value;
    }

    internal static string? GetHeader(HttpResponseMessage response, string name)
    {
        if (response.Headers.TryGetValues(name, out var values))
        {
            return values.FirstOrDefault();
        }

        return response.Content?.Headers.TryGetValues(name, out var contentValues) == true ? contentValues.FirstOrDefault() : null;
    }
}
