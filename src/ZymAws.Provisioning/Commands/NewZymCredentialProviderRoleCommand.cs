using System;
using System.Collections;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using ZymAws.Engine;
using ZymAws.Engine.CredentialProvider;
using ZymAws.Provisioning.Infrastructure;

namespace ZymAws.Provisioning.Commands;

/// <summary>
/// Creates the IAM role the AWS IoT credentials provider assumes for devices: its trust policy names
/// credentials.iot.amazonaws.com, and it carries the permissions devices should get. Idempotent.
/// </summary>
[Cmdlet(VerbsCommon.New, "ZymCredentialProviderRole", SupportsShouldProcess = true)]
[OutputType(typeof(CredentialProviderRole))]
public sealed class NewZymCredentialProviderRoleCommand : SetupCmdlet
{
    /// <summary>The role's name.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string RoleName { get; set; } = string.Empty;

    /// <summary>Managed policies to attach (the devices' permissions).</summary>
    [Parameter]
    public string[] PolicyArn { get; set; } = Array.Empty<string>();

    /// <summary>Inline policies: @{ name = '{ "Version": ... }' }.</summary>
    [Parameter]
    public Hashtable? InlinePolicy { get; set; }

    /// <summary>The role's maximum session duration in seconds (3600-43200); 3600 for a new role when not given.</summary>
    [Parameter]
    [ValidateRange(Engine.CredentialProvider.CredentialProviderSetup.MinRoleSessionDuration, Engine.CredentialProvider.CredentialProviderSetup.MaxRoleSessionDuration)]
    public int MaxSessionDuration { get; set; } = 3600;

    /// <summary>The role's IAM path.</summary>
    [Parameter]
    public string? RolePath { get; set; }

    /// <summary>The role's description.</summary>
    [Parameter]
    public string? Description { get; set; }

    /// <summary>Brings an existing role in line (trust policy, session duration, policies) instead of only reporting the differences.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        try
        {
            var options = new CredentialProviderRoleOptions(RoleName)
            {
                MaxSessionDuration = MyInvocation.BoundParameters.ContainsKey(nameof(MaxSessionDuration)) ? MaxSessionDuration : null,
                Path = RolePath,
                Description = Description,
                AllowUpdate = Force.IsPresent,
            };
            foreach (var arn in PolicyArn)
            {
                options.ManagedPolicyArns.Add(arn);
            }

            CopyInlinePolicies(InlinePolicy, options.InlinePolicies);
            var result = await CreateSetup().EnsureRoleAsync(options, Confirm, cancellationToken).ConfigureAwait(false);
            WriteObject(new CredentialProviderRole(result));
        }
        catch (Exception e) when (e is ZymException or PSArgumentException)
        {
            WriteError(e, RoleName);
        }
    }
}
