using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using ZymAws.Engine;
using ZymAws.Engine.Fleet;
using ZymAws.Provisioning.Infrastructure;

namespace ZymAws.Provisioning.Commands;

/// <summary>
/// Removes the AWS side of the credentials provider that Initialize-ZymCredentialProvider made: the IoT policy, the
/// role alias and the IAM role (those named), each only when it has the module's shape unless -Force. A policy still
/// attached to certificates is refused unless -Force, which detaches it (those devices lose credentials).
/// </summary>
[Cmdlet(VerbsCommon.Remove, "ZymCredentialProvider", HelpUri = HelpLinks.DocsBaseUri + "Remove-ZymCredentialProvider.md", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(CredentialProviderRemoval))]
public sealed class RemoveZymCredentialProviderCommand : AwsCmdlet
{
    /// <summary>The IAM role the credentials provider assumes.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(IamRoleCompleter))]
    public string? RoleName { get; set; }

    /// <summary>The role alias.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(RoleAliasCompleter))]
    public string? RoleAlias { get; set; }

    /// <summary>The IoT policy allowing iot:AssumeRoleWithCertificate on the alias.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(IotPolicyCompleter))]
    public string? PolicyName { get; set; }

    /// <summary>Remove them even when they are not the module's shape, and detach a policy still attached.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        if (RoleName is null && RoleAlias is null && PolicyName is null)
        {
            throw Terminate(ErrorRecords.InvalidArgument("CredentialProviderNameMissing", "Give -RoleName, -RoleAlias and/or -PolicyName (or pipe Initialize-ZymCredentialProvider's result).", null));
        }

        try
        {
            foreach (var step in await TearDown.RemoveCredentialProviderAsync(GetSession(), RoleName, RoleAlias, PolicyName, Force, Pipeline.ShouldProcessAsync, cancellationToken).ConfigureAwait(false))
            {
                if (step.Outcome == "Refused")
                {
                    Pipeline.WriteError(new ZymException("CredentialProviderPartNotRemoved", ZymErrorCategory.InvalidOperation, $"{step.Kind} '{step.Name}' was not removed: {step.Detail}.", step.Name), step.Name);
                }
                else if (step.Error is not null)
                {
                    Pipeline.WriteError(step.Error, step.Name);
                }

                if (step.Outcome == "Skipped" && step.Detail == TearDown.NotConfirmed)
                {
                    // -WhatIf, or answered No: as the other cmdlets, nothing to report.
                    continue;
                }

                Pipeline.WriteObject(new CredentialProviderRemoval(step));
            }
        }
        catch (ZymException e)
        {
            Pipeline.WriteError(e, RoleName ?? RoleAlias ?? PolicyName);
        }
    }
}
