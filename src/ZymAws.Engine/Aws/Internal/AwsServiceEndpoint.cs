using System;

namespace ZymAws.Engine.Aws.Internal;

/// <summary>Wire format of a service's error responses.</summary>
internal enum AwsErrorFormat
{
    /// <summary>REST-JSON (IoT): X-Amzn-ErrorType header, JSON body with message/resourceId.</summary>
    Json,

    /// <summary>Query protocol (IAM, STS): XML ErrorResponse.</summary>
    Xml,
}

/// <summary>Where a service lives and how requests to it are signed.</summary>
internal sealed class AwsServiceEndpoint
{
    public AwsServiceEndpoint(string service, Uri baseUri, string signingRegion, string signingService, AwsErrorFormat errorFormat)
    {
        Service = service;
        BaseUri = baseUri;
        SigningRegion = signingRegion;
        SigningService = signingService;
        ErrorFormat = errorFormat;
    }

    /// <summary>Short lowercase name used in logs, rate-limit keys and error ids ("iot", "iam", "sts").</summary>
    public string Service { get; }

    public Uri BaseUri { get; }

    public string SigningRegion { get; }

    public string SigningService { get; }

    public AwsErrorFormat ErrorFormat { get; }

    /// <summary>Builds the absolute URI of a request path ("/things/x?y=z") under this endpoint (keeping any base path).</summary>
    public Uri Resolve(string pathAndQuery)
    {
        string basePath = BaseUri.AbsolutePath.TrimEnd('/');
        return new Uri(BaseUri.GetLeftPart(UriPartial.Authority) + basePath + pathAndQuery);
    }

    public static AwsServiceEndpoint ForIot(string region, string? endpointUrl)
    {
        var uri = endpointUrl is null ? new Uri($"https://iot.{region}.{DnsSuffix(region)}/") : ParseEndpointUrl(endpointUrl);
        return new AwsServiceEndpoint("iot", uri, region, "iot", AwsErrorFormat.Json);
    }

    /// <summary>IAM is global: one endpoint per partition, signed for that partition's home region.</summary>
    public static AwsServiceEndpoint ForIam(string region, string? endpointUrl)
    {
        string signingRegion;
        string host;
        if (region.StartsWith("cn-", StringComparison.OrdinalIgnoreCase))
        {
            signingRegion = "cn-north-1";
            host = "iam.cn-north-1.amazonaws.com.cn";
        }
        else if (region.StartsWith("us-gov-", StringComparison.OrdinalIgnoreCase))
        {
            signingRegion = "us-gov-west-1";
            host = "iam.us-gov.amazonaws.com";
        }
        else
        {
            signingRegion = "us-east-1";
            host = "iam.amazonaws.com";
        }

        var uri = endpointUrl is null ? new Uri($"https://{host}/") : ParseEndpointUrl(endpointUrl);
        return new AwsServiceEndpoint("iam", uri, signingRegion, "iam", AwsErrorFormat.Xml);
    }

    internal static string DnsSuffix(string region) => CredentialEndpointName.DnsSuffix(region);

    internal static Uri ParseEndpointUrl(string endpointUrl)
    {
        if (!Uri.TryCreate(endpointUrl, UriKind.Absolute, out Uri? uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new ZymException("AwsEndpointUrlInvalid", ZymErrorCategory.InvalidArgument,
                $"-EndpointUrl '{endpointUrl}' is not an absolute http:// or https:// URL.", endpointUrl);
        }

        return uri;
    }
}
