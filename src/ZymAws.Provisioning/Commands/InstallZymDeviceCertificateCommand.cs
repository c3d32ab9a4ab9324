using System;
using System.IO;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using ZymAws.Engine;
using ZymAws.Engine.DeviceCredentials;
using ZymAws.Provisioning.Infrastructure;

namespace ZymAws.Provisioning.Commands;

/// <summary>
/// On the device: puts the device certificate (device.crt) and, when given, the credentials provider's trust anchor
/// (credentials-provider-ca.pem) into the device folder (/opt/zymbit, or $env:ZYMAWS_DEVICE_DIRECTORY), where
/// Get-ZymAwsCredential and Install-ZymCredentialProcess look by default. Certificates only: the key stays in the Zymkey.
/// </summary>
[Cmdlet(VerbsLifecycle.Install, "ZymDeviceCertificate", HelpUri = HelpLinks.DocsBaseUri + "Install-ZymDeviceCertificate.md", SupportsShouldProcess = true)]
[OutputType(typeof(InstalledDeviceCertificate))]
public sealed class InstallZymDeviceCertificateCommand : ZymAsyncCmdlet
{
    private FileSystemPaths? _paths;

    /// <summary>The device certificate issued for this device (PEM).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName", "Path")]
    public string CertificatePath { get; set; } = string.Empty;

    /// <summary>
    /// The certificates that vouch for the credentials provider's server: Amazon Root CA 1 and 3 on AWS (when the system
    /// store lacks them), the local endpoint's CA in a rehearsal. Not the device CA: it cannot verify AWS's server.
    /// </summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("ServerCaCertificatePath")]
    public string? ServerCaCertificate { get; set; }

    /// <summary>The device folder. Default: $env:ZYMAWS_DEVICE_DIRECTORY, else /opt/zymbit.</summary>
    [Parameter]
    public string? Directory { get; set; }

    /// <summary>Replace files that are there.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override Task BeginProcessingAsync(CancellationToken cancellationToken)
    {
        _paths = new FileSystemPaths(this);
        return Task.CompletedTask;
    }

    protected override Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        try
        {
            string folder = string.IsNullOrEmpty(Directory) ? DeviceCredentialOptions.DeviceDirectory : _paths!.ResolveOutputPath(Directory!);
            string source = _paths!.ResolveInputPath(CertificatePath);
            string? anchors = string.IsNullOrEmpty(ServerCaCertificate) ? null : _paths.ResolveInputPath(ServerCaCertificate!);
            if (!ShouldProcess(folder, $"Install device certificate {source}" + (anchors is null ? string.Empty : $" and server trust anchor {anchors}")))
            {
                return Task.CompletedTask;
            }

            var installed = DeviceCertificateInstaller.Install(source, anchors, folder, Force);
            Pipeline.WriteObject(new InstalledDeviceCertificate(installed.CertificatePath, installed.ServerCaCertificatePath, installed.Certificate.ThingName,
                installed.Certificate.RoleAlias, installed.Certificate.DeviceSubject.CredentialEndpointHost, installed.Certificate.Region));
        }
        catch (Exception e) when (e is ZymException or ItemNotFoundException)
        {
            Pipeline.WriteError(e, CertificatePath);
        }

        return Task.CompletedTask;
    }
}
