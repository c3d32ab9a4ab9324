using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using ZymAws.Engine.Aws;

namespace ZymAws.Provisioning.Infrastructure;

/// <summary>Completion from a list: the names that start with what was typed, quoted when they need it.</summary>
public abstract class NameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        string prefix = (wordToComplete ?? string.Empty).Trim('\'', '"');
        return Names(fakeBoundParameters)
            .Where(n => n.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            .Select(n => new CompletionResult(n.IndexOfAny(new[] { ' ', '$', '`', '\'', '"', '(', ')', '{', '}', ';', ',' }) >= 0 ? "'" + n.Replace("'", "''") + "'" : n, n, CompletionResultType.ParameterValue, n));
    }

    protected abstract IEnumerable<string> Names(IDictionary boundParameters);

    /// <summary>The AWS connection the command line names so far (its -Region, -ProfileName, -EndpointUrl, keys), else the environment's.</summary>
    internal static AwsConnectionOptions Connection(IDictionary bound) => new()
    {
        Region = Text(bound, "Region"),
        ProfileName = Text(bound, "ProfileName"),
        ProfileLocation = Text(bound, "ProfileLocation"),
        EndpointUrl = Text(bound, "EndpointUrl"),
        AccessKey = Text(bound, "AccessKey"),
        SecretKey = Text(bound, "SecretKey"),
        SessionToken = Text(bound, "SessionToken"),
    };

    private static string? Text(IDictionary bound, string name) => bound.Contains(name) ? PSValues.Unwrap(bound[name])?.ToString() : null;
}

/// <summary>-Region: every region AWSSDK.Core's endpoint data knows (so new regions come with the SDK).</summary>
public sealed class AwsRegionCompleter : NameCompleter
{
    protected override IEnumerable<string> Names(IDictionary boundParameters) => AwsRegions.All;
}

/// <summary>-ProfileName: the profiles of the shared config and credentials files.</summary>
public sealed class AwsProfileCompleter : NameCompleter
{
    protected override IEnumerable<string> Names(IDictionary boundParameters) =>
        AwsNameLister.Profiles(boundParameters.Contains("ProfileLocation") ? boundParameters["ProfileLocation"]?.ToString() : null);
}

/// <summary>Names from the account, asked with the command line's connection (quickly, quietly, cached briefly).</summary>
public abstract class AwsResourceCompleter : NameCompleter
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    protected abstract AwsNameKind Kind { get; }

    protected override IEnumerable<string> Names(IDictionary boundParameters) => AwsNameLister.List(Kind, Connection(boundParameters), Timeout);
}

/// <summary>-PolicyName / -IotPolicy: the account's IoT policies.</summary>
public sealed class IotPolicyCompleter : AwsResourceCompleter
{
    protected override AwsNameKind Kind => AwsNameKind.IotPolicy;
}

/// <summary>-RoleAlias: the account's role aliases.</summary>
public sealed class RoleAliasCompleter : AwsResourceCompleter
{
    protected override AwsNameKind Kind => AwsNameKind.RoleAlias;
}

/// <summary>-RoleName: the account's IAM roles.</summary>
public sealed class IamRoleCompleter : AwsResourceCompleter
{
    protected override AwsNameKind Kind => AwsNameKind.IamRole;
}

/// <summary>-ThingName: the account's things.</summary>
public sealed class ThingNameCompleter : AwsResourceCompleter
{
    protected override AwsNameKind Kind => AwsNameKind.Thing;
}

/// <summary>-CertificateAuthority of Invoke-ZymDeviceProvisioning: its special values besides a CA object or file.</summary>
public sealed class CertificateAuthorityModeCompleter : NameCompleter
{
    protected override IEnumerable<string> Names(IDictionary boundParameters) => new[] { "AwsIot", "None" };
}
