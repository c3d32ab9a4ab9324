using System;
using System.IO;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using ZymAws.Engine;
using ZymAws.Engine.Aws;
using ZymAws.Engine.DeviceCredentials;
using ZymAws.Engine.IO;
using ZymAws.Provisioning.Infrastructure;

namespace ZymAws.Provisioning.Commands;

/// <summary>
/// Starts a local AWS IoT credentials-provider endpoint on loopback that behaves like AWS's (mutual TLS, the same checks,
/// statuses and messages, STS credentials for the alias's role) and judges against the control plane it is given — a
/// local moto in a rehearsal. Devices reach it with -ConnectAddress (or curl --resolve) while asking the real host name.
/// </summary>
[Cmdlet(VerbsLifecycle.Start, "ZymCredentialEndpoint", HelpUri = HelpLinks.DocsBaseUri + "Start-ZymCredentialEndpoint.md", SupportsShouldProcess = true)]
[OutputType(typeof(CredentialEndpointServer))]
public sealed class StartZymCredentialEndpointCommand : AwsCmdlet
{
    /// <summary>The loopback port; 0 (default) picks a free one.</summary>
    [Parameter]
    [ValidateRange(0, 65535)]
    public int Port { get; set; }

    /// <summary>
    /// The credentials-provider host to serve (what devices send as SNI). Default: the account's, from DescribeEndpoint
    /// against the control plane.
    /// </summary>
    [Parameter]
    [Alias("CredentialEndpoint")]
    public string? HostName { get; set; }

    protected override async Task EndProcessingAsync(CancellationToken cancellationToken)
    {
        var log = new RecentLog();
        var backend = CreateDetachedSession(log);
        LocalCredentialEndpoint? endpoint = null;
        string? folder = null;
        try
        {
            string host = HostName is { Length: > 0 } given
                ? CredentialEndpointName.Parse(given, backend.Region)!.Host ?? throw new ZymException(CredentialEndpointName.InvalidErrorId, ZymErrorCategory.InvalidArgument, $"'{given}' names no region.", given)
                : await backend.Iot.DescribeEndpointAsync(IotEndpointType.CredentialProvider, cancellationToken).ConfigureAwait(false);
            if (!await Pipeline.ShouldProcessAsync(host, $"Start a local credentials-provider endpoint on 127.0.0.1:{(Port == 0 ? "(a free port)" : Port.ToString())} judging against {backend.EndpointUrl ?? "AWS " + backend.Region}").ConfigureAwait(false))
            {
                backend.Dispose();
                return;
            }

            if (backend.EndpointUrl is null)
            {
                Pipeline.WriteWarning("Judging against AWS itself: the endpoint assumes the alias's role with your credentials, so the role must trust " +
                    $"you ({backend.CredentialSource}), not only credentials.iot.amazonaws.com; otherwise every device gets 400. It is meant for rehearsals against an emulator.");
            }

            endpoint = LocalCredentialEndpoint.Start(backend, new LocalCredentialEndpointOptions(host) { Port = Port }, log);
            folder = Path.Combine(Path.GetTempPath(), $"zymaws-endpoint-{endpoint.Port}-{Guid.NewGuid():n}");
            SecureFile.CreatePrivateDirectory(folder);
            string caPath = Path.Combine(folder, "server-ca.pem");
            SecureFile.WriteAllText(caPath, endpoint.ServerCaCertificatePem, overwrite: false, ownerOnly: false);
            Pipeline.WriteVerbose($"Local credentials endpoint {endpoint.Url} (connect to 127.0.0.1:{endpoint.Port}), judging against {backend.EndpointUrl ?? "AWS"}; server CA {caPath}.");
            Pipeline.WriteObject(CredentialEndpointRegistry.Add(endpoint, backend, caPath, log));
        }
        catch (ZymException e)
        {
            endpoint?.Dispose();
            backend.Dispose();
            if (folder is not null)
            {
                Directory.Delete(folder, recursive: true);
            }

            throw Terminate(e, HostName);
        }
    }
}
