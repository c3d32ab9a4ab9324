using System;
using System.Collections.Generic;
using System.IO;
using System.Threading.Tasks;
using Amazon.Runtime;
using Amazon.Runtime.CredentialManagement;
using Amazon.Util;

namespace ZymAws.Engine.Aws.Internal;

/// <summary>The outcome of resolving credentials and region: what to sign with, and where each came from.</summary>
internal sealed record AwsResolvedConnection(AWSCredentials Credentials, string CredentialSource, string Region, string RegionSource);

/// <summary>
/// Resolves credentials and region with the AWS.Tools precedence, using AWSSDK.Core's own profile store and
/// credentials factory (so SSO, assume-role, credential_process and source_profile profiles work as they do in
/// AWS.Tools and the CLI). Environment variables are read through <see cref="AwsConnectionOptions.GetEnvironmentVariable"/>.
/// </summary>
internal sealed class AwsCredentialResolver
{
    private readonly AwsConnectionOptions _options;
    private readonly List<string> _tried = new();

    public AwsCredentialResolver(AwsConnectionOptions options)
    {
        _options = options;
    }

    /// <summary>Optional hook to find the instance-metadata region (tests never reach it: they disable metadata).</summary>
    internal Func<string?> InstanceMetadataRegion { get; set; } = DefaultInstanceMetadataRegion;

    public AwsResolvedConnection Resolve()
    {
        var (credentials, source, credentialProfile) = ResolveCredentials();
        var (region, regionSource) = ResolveRegion(credentialProfile);
        return new AwsResolvedConnection(credentials, source, region, regionSource);
    }

    private (AWSCredentials Credentials, string Source, CredentialProfile? Profile) ResolveCredentials()
    {
        // 1. -AccessKey / -SecretKey / -SessionToken
        if (!string.IsNullOrEmpty(_options.AccessKey) || !string.IsNullOrEmpty(_options.SecretKey))
        {
            if (string.IsNullOrEmpty(_options.AccessKey) || string.IsNullOrEmpty(_options.SecretKey))
            {
                throw new ZymException("AwsCredentialIncomplete", ZymErrorCategory.InvalidArgument,
                    "-AccessKey and -SecretKey must be given together.", string.IsNullOrEmpty(_options.AccessKey) ? "AccessKey" : "SecretKey");
            }

            return (MakeStatic(_options.AccessKey!, _options.SecretKey!, _options.SessionToken), "-AccessKey/-SecretKey parameters", null);
        }

        // 2. -Credential
        if (_options.Credential is AwsKeyPair pair)
        {
            if (string.IsNullOrEmpty(pair.AccessKey) || string.IsNullOrEmpty(pair.SecretKey))
            {
                throw new ZymException("AwsCredentialIncomplete", ZymErrorCategory.InvalidArgument,
                    "A PSCredential given to -Credential needs the access key id as its user name and the secret access key as its password.", "Credential");
            }

            return (MakeStatic(pair.AccessKey, pair.SecretKey, pair.SessionToken), "-Credential (PSCredential: access key id and secret)", null);
        }

        if (_options.Credential is not null)
        {
            if (!ForeignAwsCredentials.TryAdapt(_options.Credential, out var adapted, out string typeName))
            {
                throw new ZymException("AwsCredentialTypeUnsupported", ZymErrorCategory.InvalidArgument,
                    $"-Credential must be an Amazon.Runtime.AWSCredentials (or an object with a Credentials property holding one), or a PSCredential (access key id as user name, secret access key as password); got {typeName}.", typeName);
            }

            return (adapted!, $"-Credential ({typeName})", null);
        }

        // 3. -ProfileName (+ -ProfileLocation)
        if (!string.IsNullOrEmpty(_options.ProfileName))
        {
            var store = new CredentialProfileStoreChain(ProfileLocationOrNull());
            if (!store.TryGetProfile(_options.ProfileName, out var profile))
            {
                throw new ZymException("AwsProfileNotFound", ZymErrorCategory.ObjectNotFound,
                    $"The AWS profile '{_options.ProfileName}' was not found in {DescribeStore()}.", _options.ProfileName);
            }

            return (FromProfile(profile, store), $"profile '{profile.Name}' ({DescribeStore()})", profile);
        }

        // 4. $StoredAWSCredentials (Set-AWSCredential): a credentials object, or the name of a profile (-StoreAs / -ProfileName).
        if (_options.StoredCredentials is string storedProfile && storedProfile.Trim().Length > 0)
        {
            var store = new CredentialProfileStoreChain(DefaultCredentialsFile());
            if (!store.TryGetProfile(storedProfile.Trim(), out var profile))
            {
                throw new ZymException("AwsProfileNotFound", ZymErrorCategory.ObjectNotFound,
                    $"The AWS profile '{storedProfile}' named by $StoredAWSCredentials was not found in {DescribeDefaultStore()}.", storedProfile);
            }

            return (FromProfile(profile, store), $"profile '{profile.Name}' from $StoredAWSCredentials ({DescribeDefaultStore()})", profile);
        }

        if (_options.StoredCredentials is not null)
        {
            if (ForeignAwsCredentials.TryAdapt(_options.StoredCredentials, out var stored, out string storedType))
            {
                return (stored!, $"$StoredAWSCredentials ({storedType})", null);
            }

            _tried.Add($"$StoredAWSCredentials (unusable object of type {storedType})");
        }
        else
        {
            _tried.Add("$StoredAWSCredentials (not set)");
        }

        // 5. AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN
        string? envAccessKey = Env("AWS_ACCESS_KEY_ID");
        string? envSecretKey = Env("AWS_SECRET_ACCESS_KEY");
        if (!string.IsNullOrEmpty(envAccessKey) && !string.IsNullOrEmpty(envSecretKey))
        {
            return (MakeStatic(envAccessKey!, envSecretKey!, Env("AWS_SESSION_TOKEN")), "environment variables AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY", null);
        }

        _tried.Add("environment variables AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (not set)");

        // 6. AWS_PROFILE, 7. the default profile
        var defaultStore = new CredentialProfileStoreChain(DefaultCredentialsFile());
        string? envProfile = Env("AWS_PROFILE");
        if (!string.IsNullOrEmpty(envProfile))
        {
            if (!defaultStore.TryGetProfile(envProfile, out var profile))
            {
                throw new ZymException("AwsProfileNotFound", ZymErrorCategory.ObjectNotFound,
                    $"The AWS profile '{envProfile}' named by AWS_PROFILE was not found in {DescribeDefaultStore()}.", envProfile);
            }

            return (FromProfile(profile, defaultStore), $"profile '{profile.Name}' from AWS_PROFILE ({DescribeDefaultStore()})", profile);
        }

        if (defaultStore.TryGetProfile(SharedCredentialsFile.DefaultProfileName, out var defaultProfile) && defaultProfile.CanCreateAWSCredentials)
        {
            return (FromProfile(defaultProfile, defaultStore), $"profile 'default' ({DescribeDefaultStore()})", defaultProfile);
        }

        _tried.Add($"profile 'default' in {DescribeDefaultStore()} (not found)");

        // 8. instance metadata (IMDS): contacted lazily at the first request.
        if (MetadataDisabled())
        {
            _tried.Add("instance metadata (disabled by AWS_EC2_METADATA_DISABLED)");
            throw NoCredentials();
        }

        _tried.Add("instance metadata");
        // Created at the first request, not here: InstanceProfileAWSCredentials asks the metadata service in its
        // constructor, and off EC2 that failure must become the "no credentials" error below.
        return (new InstanceMetadataCredentials(() => new InstanceProfileAWSCredentials(), string.Join("; ", _tried)), "instance metadata (EC2 instance profile)", null);
    }

    private (string Region, string Source) ResolveRegion(CredentialProfile? credentialProfile)
    {
        var tried = new List<string>();
        if (!string.IsNullOrWhiteSpace(_options.Region))
        {
            return (Validate(_options.Region!, "-Region"), "-Region parameter");
        }

        if (!string.IsNullOrWhiteSpace(_options.StoredRegion))
        {
            return (Validate(_options.StoredRegion!, "$StoredAWSRegion"), "$StoredAWSRegion");
        }

        tried.Add("-Region, $StoredAWSRegion");
        foreach (string variable in new[] { "AWS_REGION", "AWS_DEFAULT_REGION" })
        {
            string? value = Env(variable);
            if (!string.IsNullOrWhiteSpace(value))
            {
                return (Validate(value!, variable), "environment variable " + variable);
            }
        }

        tried.Add("AWS_REGION, AWS_DEFAULT_REGION");

        // The profile: the one that supplied credentials, else the one -ProfileName / AWS_PROFILE / "default" names.
        var profile = credentialProfile ?? FindRegionProfile();
        if (profile?.Region is not null)
        {
            return (profile.Region.SystemName, $"profile '{profile.Name}'");
        }

        tried.Add(profile is null ? "profile (none found)" : $"profile '{profile.Name}' (no region)");
        if (!MetadataDisabled())
        {
            string? imds = InstanceMetadataRegion();
            if (!string.IsNullOrEmpty(imds))
            {
                return (imds!, "instance metadata");
            }

            tried.Add("instance metadata (no answer)");
        }
        else
        {
            tried.Add("instance metadata (disabled by AWS_EC2_METADATA_DISABLED)");
        }

        throw new ZymException("AwsRegionNotFound", ZymErrorCategory.InvalidArgument,
            "No AWS region was found. Tried: " + string.Join("; ", tried) +
            ". Pass -Region, run Set-DefaultAWSRegion, set AWS_REGION, or add 'region' to the profile.", null);
    }

    private CredentialProfile? FindRegionProfile()
    {
        try
        {
            if (!string.IsNullOrEmpty(_options.ProfileName))
            {
                return new CredentialProfileStoreChain(ProfileLocationOrNull()).TryGetProfile(_options.ProfileName, out var p) ? p : null;
            }

            string name = Env("AWS_PROFILE") is { Length: > 0 } envProfile ? envProfile : SharedCredentialsFile.DefaultProfileName;
            return new CredentialProfileStoreChain(DefaultCredentialsFile()).TryGetProfile(name, out var profile) ? profile : null;
        }
        catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is ArgumentException)
        {
            return null;
        }
    }

    private string Validate(string region, string origin)
    {
        string trimmed = region.Trim();
        foreach (char c in trimmed)
        {
            if (!(char.IsLetterOrDigit(c) || c == '-'))
            {
                throw new ZymException("AwsRegionInvalid", ZymErrorCategory.InvalidArgument,
                    $"'{region}' (from {origin}) is not an AWS region name such as 'us-east-1'.", region);
            }
        }

        // A mistyped region fails before the network, with the nearest real one. Not against an emulator (an endpoint
        // override), which answers for whatever region it is given.
        string name = trimmed.ToLowerInvariant();
        if (!HasEndpointOverride() && !AwsRegions.IsKnown(name))
        {
            throw AwsRegions.Unknown(region, origin);
        }

        return name;
    }

    private bool HasEndpointOverride() =>
        !string.IsNullOrWhiteSpace(_options.EndpointUrl) || !string.IsNullOrWhiteSpace(Env("AWS_ENDPOINT_URL")) || !string.IsNullOrWhiteSpace(Env("AWS_ENDPOINT_URL_IOT"));

    private AWSCredentials FromProfile(CredentialProfile profile, ICredentialProfileSource source)
    {
        try
        {
            return AWSCredentialsFactory.GetAWSCredentials(profile, source);
        }
        catch (Exception ex) when (ex is not ZymException)
        {
            throw new ZymException("AwsProfileInvalid", ZymErrorCategory.InvalidData,
                $"The AWS profile '{profile.Name}' cannot supply credentials: {ex.Message}", profile.Name, ex);
        }
    }

    private static AWSCredentials MakeStatic(string accessKey, string secretKey, string? sessionToken)
    {
        return string.IsNullOrEmpty(sessionToken)
            ? new BasicAWSCredentials(accessKey, secretKey)
            : new SessionAWSCredentials(accessKey, secretKey, sessionToken);
    }

    private string? ProfileLocationOrNull() => string.IsNullOrEmpty(_options.ProfileLocation) ? null : _options.ProfileLocation;

    /// <summary>
    /// AWS_SHARED_CREDENTIALS_FILE, else $HOME/.aws/credentials (USERPROFILE on Windows), read through the injectable
    /// lookup; the SDK then reads the "config" file beside it (or AWS_CONFIG_FILE of the process).
    /// </summary>
    private string? DefaultCredentialsFile()
    {
        string? explicitFile = Env("AWS_SHARED_CREDENTIALS_FILE");
        if (!string.IsNullOrEmpty(explicitFile))
        {
            return explicitFile;
        }

        string? home = Env("HOME");
        if (string.IsNullOrEmpty(home))
        {
            home = Env("USERPROFILE");
        }

        if (string.IsNullOrEmpty(home))
        {
            return null;
        }

        string file = Path.Combine(home, ".aws", "credentials");

        // The SDK's own default location: pass null so the chain also searches the .NET SDK store on Windows.
        return string.Equals(Path.GetFullPath(file), Path.GetFullPath(SharedCredentialsFile.DefaultFilePath), StringComparison.Ordinal) ? null : file;
    }

    private string DescribeStore()
    {
        return _options.ProfileLocation is { Length: > 0 } location
            ? $"'{location}' and the config file beside it"
            : DescribeDefaultStore();
    }

    private string DescribeDefaultStore()
    {
        string? file = DefaultCredentialsFile();
        return file is null ? "the default shared credentials files" : $"'{file}' and the config file beside it";
    }

    private bool MetadataDisabled()
    {
        return string.Equals(Env("AWS_EC2_METADATA_DISABLED"), "true", StringComparison.OrdinalIgnoreCase);
    }

    private string? Env(string name)
    {
        try
        {
            return _options.GetEnvironmentVariable(name);
        }
        catch (System.Security.SecurityException)
        {
            return null;
        }
    }

    private ZymException NoCredentials()
    {
        return new ZymException("AwsCredentialsNotFound", ZymErrorCategory.AuthenticationError,
            "No AWS credentials were found. Tried: -AccessKey/-SecretKey, -Credential, -ProfileName (none given); " + string.Join("; ", _tried) +
            ". Pass -ProfileName or -AccessKey/-SecretKey, run Set-AWSCredential, or set AWS_PROFILE.", null);
    }

    private static string? DefaultInstanceMetadataRegion()
    {
        try
        {
            var task = Task.Run(() => EC2InstanceMetadata.Region?.SystemName);
            return task.Wait(TimeSpan.FromSeconds(3)) ? task.Result : null;
        }
        catch (Exception)
        {
            return null;
        }
    }

    /// <summary>Instance-profile credentials whose failure says what else was tried.</summary>
    private sealed class InstanceMetadataCredentials : AWSCredentials
    {
        private readonly Lazy<AWSCredentials> _inner;
        private readonly string _tried;

        public InstanceMetadataCredentials(Func<AWSCredentials> inner, string tried)
        {
            _inner = new Lazy<AWSCredentials>(inner);
            _tried = tried;
        }

        public override ImmutableCredentials GetCredentials()
        {
            try
            {
                return _inner.Value.GetCredentials();
            }
            catch (Exception ex) when (ex is not ZymException)
            {
                throw Fail(ex);
            }
        }

        public override async Task<ImmutableCredentials> GetCredentialsAsync()
        {
            try
            {
                return await _inner.Value.GetCredentialsAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not ZymException)
            {
                throw Fail(ex);
            }
        }

        private ZymException Fail(Exception ex)
        {
            return new ZymException("AwsCredentialsNotFound", ZymErrorCategory.AuthenticationError,
                "No AWS credentials were found. Tried: -AccessKey/-SecretKey, -Credential, -ProfileName (none given); " + _tried +
                $" ({ex.Message}). Pass -ProfileName or -AccessKey/-SecretKey, run Set-AWSCredential, or set AWS_PROFILE.", null, ex);
        }
    }
}
