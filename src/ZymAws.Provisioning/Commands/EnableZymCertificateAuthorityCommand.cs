using System.Management.Automation;
using ZymAws.Engine.Aws;
using ZymAws.Provisioning.Infrastructure;

namespace ZymAws.Provisioning.Commands;

/// <summary>Sets a registered CA ACTIVE again: the devices it issued certificates to get credentials again (those whose own certificate is ACTIVE).</summary>
[Cmdlet(VerbsLifecycle.Enable, "ZymCertificateAuthority", HelpUri = HelpLinks.DocsBaseUri + "Enable-ZymCertificateAuthority.md", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(CaStatusChange))]
public sealed class EnableZymCertificateAuthorityCommand : CaSwitchCmdlet
{
    protected override string TargetStatus => IotCertificateStatus.Active;
}
