using System;

namespace ZymAws.Engine.Aws;

/// <summary>
/// How one cmdlet invocation wants to reach AWS, straight from the AWS.Tools-style common parameters
/// (-AccessKey, -SecretKey, -SessionToken, -Credential, -ProfileName, -ProfileLocation, -Region, -EndpointUrl)
/// and the session variables AWS.Tools' Set-AWSCredential / Set-DefaultAWSRegion leave behind.
/// <see cref="AwsSession.Create"/> resolves it with the AWS.Tools precedence. ToString() never shows a secret.
/// </summary>
public sealed class AwsConnectionOptions
{
    /// <summary>-AccessKey: the access key id (not a secret, but only usable with <see cref="SecretKey"/>).</summary>
    public string? AccessKey { get; set; }

    /// <summary>-SecretKey: the secret access key. Never logged.</summary>
    public string? SecretKey { get; set; }

    /// <summary>-SessionToken: the session token of temporary credentials. Never logged.</summary>
    public string? SessionToken { get; set; }

    /// <summary>
    /// -Credential: an <c>Amazon.Runtime.AWSCredentials</c>, possibly from another copy of AWSSDK.Core (AWS.Tools in the
    /// default load context), or an AWS.Tools AWSPSCredentials-like object with a <c>Credentials</c> property.
    /// Foreign objects are duck-typed by reflection and asked for credentials on every request, so refreshing
    /// credentials keep refreshing.
    /// </summary>
    public object? Credential { get; set; }

    /// <summary>-ProfileName: a profile in the shared credentials/config files (or the .NET SDK store on Windows).</summary>
    public string? ProfileName { get; set; }

    /// <summary>-ProfileLocation: the shared credentials file to read profiles from; its folder's "config" file is read too.</summary>
    public string? ProfileLocation { get; set; }

    /// <summary>-Region: the system name of the region, e.g. "eu-west-1".</summary>
    public string? Region { get; set; }

    /// <summary>-EndpointUrl: overrides the IoT, IAM and STS endpoints (moto serves all three on one port).</summary>
    public string? EndpointUrl { get; set; }

    /// <summary>The value of the session variable $StoredAWSCredentials (AWS.Tools' Set-AWSCredential), if any.</summary>
    public object? StoredCredentials { get; set; }

    /// <summary>The value of the session variable $StoredAWSRegion (AWS.Tools' Set-DefaultAWSRegion), if any.</summary>
    public string? StoredRegion { get; set; }

    /// <summary>
    /// How environment variables are read (AWS_ACCESS_KEY_ID, AWS_PROFILE, AWS_REGION, AWS_SHARED_CREDENTIALS_FILE,
    /// HOME, AWS_EC2_METADATA_DISABLED...). Injectable so tests need not touch the process environment.
    /// </summary>
    public Func<string, string?> GetEnvironmentVariable { get; set; } = Environment.GetEnvironmentVariable;

    /// <summary>A secret-free summary.</summary>
    public override string ToString()
    {
        return $"AwsConnectionOptions(AccessKey={(AccessKey is null ? "none" : "set")}, SecretKey={(SecretKey is null ? "none" : "***")}, " +
            $"SessionToken={(SessionToken is null ? "none" : "***")}, Credential={Credential?.GetType().Name ?? "none"}, " +
            $"ProfileName={ProfileName ?? "none"}, ProfileLocation={ProfileLocation ?? "none"}, Region={Region ?? "none"}, " +
            $"EndpointUrl={EndpointUrl ?? "none"}, StoredCredentials={StoredCredentials?.GetType().Name ?? "none"}, StoredRegion={StoredRegion ?? "none"})";
    }
}

/// <summary>
/// An access key pair given as one credential (PowerShell's PSCredential: the access key id as user name, the secret as
/// password). Its text never shows the secret.
/// </summary>
public sealed class AwsKeyPair
{
    public AwsKeyPair(string accessKey, string secretKey, string? sessionToken = null)
    {
        AccessKey = accessKey;
        SecretKey = secretKey;
        SessionToken = sessionToken;
    }

    public string AccessKey { get; }

    internal string SecretKey { get; }

    internal string? SessionToken { get; }

    public override string ToString() => AccessKey + " (secret not shown)";
}
