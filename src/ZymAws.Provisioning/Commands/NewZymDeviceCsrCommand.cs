using System;
using System.IO;
using System.Management.Automation;
using System.Security;
using System.Threading;
using System.Threading.Tasks;
using ZymAws.Engine;
using ZymAws.Engine.Keys;
using ZymAws.Provisioning.Infrastructure;
using ZymAws.Zymkey;
using EnginePki = ZymAws.Engine.Pki;

namespace ZymAws.Provisioning.Commands;

/// <summary>
/// Makes a device's certificate signing request, signed by its key: a software key file, or the key inside the
/// Zymkey (the key never leaves it). The subject follows the seed layout so devices interoperate with the seed's
/// scripts: ST = IoT policy, L = region, O = credentials-endpoint prefix, OU = role alias, CN = thing name.
/// </summary>
[Cmdlet(VerbsCommon.New, "ZymDeviceCsr", HelpUri = HelpLinks.DocsBaseUri + "New-ZymDeviceCsr.md", SupportsShouldProcess = true)]
[OutputType(typeof(DeviceCsr))]
public sealed class NewZymDeviceCsrCommand : ZymkeyCmdlet
{
    private ZymkeyKeyOpener? _zymkey;
    private FileSystemPaths? _paths;
    private OutputFiles? _output;
    private readonly DeviceKeyOwners _keyOwners = new();

    /// <summary>The device's AWS IoT thing name (CN): 1-128 of a-z A-Z 0-9 : _ -.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("DeviceId", "Name")]
    [ThingNameInput("ThingName", "DeviceId", "Name")]
    [ValidateNotNullOrEmpty]
    public string ThingName { get; set; } = string.Empty;

    /// <summary>
    /// Where the device key lives: a software key file (-KeyPath) or the Zymkey (-Slot). Default: Software when
    /// -KeyPath is given, else Zymkey.
    /// </summary>
    [Parameter]
    [ValidateSet("Software", "Zymkey")]
    public string? KeySource { get; set; }

    /// <summary>The software key file; a new P-256 key is generated and saved there when the file does not exist.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? KeyPath { get; set; }

    /// <summary>The Zymkey key slot (Zymkey 4i / HSM4: 0-2).</summary>
    [Parameter]
    [ValidateRange(0, 1023)]
    public int Slot { get; set; }

    /// <summary>Passphrase of the software key file (to read it, or to encrypt a new one).</summary>
    [Parameter]
    public SecureString? Passphrase { get; set; }

    /// <summary>Saves a newly generated software key unencrypted (owner-only file mode).</summary>
    [Parameter]
    public SwitchParameter NoPassphrase { get; set; }

    /// <summary>The IoT policy name (ST).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("PolicyName")]
    [ArgumentCompleter(typeof(IotPolicyCompleter))]
    public string? IotPolicy { get; set; }

    /// <summary>The AWS region (L).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(AwsRegionCompleter))]
    public string? Region { get; set; }

    /// <summary>The credentials-provider endpoint: its prefix, or the full host (O holds the prefix).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? CredentialEndpoint { get; set; }

    /// <summary>The role alias (OU).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(RoleAliasCompleter))]
    public string? RoleAlias { get; set; }

    /// <summary>Writes the CSR (PEM) to this file.</summary>
    [Parameter]
    public string? OutFile { get; set; }

    /// <summary>Writes the CSR (PEM) to &lt;ThingName&gt;.csr in this folder.</summary>
    [Parameter]
    public string? OutDirectory { get; set; }

    /// <summary>Overwrites an existing CSR file.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    private BatchProgress? _progress;

    protected override Task BeginProcessingAsync(CancellationToken cancellationToken)
    {
        _paths = new FileSystemPaths(this);
        _output = OutputFiles.From(_paths, OutFile, OutDirectory, ".csr");
        return Task.CompletedTask;
    }

    protected override Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        if (MyInvocation.ExpectingInput)
        {
            // Piped (a fleet.csv): the count is not known, so progress shows how many are done and the device at hand.
            (_progress ??= new BatchProgress(Pipeline, "Creating device CSRs")).Next(ThingName);
        }

        var target = ThingName;
        var spec = new DeviceKeySpec
        {
            Source = KeySource is null ? null : (DeviceKeySourceKind)Enum.Parse(typeof(DeviceKeySourceKind), KeySource),
            KeyPath = string.IsNullOrEmpty(KeyPath) ? null : _paths!.ResolveOutputPath(KeyPath!),
            Slot = MyInvocation.BoundParameters.ContainsKey(nameof(Slot)) ? Slot : null,
            NoPassphrase = NoPassphrase,
        };
        IDeviceKey? key = null;
        try
        {
            var subject = new EnginePki.DeviceSubject(ThingName, IotPolicy, Region, CredentialEndpoint, RoleAlias);
            var outPath = _output?.PathFor(ThingName);
            spec.Resolve(target);
            _keyOwners.Claim(spec.Describe(target), ThingName, target);
            if (!ShouldProcess(ThingName, outPath is null ? "Create CSR" : $"Create CSR {outPath}"))
            {
                return Task.CompletedTask;
            }

            spec.Passphrase = Secrets.ToChars(Passphrase);
            key = spec.Open(_zymkey ??= new ZymkeyKeyOpener(ZymkeyOptions, Log), createIfMissing: true, target, Log);
            var csr = EnginePki.SigningRequest.Create(key, subject);
            if (outPath is not null)
            {
                Engine.IO.PemFile.Write(outPath, csr.Pem, Force.IsPresent);
            }

            Pipeline.WriteObject(new DeviceCsr(csr, spec.Describe(target), outPath));
        }
        catch (ZymkeyException e) when (e.ErrorId == "ZymkeyLibraryNotFound")
        {
            throw Terminate(e, target);
        }
        catch (ZymException e)
        {
            Pipeline.WriteError(e, target);
        }
        finally
        {
            Secrets.Clear(spec.Passphrase);
            key?.Dispose();
        }

        return Task.CompletedTask;
    }

    protected override Task EndProcessingAsync(CancellationToken cancellationToken)
    {
        _progress?.Complete();
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
