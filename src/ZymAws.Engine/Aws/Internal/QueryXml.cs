using System;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace ZymAws.Engine.Aws.Internal;

/// <summary>Reads Query-protocol (IAM, STS) XML responses.</summary>
internal static class QueryXml
{
    /// <summary>The &lt;OperationResult&gt; element of a successful response (null when the operation returns nothing).</summary>
    public static XElement? ReadResult(string service, string operation, AwsHttpResponse response, string? target)
    {
        if (response.Body.Length == 0)
        {
            return null;
        }

        try
        {
            var doc = XDocument.Parse(Encoding.UTF8.GetString(response.Body));
            return doc.Root?.Elements().FirstOrDefault(e => e.Name.LocalName == operation + "Result");
        }
        catch (XmlException ex)
        {
            throw new AwsServiceException(service, operation, "MalformedResponse", "The response body is not XML: " + ex.Message, response.RequestId, response.StatusCode, target);
        }
    }

    public static DateTimeOffset? ParseTime(string? text)
    {
        return text is not null && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value) ? value : null;
    }

    /// <summary>IAM returns policy documents URL-encoded (RFC 3986); the AWS CLI shows them decoded. So do we.</summary>
    public static string DecodePolicy(string document)
    {
        return document.IndexOf('%') >= 0 ? Uri.UnescapeDataString(document) : document;
    }
}
