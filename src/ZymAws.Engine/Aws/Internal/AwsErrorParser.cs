using System;
using System.Linq;
using System.Net.Http;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;

namespace ZymAws.Engine.Aws.Internal;

/// <summary>What an AWS error response said.</summary>
internal sealed record AwsErrorInfo(string Code, string? Message, string? RequestId, string? ResourceId, string? ResourceArn);

/// <summary>Reads error responses in the REST-JSON and Query (XML) protocols.</summary>
internal static class AwsErrorParser
{
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

        if (body.Length > 0)
        {
            try
            {
                if (format == AwsErrorFormat.Json || (body[0] == (byte)'{'))
                {
                    using var doc = JsonDocument.Parse(body);
                    if (doc.RootElement.ValueKind == JsonValueKind.Object)
                    {
                        var root = doc.RootElement;
                        code ??= CleanCode(GetString(root, "__type") ?? GetString(root, "code") ?? GetString(root, "Code") ?? string.Empty);
                        message = GetString(root, "message") ?? GetString(root, "Message") ?? GetString(root, "errorMessage");
                        resourceId = GetString(root, "resourceId");
                        resourceArn = GetString(root, "resourceArn");
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
                    }

                    requestId ??= doc.Descendants().FirstOrDefault(e => e.Name.LocalName == "RequestId")?.Value;
                }
            }
            catch (Exception ex) when (ex is JsonException || ex is System.Xml.XmlException)
            {
                // Not a service error document (e.g. an HTML page from a proxy): fall back on the status.
            }
        }

        if (string.IsNullOrEmpty(code))
        {
            code = CodeFromStatus(status);
        }

        return new AwsErrorInfo(code!, message, requestId, resourceId, resourceArn);
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
