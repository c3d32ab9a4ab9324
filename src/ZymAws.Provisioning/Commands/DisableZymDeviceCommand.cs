using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using ZymAws.Engine;
using ZymAws.Engine.Aws;
using ZymAws.Engine.Fleet;
using ZymAws.Provisioning.Infrastructure;

namespace ZymAws.Provisioning.Commands;

/// <summary>
/// Silences devices: their certificates INACTIVE, so the credentials provider refuses them on their next request (the
/// fleet's other devices go on). -Revoke sets REVOKED instead, which cannot be undone. Enable-ZymDevice restores an
/// INACTIVE device. Credentials already issued stay valid until they expire.
/// </summary>
[Cmdlet(VerbsLifecycle.Disable, "ZymDevice", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(DeviceStatusChange))]
public sealed class DisableZymDeviceCommand : DeviceCmdlet
{
    /// <summary>REVOKED instead of INACTIVE: permanent (asks again unless -Force).</summary>
    [Parameter]
    public SwitchParameter Revoke { get; set; }

    /// <summary>Revoke without the extra question.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    private bool _revokeConfirmed;

    protected override Task BeginProcessingAsync(CancellationToken cancellationToken)
    {
        bool yesToAll = false, noToAll = false;
        _revokeConfirmed = !Revoke || Force || WhatIf()
            || ShouldContinue("A REVOKED certificate cannot be made ACTIVE again: each device will need a new certificate. Revoke?", "Revoke device certificates", ref yesToAll, ref noToAll);
        return Task.CompletedTask;
    }

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        if (!_revokeConfirmed)
        {
            return;
        }

        foreach (var device in Selectors())
        {
            try
            {
                foreach (var change in await DeviceSwitch.SetStatusAsync(GetSession(), device, Revoke ? IotCertificateStatus.Revoked : IotCertificateStatus.Inactive,
                    Pipeline.ShouldProcessAsync, cancellationToken).ConfigureAwait(false))
                {
                    Pipeline.WriteObject(new DeviceStatusChange(change));
                }
            }
            catch (ZymException e)
            {
                Pipeline.WriteError(e, device.Target);
            }
        }
    }

    private bool WhatIf() => MyInvocation.BoundParameters.TryGetValue("WhatIf", out var value) && value is SwitchParameter { IsPresent: true };
}
