using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ZymAws.Engine.DeviceCredentials;
using ZymAws.Engine.Diagnostics;

namespace ZymAws.Engine.Aws;

/// <summary>What a name completer lists.</summary>
public enum AwsNameKind
{
    IotPolicy,
    RoleAlias,
    IamRole,
    Thing,
}

/// <summary>
/// Names for tab completion: profiles from the shared config/credentials files, and IoT policies, role aliases, IAM
/// roles and things from the account (the first page, with the credentials the command line would use), cached for a
/// short while and quiet on any failure — completion must never hang or print errors.
/// </summary>
public static class AwsNameLister
{
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(30);
    private static readonly ConcurrentDictionary<string, (DateTime At, IReadOnlyList<string> Names)> s_cache = new(StringComparer.Ordinal);

    /// <summary>Profile names in the shared config and credentials files (or the given credentials file and its config).</summary>
    public static IReadOnlyList<string> Profiles(string? profileLocation = null)
    {
        try
        {
            // Every profile name, whatever it holds (a profile with only a region or an SSO session is a name an operator
            // types too), from the files AWS.Tools and the AWS CLI read: the credentials file (-ProfileLocation, else
            // AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials) and the config file (AWS_CONFIG_FILE, else ~/.aws/config).
            string credentials = string.IsNullOrEmpty(profileLocation) ? AwsSharedConfigFile.DefaultCredentialsPath : profileLocation!;
            return AwsSharedConfigFile.ProfileNames(credentials, credentialsFile: true)
                .Concat(AwsSharedConfigFile.ProfileNames(AwsSharedConfigFile.DefaultConfigPath, credentialsFile: false))
                .Distinct(StringComparer.Ordinal).OrderBy(n => n, StringComparer.Ordinal).ToList();
        }
        catch (Exception)
        {
            return Array.Empty<string>();
        }
    }

    /// <summary>Names of <paramref name="kind"/> in the account, or none when AWS cannot be asked quickly.</summary>
    public static IReadOnlyList<string> List(AwsNameKind kind, AwsConnectionOptions options, TimeSpan timeout)
    {
        string key = string.Join("|", kind, options.EndpointUrl, options.Region, options.ProfileName, options.AccessKey);
        if (s_cache.TryGetValue(key, out var cached) && DateTime.UtcNow - cached.At < CacheFor)
        {
            return cached.Names;
        }

        try
        {
            using var cts = new CancellationTokenSource(timeout);
            var settings = new AwsClientSettings { MaxAttempts = 1, AttemptTimeout = timeout, RateLimitingEnabled = false };
            using var session = AwsSession.Create(options, settings, NullEngineLog.Instance);
            var task = Task.Run(() => ListAsync(session, kind, cts.Token));
            if (!task.Wait(timeout))
            {
                // Too slow this time: nothing now, and nothing remembered, so the next Tab asks again.
                return Array.Empty<string>();
            }

            s_cache[key] = (DateTime.UtcNow, task.Result);
            return task.Result;
        }
        catch (Exception)
        {
            return Array.Empty<string>();
        }
    }

    private static async Task<IReadOnlyList<string>> ListAsync(AwsSession session, AwsNameKind kind, CancellationToken token)
    {
        switch (kind)
        {
            case AwsNameKind.IotPolicy:
                return (await session.Iot.ListPoliciesAsync(250, null, token).ConfigureAwait(false)).Items.Select(p => p.PolicyName).ToList();
            case AwsNameKind.RoleAlias:
                return (await session.Iot.ListRoleAliasesAsync(250, null, token).ConfigureAwait(false)).Items.ToList();
            case AwsNameKind.Thing:
                return (await session.Iot.ListThingsAsync(new IotListThingsRequest { MaxResults = 250 }, token).ConfigureAwait(false)).Items.Select(t => t.ThingName).ToList();
            default:
                return (await session.Iam.ListRolesAsync(token).ConfigureAwait(false)).ToList();
        }
    }
}
