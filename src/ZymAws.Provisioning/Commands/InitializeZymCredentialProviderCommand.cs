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
/// The whole AWS side of the credentials provider in one idempotent step: the IAM role, the role alias, and the
/// IoT policy allowing the alias; returns their ARNs and the credentials endpoint. Run it twice and the second run
/// changes nothing and says what already existed.
/// </summary>
[Cmdlet(VerbsData.Initialize, "ZymCredentialProvider", HelpUri = HelpLinks.DocsBaseUri + "Initialize-ZymCredentialProvider.md", SupportsShouldProcess = true)]
[OutputType(typeof(CredentialProviderSetup))]
public sealed class InitializeZymCredentialProviderCommand : RoleSetupCmdlet
{
    /// <summary>The IAM role's name.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(IamRoleCompleter))]
    public string RoleName { get; set; } = string.Empty;

    /// <summary>The role alias's name.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(RoleAliasCompleter))]
    public string RoleAlias { get; set; } = string.Empty;

    /// <summary>The IoT policy's name.</summary>
    [Parameter(Mandatory = true, Position = 2)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(IotPolicyCompleter))]
    public string PolicyName { get; set; } = string.Empty;

    /// <summary>How long device credentials are valid (900-43200 s, at most MaxSessionDuration).</summary>
    [Parameter]
    [ValidateRange(Engine.CredentialProvider.CredentialProviderProvisioner.MinCredentialDurationSeconds, Engine.CredentialProvider.CredentialProviderProvisioner.MaxCredentialDurationSeconds)]
    public int CredentialDurationSeconds { get; set; } = Engine.CredentialProvider.CredentialProviderProvisioner.DefaultCredentialDurationSeconds;

    /// <summary>The attached-thing condition in the IoT policy; on unless -RequireAttachedThing:$false.</summary>
    [Parameter]
    public SwitchParameter RequireAttachedThing { get; set; }

    protected override async Task EndProcessingAsync(CancellationToken cancellationToken)
    {
        try
        {
            var options = new CredentialProviderInitializeOptions(RoleName, RoleAlias, PolicyName)
            {
                MaxSessionDuration = RequestedMaxSessionDuration,
                RolePath = RolePath,
                RoleDescription = Description,
                CredentialDurationSeconds = CredentialDurationSeconds,
                RequireAttachedThing = AttachedThingRequired(RequireAttachedThing),
                AllowUpdate = Force.IsPresent,
            };
            CopyRolePolicies(options.ManagedPolicyArns, options.InlinePolicies);
            var result = await CreateSetup().InitializeAsync(options, Confirm, cancellationToken).ConfigureAwait(false);
            var setup = new CredentialProviderSetup(result);
            Pipeline.WriteVerbose($"Role {setup.Role.RoleName}: {setup.RoleStatus}; alias {setup.RoleAlias}: {setup.RoleAliasStatus}; policy {setup.PolicyName}: {setup.PolicyStatus}.");
            Pipeline.WriteObject(setup);
        }
        catch (Exception e) when (e is ZymException or PSArgumentException)
        {
            throw Terminate(e, RoleAlias);
        }
    }
}
