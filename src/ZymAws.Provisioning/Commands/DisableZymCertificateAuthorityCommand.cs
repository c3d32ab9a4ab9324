using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using ZymAws.Engine;
using ZymAws.Engine.Aws;
using ZymAws.Engine.Fleet;
using ZymAws.Provisioning.Infrastructure;

namespace ZymAws.Provisioning.Commands;

/// <summary>
/// The fleet-wide switch: sets a registered CA INACTIVE, so the credentials provider refuses every certificate it issued
/// (each device keeps its own status; Enable-ZymCertificateAuthority brings them all back). Reports how many device
/// certificates it governs.
/// </summary>
[Cmdlet(VerbsLifecycle.Disable, "ZymCertificateAuthority", HelpUri = HelpLinks.DocsBaseUri + "Disable-ZymCertificateAuthority.md", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(CaStatusChange))]
public sealed class DisableZymCertificateAuthorityCommand : CaSwitchCmdlet
{
    protected override string TargetStatus => IotCertificateStatus.Inactive;
}
