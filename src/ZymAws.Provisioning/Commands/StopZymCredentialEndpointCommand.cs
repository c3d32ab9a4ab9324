using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using ZymAws.Provisioning.Infrastructure;

namespace ZymAws.Provisioning.Commands;

/// <summary>
/// Stops local credentials endpoints started by Start-ZymCredentialEndpoint: those piped in, those with the given ids,
/// or every one this session started. The module's removal and the end of the process stop them too.
/// </summary>
[Cmdlet(VerbsLifecycle.Stop, "ZymCredentialEndpoint", HelpUri = HelpLinks.DocsBaseUri + "Stop-ZymCredentialEndpoint.md", SupportsShouldProcess = true, DefaultParameterSetName = AllSet)]
[OutputType(typeof(CredentialEndpointServer))]
public sealed class StopZymCredentialEndpointCommand : ZymAsyncCmdlet
{
    private const string AllSet = "All";
    private const string ObjectSet = "InputObject";
    private const string IdSet = "Id";

    /// <summary>Endpoints to stop (from Start-ZymCredentialEndpoint).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = ObjectSet)]
    public CredentialEndpointServer[] InputObject { get; set; } = System.Array.Empty<CredentialEndpointServer>();

    /// <summary>Ids of endpoints to stop.</summary>
    [Parameter(Mandatory = true, ParameterSetName = IdSet)]
    public int[] Id { get; set; } = System.Array.Empty<int>();

    /// <summary>Write the stopped endpoints.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        var running = CredentialEndpointRegistry.Running;
        var chosen = ParameterSetName switch
        {
            ObjectSet => InputObject,
            IdSet => Id.Select(id => running.FirstOrDefault(r => r.Id == id) ?? NotRunning(id)).Where(r => r is not null).Select(r => r!).ToArray(),
            _ => running.ToArray(),
        };
        foreach (var server in chosen)
        {
            if (!ShouldProcess(server.Url, "Stop the local credentials endpoint"))
            {
                continue;
            }

            if (!CredentialEndpointRegistry.Stop(server))
            {
                Pipeline.WriteVerbose($"Endpoint {server.Id} ({server.Url}) was not running.");
            }

            if (PassThru)
            {
                Pipeline.WriteObject(server);
            }
        }

        return Task.CompletedTask;
    }

    private CredentialEndpointServer? NotRunning(int id)
    {
        Pipeline.WriteError(new ErrorRecord(new ItemNotFoundException($"No local credentials endpoint with id {id} is running in this session."), "CredentialEndpointNotFound", ErrorCategory.ObjectNotFound, id));
        return null;
    }
}
