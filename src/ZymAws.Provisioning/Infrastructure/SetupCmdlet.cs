using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using System.Threading.Tasks;
using ZymAws.Engine.CredentialProvider;

namespace ZymAws.Provisioning.Infrastructure;

/// <summary>Shared by the credentials-provider setup cmdlets: the engine's setup object and -WhatIf/-Confirm.</summary>
public abstract class SetupCmdlet : AwsCmdlet
{
    internal Engine.CredentialProvider.CredentialProviderProvisioner CreateSetup() => new(GetSession(), Log);

    /// <summary>ShouldProcess for the engine, asked on the pipeline thread.</summary>
    internal System.Func<string, string, Task<bool>> Confirm => (target, action) => Pipeline.ShouldProcessAsync(target, action);

    /// <summary>
    /// -RequireAttachedThing is on unless the user turns it off (-RequireAttachedThing:$false), as the seed's policy
    /// always had the attached-thing condition.
    /// </summary>
    private protected bool AttachedThingRequired(SwitchParameter requireAttachedThing) =>
        !MyInvocation.BoundParameters.ContainsKey("RequireAttachedThing") || requireAttachedThing.IsPresent;

    /// <summary>-InlinePolicy @{ name = json } as the engine wants it.</summary>
    private protected static void CopyInlinePolicies(Hashtable? source, IDictionary<string, string> target)
    {
        foreach (var entry in PSValues.Entries(source))
        {
            if (entry.Value is not string json)
            {
                throw new PSArgumentException(
                    $"-InlinePolicy '{entry.Key}' must be a JSON policy document (a string); use ConvertTo-Json -Depth 10 on a hashtable.");
            }

            target[entry.Key] = json;
        }
    }
}

/// <summary>The cmdlets that create the credentials-provider role share its parameters.</summary>
public abstract class RoleSetupCmdlet : SetupCmdlet
{
    /// <summary>Managed policies to attach to the role (the devices' permissions).</summary>
    [Parameter]
    public string[] PolicyArn { get; set; } = System.Array.Empty<string>();

    /// <summary>Inline role policies: @{ name = '{ "Version": ... }' }.</summary>
    [Parameter]
    public Hashtable? InlinePolicy { get; set; }

    /// <summary>The role's maximum session duration in seconds (3600-43200); 3600 for a new role when not given.</summary>
    [Parameter]
    [ValidateRange(Engine.CredentialProvider.CredentialProviderProvisioner.MinRoleSessionDuration, Engine.CredentialProvider.CredentialProviderProvisioner.MaxRoleSessionDuration)]
    public int MaxSessionDuration { get; set; } = Engine.CredentialProvider.CredentialProviderProvisioner.DefaultRoleSessionDuration;

    /// <summary>The role's IAM path.</summary>
    [Parameter]
    public string? RolePath { get; set; }

    /// <summary>The role's description.</summary>
    [Parameter]
    public string? Description { get; set; }

    /// <summary>Brings existing resources in line instead of only reporting the differences.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>-MaxSessionDuration when given; null leaves an existing role's alone.</summary>
    private protected int? RequestedMaxSessionDuration =>
        MyInvocation.BoundParameters.ContainsKey(nameof(MaxSessionDuration)) ? MaxSessionDuration : null;

    /// <summary>-PolicyArn and -InlinePolicy into the engine's options.</summary>
    private protected void CopyRolePolicies(IList<string> managedPolicyArns, IDictionary<string, string> inlinePolicies)
    {
        foreach (var arn in PolicyArn)
        {
            managedPolicyArns.Add(arn);
        }

        CopyInlinePolicies(InlinePolicy, inlinePolicies);
    }
}
