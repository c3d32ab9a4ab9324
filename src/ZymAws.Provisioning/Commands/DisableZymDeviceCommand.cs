using System;
using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Host;
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
[Cmdlet(VerbsLifecycle.Disable, "ZymDevice", HelpUri = HelpLinks.DocsBaseUri + "Disable-ZymDevice.md", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(DeviceStatusChange))]
public sealed class DisableZymDeviceCommand : DeviceCmdlet
{
    protected override string ProgressActivity => "Disabling devices";

    /// <summary>REVOKED instead of INACTIVE: permanent (asks again, No by default, unless -Force).</summary>
    [Parameter]
    public SwitchParameter Revoke { get; set; }

    /// <summary>Revoke without the extra question.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    private bool _revokeConfirmed;

    protected override Task BeginProcessingAsync(CancellationToken cancellationToken)
    {
        _revokeConfirmed = !Revoke || Force || WhatIf() || ConfirmRevoke();
        return Task.CompletedTask;
    }

    /// <summary>The extra question for what cannot be undone: No unless answered Yes (Enter keeps No).</summary>
    private bool ConfirmRevoke()
    {
        var choices = new Collection<ChoiceDescription>
        {
            new("&Yes", "Revoke: these certificates can never be made ACTIVE again."),
            new("&No", "Do not revoke."),
        };
        try
        {
            return Host.UI.PromptForChoice("Revoke device certificates",
                "A REVOKED certificate cannot be made ACTIVE again: each device will need a new certificate. Revoke?", choices, 1) == 0;
        }
        catch (Exception e) when (e is not PipelineStoppedException)
        {
            throw Terminate(ErrorRecords.InvalidArgument("RevokeNeedsForce",
                "Revoking cannot be undone, and this session cannot ask: add -Force to revoke (or leave out -Revoke to disable, which Enable-ZymDevice undoes).", null));
        }
    }

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        if (!_revokeConfirmed)
        {
            return;
        }

        await ForEachDeviceAsync(async device =>
        {
            try
            {
                foreach (var change in await DeviceSwitch.SetStatusAsync(GetSession(), device, Revoke ? IotCertificateStatus.Revoked : IotCertificateStatus.Inactive,
                    Pipeline.ShouldProcessAsync, cancellationToken).ConfigureAwait(false))
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

    private bool WhatIf() => MyInvocation.BoundParameters.TryGetValue("WhatIf", out var value)
        ? value is SwitchParameter { IsPresent: true }
        : LanguagePrimitives.IsTrue(SessionState.PSVariable.GetValue("WhatIfPreference"));
}
