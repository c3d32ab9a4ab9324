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
[Cmdlet(VerbsCommon.New, "ZymCredentialProviderRole", HelpUri = HelpLinks.DocsBaseUri + "New-ZymCredentialProviderRole.md", SupportsShouldProcess = true)]
[OutputType(typeof(CredentialProviderRole))]
public sealed class NewZymCredentialProviderRoleCommand : RoleSetupCmdlet
{
    /// <summary>The role's name.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string RoleName { get; set; } = string.Empty;

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        try
        {
            var options = new CredentialProviderRoleOptions(RoleName)
            {
                MaxSessionDuration = RequestedMaxSessionDuration,
                Path = RolePath,
                Description = Description,
                AllowUpdate = Force.IsPresent,
            };
            CopyRolePolicies(options.ManagedPolicyArns, options.InlinePolicies);
            var result = await CreateSetup().EnsureRoleAsync(options, Confirm, cancellationToken).ConfigureAwait(false);
            Pipeline.WriteObject(new CredentialProviderRole(result));
        }
        catch (Exception e) when (e is ZymException or PSArgumentException)
        {
            Pipeline.WriteError(e, RoleName);
        }
    }
}
