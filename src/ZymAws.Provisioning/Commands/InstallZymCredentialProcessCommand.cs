using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using ZymAws.Engine;
using ZymAws.Engine.DeviceCredentials;
using ZymAws.Engine.Keys;
using ZymAws.Provisioning.Infrastructure;
using ZymAws.Zymkey;

namespace ZymAws.Provisioning.Commands;

/// <summary>
/// On the device: writes (or updates) a profile in the AWS shared config whose credential_process gets the device's
/// credentials, so the AWS CLI and SDKs just work. It runs the native zymaws-credential helper when the module carries
/// one for this machine, else the module through pwsh. Only the profile's region and credential_process change; the
/// rest of the file is kept as it is, and the file is replaced atomically.
/// </summary>
[Cmdlet(VerbsLifecycle.Install, "ZymCredentialProcess", HelpUri = HelpLinks.DocsBaseUri + "Install-ZymCredentialProcess.md", SupportsShouldProcess = true)]
[OutputType(typeof(CredentialProcessProfile))]
public sealed class InstallZymCredentialProcessCommand : ZymkeyCmdlet
{
    private FileSystemPaths? _paths;
    private ZymkeyKeyOpener? _zymkey;

    /// <summary>The profile to write, e.g. zymkey (AWS_PROFILE=zymkey, or aws --profile zymkey).</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string ProfileName { get; set; } = string.Empty;

    /// <summary>The shared config file. Default: $env:AWS_CONFIG_FILE, else ~/.aws/config.</summary>
    [Parameter]
    public string? ConfigPath { get; set; }

    /// <summary>The device certificate. Default: the device folder's device.crt.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? CertificatePath { get; set; }

    /// <summary>Where the device key lives: Zymkey (default without -KeyPath) or Software.</summary>
    [Parameter]
    [ValidateSet("Software", "Zymkey")]
    public string? KeySource { get; set; }

    /// <summary>A software key file (unencrypted: a credential process cannot ask for a passphrase).</summary>
    [Parameter]
    public string? KeyPath { get; set; }

    /// <summary>The Zymkey slot.</summary>
    [Parameter]
    [ValidateRange(0, 1023)]
    public int Slot { get; set; }

    /// <summary>The thing name to send. Default: the certificate's CN.</summary>
    [Parameter]
    public string? ThingName { get; set; }

    /// <summary>Send no thing name header.</summary>
    [Parameter]
    public SwitchParameter NoThingName { get; set; }

    /// <summary>The role alias. Default: the certificate's OU.</summary>
    [Parameter]
    public string? RoleAlias { get; set; }

    /// <summary>The credentials-provider endpoint. Default: the certificate's O= and L=.</summary>
    [Parameter]
    public string? CredentialEndpoint { get; set; }

    /// <summary>The profile's region (and the credentials'). Default: the certificate's L=.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(AwsRegionCompleter))]
    public string? Region { get; set; }

    /// <summary>host:port to connect to instead (a local endpoint in a rehearsal).</summary>
    [Parameter]
    public string? ConnectAddress { get; set; }

    /// <summary>The server's trust anchors (PEM file).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("ServerCaCertificatePath")]
    public string? ServerCaCertificate { get; set; }

    /// <summary>The credentials cache folder the credential process shares. Default: ~/.cache/zymaws/credentials.</summary>
    [Parameter]
    public string? CacheDirectory { get; set; }

    /// <summary>Run the module through pwsh even when the native zymaws-credential helper is present.</summary>
    [Parameter]
    public SwitchParameter UsePwsh { get; set; }

    protected override Task BeginProcessingAsync(CancellationToken cancellationToken)
    {
        _paths = new FileSystemPaths(this);
        return Task.CompletedTask;
    }

    protected override Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        try
        {
            var options = new DeviceCredentialOptions
            {
                CertificatePath = string.IsNullOrEmpty(CertificatePath) ? DeviceCredentialOptions.DefaultCertificatePath : _paths!.ResolveInputPath(CertificatePath!),
                Key = new DeviceKeySpec
                {
                    Source = KeySource is null ? null : (DeviceKeySourceKind)Enum.Parse(typeof(DeviceKeySourceKind), KeySource),
                    KeyPath = string.IsNullOrEmpty(KeyPath) ? null : _paths!.ResolveInputPath(KeyPath!),
                    Slot = MyInvocation.BoundParameters.ContainsKey(nameof(Slot)) ? Slot : null,
                },
                ThingName = ThingName,
                NoThingName = NoThingName,
                RoleAlias = RoleAlias,
                CredentialEndpoint = CredentialEndpoint,
                Region = Region,
                ConnectAddress = ConnectAddress,
                ServerCaCertificatePath = string.IsNullOrEmpty(ServerCaCertificate) ? null : _paths!.ResolveInputPath(ServerCaCertificate!),
                CacheDirectory = string.IsNullOrEmpty(CacheDirectory) ? DeviceCredentialCache.DefaultDirectory : _paths!.ResolveOutputPath(CacheDirectory!),
            };

            // Everything the credential process will need is checked now, not at the first AWS CLI call: the certificate,
            // every value it lacks, the trust anchor, and the key (opened, and matched against the certificate).
            var plan = DeviceCredentialProvider.Plan(options);
            DeviceCredentialProvider.CheckKey(options, _zymkey ??= new ZymkeyKeyOpener(ZymkeyOptions, Log), Log);
            string? native = UsePwsh ? null : NativeHelper();
            string command = native is not null
                ? CredentialProcessCommand.Native(native, options, LibraryPath)
                : CredentialProcessCommand.Pwsh(PwshCommand(), Path.Combine(ModuleFolder, "zymaws-credential.ps1"), options, LibraryPath);
            string config = string.IsNullOrEmpty(ConfigPath) ? AwsSharedConfigFile.DefaultConfigPath : _paths!.ResolveOutputPath(ConfigPath!);
            if (!ShouldProcess(config, $"Set profile '{ProfileName}': region {plan.Region ?? "(unset)"}, credential_process {command}"))
            {
                return Task.CompletedTask;
            }

            bool changed = AwsSharedConfigFile.SetProfile(config, ProfileName, new KeyValuePair<string, string?>[]
            {
                new("region", plan.Region),
                new("credential_process", command),
            }, credentialsFile: false);
            Pipeline.WriteObject(new CredentialProcessProfile(ProfileName, config, plan.Region, command, native is not null, changed));
        }
        catch (Exception e) when (e is ZymException or ItemNotFoundException)
        {
            Pipeline.WriteError(e, ProfileName);
        }

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

    private static string ModuleFolder => Path.GetDirectoryName(typeof(InstallZymCredentialProcessCommand).Assembly.Location)!;

    /// <summary>The native helper the package carries for this machine (bin/linux-x64, bin/linux-arm64), or null.</summary>
    private static string? NativeHelper()
    {
        if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux))
        {
            return null;
        }

        string rid = RuntimeInformation.OSArchitecture switch
        {
            Architecture.X64 => "linux-x64",
            Architecture.Arm64 => "linux-arm64",
            Architecture.Arm => "linux-arm",
            _ => "linux-" + RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant(),
        };
        string path = Path.Combine(ModuleFolder, "bin", rid, "zymaws-credential");
        return File.Exists(path) ? path : null;
    }

    /// <summary>How to start this PowerShell again: its executable, plus pwsh.dll when the host is dotnet (dotnet pwsh).</summary>
    private string[] PwshCommand()
    {
        string exe = Process.GetCurrentProcess().MainModule!.FileName;
        if (Path.GetFileNameWithoutExtension(exe).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            string home = SessionState.PSVariable.GetValue("PSHOME")?.ToString() ?? string.Empty;
            return new[] { exe, Path.Combine(home, "pwsh.dll") };
        }

        return new[] { exe };
    }
}
