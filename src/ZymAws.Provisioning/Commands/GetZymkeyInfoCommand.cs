using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using ZymAws.Provisioning.Infrastructure;

namespace ZymAws.Provisioning.Commands;

/// <summary>Gets the Zymkey's model, firmware version, serial number and, where it can say, its key slots.</summary>
[Cmdlet(VerbsCommon.Get, "ZymkeyInfo", HelpUri = HelpLinks.DocsBaseUri + "Get-ZymkeyInfo.md")]
[OutputType(typeof(ZymkeyInfo))]
public sealed class GetZymkeyInfoCommand : ZymkeyCmdlet
{
    protected override Task EndProcessingAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var device = OpenZymkey();
            var info = device.GetInfo();
            Pipeline.WriteObject(new ZymkeyInfo
            {
                Model = info.Model,
                FirmwareVersion = info.FirmwareVersion,
                SerialNumber = info.SerialNumber,
                AllocatedSlots = info.AllocatedSlots?.ToArray() ?? new int[0],
                MaxKeySlots = info.MaxKeySlots,
                LibraryPath = info.LibraryPath,
            });
        }
        catch (Engine.ZymException e)
        {
            throw Terminate(e, LibraryPath);
        }

        return Task.CompletedTask;
    }
}
