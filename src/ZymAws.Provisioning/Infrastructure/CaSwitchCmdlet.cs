using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using ZymAws.Engine;
using ZymAws.Engine.Fleet;

namespace ZymAws.Provisioning.Infrastructure;

/// <summary>Disable-/Enable-ZymCertificateAuthority: the CA to switch.</summary>
public abstract class CaSwitchCmdlet : AwsCmdlet
{
    private FileSystemPaths? _paths;

    /// <summary>The registered CA: a CA object, its registration (Register-ZymCaWithAws), its certificate, or its id.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    public PSObject CertificateAuthority { get; set; } = null!;

    protected abstract string TargetStatus { get; }

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
            var change = await DeviceSwitch.SetCaStatusAsync(GetSession(), id, TargetStatus, Pipeline.ShouldProcessAsync, cancellationToken).ConfigureAwait(false);
            if (change is not null)
            {
                Pipeline.WriteObject(new CaStatusChange(change));
            }
        }
        catch (ZymException e)
        {
            Pipeline.WriteError(e, item);
        }
    }
}
