using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using ZymAws.Engine;
using ZymAws.Engine.Aws;
using ZymAws.Engine.Diagnostics;

namespace ZymAws.Provisioning.Infrastructure;

/// <summary>
/// Base of every cmdlet that calls AWS. Carries the AWS Tools for PowerShell common parameters and resolves
/// credentials and region exactly as AWS.Tools does: literal keys, -Credential, -ProfileName, the session's
/// $StoredAWSCredentials, the environment, AWS_PROFILE, the default profile, instance metadata.
/// </summary>
public abstract class AwsCmdlet : ZymAsyncCmdlet
{
    private AwsConnectionOptions? _options;
    private AwsSession? _session;

    /// <summary>The AWS region to call (AWS.Tools: -Region).</summary>
    [Parameter]
    [Alias("RegionToCall")]
    [ArgumentCompleter(typeof(AwsRegionCompleter))]
    public string? Region { get; set; }

    /// <summary>A profile in the shared credentials/config files.</summary>
    [Parameter]
    [Alias("AWSProfileName", "StoredCredentials")]
    [ArgumentCompleter(typeof(AwsProfileCompleter))]
    public string? ProfileName { get; set; }

    /// <summary>The shared credentials file to read profiles from.</summary>
    [Parameter]
    [Alias("AWSProfilesLocation", "ProfilesLocation")]
    public string? ProfileLocation { get; set; }

    /// <summary>Literal access key id.</summary>
    [Parameter]
    [Alias("AK")]
    public string? AccessKey { get; set; }

    /// <summary>Literal secret access key.</summary>
    [Parameter]
    [Alias("SK", "SecretAccessKey")]
    public string? SecretKey { get; set; }

    /// <summary>Literal session token.</summary>
    [Parameter]
    [Alias("ST")]
    public string? SessionToken { get; set; }

    /// <summary>An Amazon.Runtime.AWSCredentials object (from this module or from AWS.Tools), or a PSCredential: access key id as user name, secret access key as password.</summary>
    [Parameter]
    public PSObject? Credential { get; set; }

    /// <summary>Overrides the service endpoint (IoT, IAM and STS), e.g. a local moto_server.</summary>
    [Parameter]
    public string? EndpointUrl { get; set; }

    /// <summary>
    /// The resolved AWS session, created on first use. Missing or unusable credentials or region fail the whole
    /// command (a terminating error), since no item could succeed without them.
    /// </summary>
    protected AwsSession GetSession()
    {
        if (_session is not null)
        {
            return _session;
        }

        try
        {
            return _session = AwsSession.Create(_options!, ClientSettings, Log);
        }
        catch (ZymException e)
        {
            throw Terminate(e, null);
        }
    }

    /// <summary>Retry, rate-limit and timeout settings; cmdlets with their own knobs override this.</summary>
    /// <summary>
    /// The session, or null with the reason when no AWS credentials or region can be found (AwsCredentialsNotFound,
    /// AwsRegionNotFound): for a cmdlet that checks AWS only when it can. Any other failure (a profile that was named
    /// but does not exist, a malformed -EndpointUrl) fails the command as <see cref="GetSession"/> does.
    /// </summary>
    protected AwsSession? TryGetSession(out ZymException? unavailable)
    {
        unavailable = null;
        if (_session is not null)
        {
            return _session;
        }

        try
        {
            return _session = AwsSession.Create(_options!, ClientSettings, Log);
        }
        catch (ZymException e) when (e.ErrorId is "AwsCredentialsNotFound" or "AwsRegionNotFound")
        {
            unavailable = e;
            return null;
        }
        catch (ZymException e)
        {
            throw Terminate(e, null);
        }
    }

    protected virtual AwsClientSettings ClientSettings => new();

    /// <summary>
    /// A session that outlives this command (the caller disposes it), logging to <paramref name="log"/> rather than to
    /// this command's streams; for long-running parts such as the local credentials endpoint.
    /// </summary>
    protected AwsSession CreateDetachedSession(IEngineLog log)
    {
        try
        {
            return AwsSession.Create(_options!, ClientSettings, log);
        }
        catch (ZymException e)
        {
            throw Terminate(e, null);
        }
    }

    protected override void BeginProcessingOnPipeline()
    {
        // Session state may only be read on the pipeline thread.
        _options = new AwsConnectionOptions
        {
            AccessKey = AccessKey,
            SecretKey = SecretKey,
            SessionToken = SessionToken,
            Credential = Credential?.BaseObject is PSCredential keys
                ? new AwsKeyPair(keys.UserName, keys.GetNetworkCredential().Password ?? string.Empty, SessionToken)
                : Credential?.BaseObject,
            ProfileName = ProfileName,
            ProfileLocation = ProfileLocation,
            Region = Region,
            EndpointUrl = EndpointUrl,
            StoredCredentials = PSValues.Unwrap(SessionState.PSVariable.GetValue("StoredAWSCredentials")),
            StoredRegion = PSValues.Unwrap(SessionState.PSVariable.GetValue("StoredAWSRegion"))?.ToString(),
        };
        base.BeginProcessingOnPipeline();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _session?.Dispose();
        }

        base.Dispose(disposing);
    }
}
