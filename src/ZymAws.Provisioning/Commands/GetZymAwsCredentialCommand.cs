using System;
using System.Management.Automation;
using System.Security;
using System.Threading;
using System.Threading.Tasks;
using ZymAws.Engine;
using ZymAws.Engine.DeviceCredentials;
using ZymAws.Engine.Keys;
using ZymAws.Provisioning.Infrastructure;
using ZymAws.Zymkey;

namespace ZymAws.Provisioning.Commands;

/// <summary>
/// On the device: temporary AWS credentials from the AWS IoT credentials provider, over mutual TLS with the device
/// certificate and the key in the Zymkey (the key never leaves it) or a software key. Every value defaults from the
/// certificate's subject as the seed's credentials.sh does; credentials are cached until five minutes before expiry.
/// </summary>
[Cmdlet(VerbsCommon.Get, "ZymAwsCredential", HelpUri = HelpLinks.DocsBaseUri + "Get-ZymAwsCredential.md", DefaultParameterSetName = ObjectSet)]
[OutputType(typeof(AwsDeviceCredential), ParameterSetName = new[] { ObjectSet, EnvironmentSet })]
[OutputType(typeof(string), ParameterSetName = new[] { CredentialProcessSet })]
public sealed class GetZymAwsCredentialCommand : ZymkeyCmdlet
{
    private const string ObjectSet = "Object";
    private const string CredentialProcessSet = "CredentialProcess";
    private const string EnvironmentSet = "Environment";

    private FileSystemPaths? _paths;
    private ZymkeyKeyOpener? _zymkey;

    /// <summary>The device certificate. Default: /opt/zymbit/device.crt (or $env:ZYMAWS_DEVICE_DIRECTORY/device.crt).</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Certificate")]
    public string? CertificatePath { get; set; }

    /// <summary>Where the device key lives: Zymkey (default without -KeyPath) or Software.</summary>
    [Parameter]
    [ValidateSet("Software", "Zymkey")]
    public string? KeySource { get; set; }

    /// <summary>The software key file.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? KeyPath { get; set; }

    /// <summary>The Zymkey slot whose key signs the handshake (default 0).</summary>
    [Parameter]
    [ValidateRange(0, 1023)]
    public int Slot { get; set; }

    /// <summary>Passphrase of an encrypted software key file.</summary>
    [Parameter]
    public SecureString? Passphrase { get; set; }

    /// <summary>The thing name to send (x-amzn-iot-thingname). Default: the certificate's CN.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? ThingName { get; set; }

    /// <summary>Send no thing name header.</summary>
    [Parameter]
    public SwitchParameter NoThingName { get; set; }

    /// <summary>The role alias to ask for. Default: the certificate's OU.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? RoleAlias { get; set; }

    /// <summary>The credentials-provider endpoint: a prefix, a host or a URL (with a port). Default: the certificate's O= and L=.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? CredentialEndpoint { get; set; }

    /// <summary>The region. Default: the certificate's L= (or the endpoint host's).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(AwsRegionCompleter))]
    public string? Region { get; set; }

    /// <summary>host:port to connect to instead (a local endpoint, a proxy); the endpoint host is still sent and verified.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? ConnectAddress { get; set; }

    /// <summary>
    /// The certificates that may vouch for the server (a PEM file): Amazon Root CA 1/3 on AWS, the local endpoint's CA in a
    /// rehearsal. Default: credentials-provider-ca.pem in the device folder when present, else the system trust store.
    /// </summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("ServerCaCertificatePath")]
    public string? ServerCaCertificate { get; set; }

    /// <summary>A folder to cache credentials in (owner-only), shared with other processes; default the session's memory only.</summary>
    [Parameter]
    public string? CacheDirectory { get; set; }

    /// <summary>Ask the credentials provider even when cached credentials are still fresh.</summary>
    [Parameter]
    [Alias("Force")]
    public SwitchParameter Refresh { get; set; }

    /// <summary>Write credential_process JSON (Version 1, the real Expiration) instead of an object.</summary>
    [Parameter(Mandatory = true, ParameterSetName = CredentialProcessSet)]
    public SwitchParameter AsCredentialProcess { get; set; }

    /// <summary>Set AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION and AWS_DEFAULT_REGION in this process.</summary>
    [Parameter(Mandatory = true, ParameterSetName = EnvironmentSet)]
    public SwitchParameter SetEnvironment { get; set; }

    /// <summary>With -SetEnvironment, also write the credentials object.</summary>
    [Parameter(ParameterSetName = EnvironmentSet)]
    public SwitchParameter PassThru { get; set; }

    protected override Task BeginProcessingAsync(CancellationToken cancellationToken)
    {
        _paths = new FileSystemPaths(this);
        return Task.CompletedTask;
    }

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        var options = new DeviceCredentialOptions
        {
            Key = new DeviceKeySpec
            {
                Source = KeySource is null ? null : (DeviceKeySourceKind)Enum.Parse(typeof(DeviceKeySourceKind), KeySource),
                KeyPath = string.IsNullOrEmpty(KeyPath) ? null : _paths!.ResolveInputPath(KeyPath!),
                Slot = MyInvocation.BoundParameters.ContainsKey(nameof(Slot)) ? Slot : null,
                Passphrase = Secrets.ToChars(Passphrase),
            },
            ThingName = ThingName,
            NoThingName = NoThingName,
            RoleAlias = RoleAlias,
            CredentialEndpoint = CredentialEndpoint,
            Region = Region,
            ConnectAddress = ConnectAddress,
            ServerCaCertificatePath = string.IsNullOrEmpty(ServerCaCertificate) ? null : _paths!.ResolveInputPath(ServerCaCertificate!),
            CacheDirectory = string.IsNullOrEmpty(CacheDirectory) ? null : _paths!.ResolveOutputPath(CacheDirectory!),
            Refresh = Refresh,
        };
        // The device the error is about: the thing name given, else the engine's own target (the certificate's thing, or the file).
        object? target = ThingName;
        try
        {
            options.CertificatePath = string.IsNullOrEmpty(CertificatePath) ? DeviceCredentialOptions.DefaultCertificatePath : _paths!.ResolveInputPath(CertificatePath!);
            var credentials = await DeviceCredentialProvider.GetAsync(options, _zymkey ??= new ZymkeyKeyOpener(ZymkeyOptions, Log), Log, cancellationToken).ConfigureAwait(false);
            if (AsCredentialProcess)
            {
                Pipeline.WriteObject(credentials.ToCredentialProcessJson());
                return;
            }

            if (SetEnvironment)
            {
                Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", credentials.AccessKeyId);
                Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", credentials.SecretAccessKey);
                Environment.SetEnvironmentVariable("AWS_SESSION_TOKEN", credentials.SessionToken);
                if (credentials.Region is not null)
                {
                    Environment.SetEnvironmentVariable("AWS_REGION", credentials.Region);
                    Environment.SetEnvironmentVariable("AWS_DEFAULT_REGION", credentials.Region);
                }

                Pipeline.WriteVerbose($"Set AWS_ACCESS_KEY_ID ({credentials.AccessKeyId}), AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN{(credentials.Region is null ? string.Empty : ", AWS_REGION and AWS_DEFAULT_REGION")} in this process.");
                if (!PassThru)
                {
                    return;
                }
            }

            Pipeline.WriteObject(new AwsDeviceCredential(credentials));
        }
        catch (ZymkeyException e) when (e.ErrorId == "ZymkeyLibraryNotFound")
        {
            throw Terminate(e, target);
        }
        catch (Exception e) when (e is ZymException or ItemNotFoundException)
        {
            target ??= e is ItemNotFoundException ? CertificatePath : null;

            // As a credential process, one failure is the whole answer: fail the command (non-zero exit).
            if (AsCredentialProcess)
            {
                throw Terminate(e, target);
            }

            Pipeline.WriteError(e, target);
        }
        finally
        {
            Secrets.Clear(options.Key.Passphrase);
        }
    }

    protected override Task EndProcessingAsync(CancellationToken cancellationToken)
    {
        _zymkey?.Dispose();
        _zymkey = null;
        return Task.CompletedTask;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _zymkey?.Dispose();
        }

        base.Dispose(disposing);
    }
}
