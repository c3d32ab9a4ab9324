using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using ZymAws.Engine;
using ZymAws.Engine.Aws;
using ZymAws.Engine.Fleet;
using ZymAws.Provisioning.Infrastructure;

namespace ZymAws.Provisioning.Commands;

/// <summary>
/// Restores devices silenced with Disable-ZymDevice: their INACTIVE certificates ACTIVE again, so the credentials
/// provider serves them on their next request. A REVOKED certificate cannot be restored (CertificateRevoked).
/// </summary>
[Cmdlet(VerbsLifecycle.Enable, "ZymDevice", HelpUri = HelpLinks.DocsBaseUri + "Enable-ZymDevice.md", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(DeviceStatusChange))]
public sealed class EnableZymDeviceCommand : DeviceCmdlet
{
    protected override string ProgressActivity => "Enabling devices";

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        await ForEachDeviceAsync(async device =>
        {
            try
            {
                foreach (var change in await DeviceSwitch.SetStatusAsync(GetSession(), device, IotCertificateStatus.Active, Pipeline.ShouldProcessAsync, cancellationToken).ConfigureAwait(false))
                {
                    if (change.Error is not null)
                    {
                        Pipeline.WriteError(change.Error, device.Target);
                        continue;
                    }

                    Pipeline.WriteObject(new DeviceStatusChange(change));
                }
            }
            catch (ZymException e)
            {
                Pipeline.WriteError(e, device.Target);
            }
        }).ConfigureAwait(false);
    }
}
