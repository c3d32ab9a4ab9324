using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using ZymAws.Engine;
using ZymAws.Engine.Fleet;
using ZymAws.Provisioning.Infrastructure;

namespace ZymAws.Provisioning.Commands;

/// <summary>
/// Removes devices from AWS IoT: each certificate deactivated first (the device is silenced at once), its policies and
/// things detached, the certificate deleted; then the thing, when no other certificate is attached. Idempotent: a
/// device already gone is no error, and a removal a failed call interrupted is finished by running it again (its result
/// names what is left meanwhile).
/// </summary>
[Cmdlet(VerbsCommon.Remove, "ZymDevice", HelpUri = HelpLinks.DocsBaseUri + "Remove-ZymDevice.md", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(DeviceRemovalResult))]
public sealed class RemoveZymDeviceCommand : DeviceCmdlet
{
    protected override string ProgressActivity => "Removing devices";

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        await ForEachDeviceAsync(async device =>
        {
            try
            {
                var removal = await DeviceRemover.RemoveAsync(GetSession(), device, Pipeline.ShouldProcessAsync, Log, cancellationToken).ConfigureAwait(false);
                if (removal.Declined)
                {
                    return;
                }

                if (removal.Error is not null)
                {
                    Pipeline.WriteError(new ZymException("DeviceRemovalIncomplete", removal.Error.Category,
                        $"'{device}' is not fully removed ({removal.Error.Message}); left: {string.Join(", ", removal.Left)}. Run Remove-ZymDevice again to finish.",
                        device.Target, removal.Error), device.Target);
                }

                Pipeline.WriteObject(new DeviceRemovalResult(removal));
            }
            catch (ZymException e)
            {
                Pipeline.WriteError(e, device.Target);
            }
        }).ConfigureAwait(false);
    }
}
