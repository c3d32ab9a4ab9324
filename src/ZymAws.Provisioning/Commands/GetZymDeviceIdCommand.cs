using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using ZymAws.Provisioning.Infrastructure;
using ZymAws.Zymkey;

namespace ZymAws.Provisioning.Commands;

/// <summary>
/// Gets the device's stable unique id: a SHA-256 over the Zymkey serial number, /etc/machine-id, the Raspberry Pi
/// CPU serial and any extra values, rendered as "zym-" and 32 hex characters, a valid AWS IoT thing name.
/// </summary>
[Cmdlet(VerbsCommon.Get, "ZymDeviceId", HelpUri = HelpLinks.DocsBaseUri + "Get-ZymDeviceId.md")]
[OutputType(typeof(DeviceIdentity))]
public sealed class GetZymDeviceIdCommand : ZymkeyCmdlet
{
    /// <summary>Extra identifying values (name = value) mixed into the hash, e.g. a board serial.</summary>
    [Parameter(Position = 0)]
    public Hashtable? Extra { get; set; }

    protected override Task EndProcessingAsync(CancellationToken cancellationToken)
    {
        IReadOnlyDictionary<string, string>? extra = PSValues.ToStrings(Extra);
        try
        {
            using var device = OpenZymkey();
            var inputs = DeviceIdInputs.FromHost(device.GetSerialNumber(), null, extra);
            Pipeline.WriteObject(new DeviceIdentity(DeviceId.Compute(inputs), inputs.ZymkeySerial ?? string.Empty, DeviceId.InputsUsed(inputs), DeviceId.Recipe));
        }
        catch (Engine.ZymException e)
        {
            throw Terminate(e, LibraryPath);
        }

        return Task.CompletedTask;
    }
}
