namespace ZymAws.Provisioning;

/// <summary>The account's AWS IoT credentials-provider endpoint in one region.</summary>
public sealed class CredentialProviderEndpoint
{
    public CredentialProviderEndpoint(string host, string region)
    {
        Host = host;
        Region = region;
        Prefix = Engine.Aws.CredentialEndpointName.Parse(host, region)!.Prefix;
    }

    /// <summary>The account-specific prefix (the "cxxxxxxxx" part), the O= field of the seed's device subject.</summary>
    public string Prefix { get; }

    /// <summary>The region the endpoint belongs to.</summary>
    public string Region { get; }

    /// <summary>The full host name, e.g. c1a2b3c4d5e6f7.credentials.iot.eu-west-1.amazonaws.com.</summary>
    public string Host { get; }

    /// <summary>The base URL devices call.</summary>
    public string Url => "https://" + Host;

    public override string ToString() => Host;
}
