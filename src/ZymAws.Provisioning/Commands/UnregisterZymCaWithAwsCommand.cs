using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using ZymAws.Engine;
using ZymAws.Engine.Fleet;
using ZymAws.Provisioning.Infrastructure;

namespace ZymAws.Provisioning.Commands;

/// <summary>
/// Deactivates and deletes a CA's registration with AWS IoT. Refused while device certificates it issued are still
/// registered, unless -RemoveDevices removes those devices with it (as Remove-ZymDevice does).
/// </summary>
[Cmdlet(VerbsLifecycle.Unregister, "ZymCaWithAws", HelpUri = HelpLinks.DocsBaseUri + "Unregister-ZymCaWithAws.md", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(CaUnregistrationResult))]
public sealed class UnregisterZymCaWithAwsCommand : AwsCmdlet
{
    private FileSystemPaths? _paths;

    /// <summary>The registered CA: a CA object, its registration, its certificate, or its id.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    public PSObject CertificateAuthority { get; set; } = null!;

    /// <summary>Remove the devices whose certificates the CA issued (certificates, and their things when nothing else is attached).</summary>
    [Parameter]
    public SwitchParameter RemoveDevices { get; set; }

    protected override Task BeginProcessingAsync(CancellationToken cancellationToken)
    {
        _paths = new FileSystemPaths(this);
        return Task.CompletedTask;
    }

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        var item = CertificateAuthority.BaseObject;
        try
        {
            string id = CaCertificateInput.TryGetId(item, _paths!.ResolveInputPath) ?? throw CaCertificateInput.Unusable(item);
            var result = await TearDown.UnregisterCaAsync(GetSession(), id, RemoveDevices, Pipeline.ShouldProcessAsync, Log, cancellationToken).ConfigureAwait(false);
            if (result is null)
            {
                return;
            }

            if (result.WasNotRegistered)
            {
                Pipeline.WriteVerbose($"CA {id} is not registered with AWS IoT in {GetSession().Region}: nothing to unregister.");
            }

            if (!result.Deleted)
            {
                Pipeline.WriteError(new ZymException("CaUnregistrationIncomplete", ZymErrorCategory.InvalidResult,
                    $"CA {id} is still registered: some of its devices could not be removed ({string.Join(", ", result.Left)}). Run the command again to finish.", item), item);
            }

            Pipeline.WriteObject(new CaUnregistrationResult(result));
        }
        catch (ZymException e)
        {
            Pipeline.WriteError(e, item);
        }
    }
}
