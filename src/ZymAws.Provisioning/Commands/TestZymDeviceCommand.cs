using System;
using System.IO;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using ZymAws.Engine;
using ZymAws.Engine.Aws;
using ZymAws.Engine.DeviceCredentials;
using ZymAws.Provisioning.Infrastructure;
using EnginePki = ZymAws.Engine.Pki;

namespace ZymAws.Provisioning.Commands;

/// <summary>
/// Would this device get credentials? Judges things (each certificate attached), certificate files or provisioning
/// results against the account exactly as the AWS IoT credentials provider would, in its order: Ready, the first failing
/// check with the status and message AWS answers and the fix, and every check.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "ZymDevice", HelpUri = HelpLinks.DocsBaseUri + "Test-ZymDevice.md", DefaultParameterSetName = InputSet)]
[OutputType(typeof(DeviceReadinessReport))]
public sealed class TestZymDeviceCommand : AwsCmdlet
{
    private const string InputSet = "InputObject";
    private const string ThingSet = "ThingName";
    private const string PathSet = "CertificatePath";
    private FileSystemPaths? _paths;
    private string? _accountEndpoint;

    /// <summary>
    /// A device: a thing name, a certificate file or object, PEM text, or a result of Invoke-ZymDeviceProvisioning /
    /// Approve-ZymDeviceCsr (anything with ThingName, CertificatePem, CertificatePath or CertificateId).
    /// </summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = InputSet)]
    public PSObject InputObject { get; set; } = null!;

    /// <summary>Things to judge: every certificate attached to each.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ThingSet)]
    [ValidateNotNullOrEmpty]
    public string[] ThingName { get; set; } = Array.Empty<string>();

    /// <summary>Certificate files to judge (wildcards allowed); the thing name sent is each certificate's CN.</summary>
    [Parameter(Mandatory = true, ParameterSetName = PathSet)]
    [ValidateNotNullOrEmpty]
    public string[] CertificatePath { get; set; } = Array.Empty<string>();

    /// <summary>The role alias the device asks for. Default: each certificate's OU.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(RoleAliasCompleter))]
    public string? RoleAlias { get; set; }

    /// <summary>The endpoint the device asks (prefix, host or URL). Default: each certificate's O= and L=.</summary>
    [Parameter]
    public string? CredentialEndpoint { get; set; }

    /// <summary>Judge a device that sends no thing name header.</summary>
    [Parameter]
    public SwitchParameter NoThingName { get; set; }

    protected override async Task BeginProcessingAsync(CancellationToken cancellationToken)
    {
        _paths = new FileSystemPaths(this);
        try
        {
            _accountEndpoint = await GetSession().Iot.DescribeEndpointAsync(IotEndpointType.CredentialProvider, cancellationToken).ConfigureAwait(false);
        }
        catch (ZymException e)
        {
            throw Terminate(e, null);
        }
    }

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        switch (ParameterSetName)
        {
            case ThingSet:
                foreach (string thing in ThingName)
                {
                    await JudgeAsync(() => ReadinessQuery.For(thing, null, null, null, thing), thing, cancellationToken).ConfigureAwait(false);
                }

                break;
            case PathSet:
                var files = new System.Collections.Generic.List<string>();
                _paths!.ForEachInputFile(CertificatePath, false, files.Add, Pipeline.WriteError);
                foreach (string file in files)
                {
                    await JudgeAsync(() => ReadinessQuery.For(null, null, file, null, file), file, cancellationToken).ConfigureAwait(false);
                }

                break;
            default:
                var item = InputObject;
                await JudgeAsync(() => FromInput(item), item.BaseObject, cancellationToken).ConfigureAwait(false);
                break;
        }
    }

    /// <summary>What one pipeline item names (properties are read on the pipeline thread; the engine decides what they mean).</summary>
    private ReadinessQuery FromInput(PSObject item)
    {
        switch (item.BaseObject)
        {
            case FileInfo file:
                return ReadinessQuery.For(null, null, file.FullName, null, item.BaseObject);
            case string text when EnginePki.Pem.ContainsPem(text):
                return ReadinessQuery.For(null, text, null, null, item.BaseObject);
            case string text when File.Exists(_paths!.ResolveOutputPath(text)):
                return ReadinessQuery.For(null, null, _paths!.ResolveOutputPath(text), null, item.BaseObject);
            case string thing:
                return ReadinessQuery.For(thing, null, null, null, item.BaseObject);
            default:
                string? path = PSValues.Text(item, "CertificatePath") ?? PSValues.Text(item, "FullName");
                return ReadinessQuery.For(
                    PSValues.Text(item, "ThingName"),
                    PSValues.Text(item, "CertificatePem"),
                    path is null ? null : _paths!.ResolveInputPath(path),
                    PSValues.Text(item, "CertificateId"),
                    item.BaseObject);
        }
    }

    private async Task JudgeAsync(Func<ReadinessQuery> build, object target, CancellationToken cancellationToken)
    {
        try
        {
            var query = build();
            query.RoleAlias = RoleAlias;
            query.CredentialEndpoint = CredentialEndpoint;
            query.NoThingName = NoThingName;
            foreach (var readiness in await DeviceReadinessChecker.CheckAsync(GetSession(), query, _accountEndpoint!, cancellationToken).ConfigureAwait(false))
            {
                Pipeline.WriteObject(new DeviceReadinessReport(readiness));
            }
        }
        catch (Exception e) when (e is ZymException or ItemNotFoundException or IOException or UnauthorizedAccessException)
        {
            Pipeline.WriteError(e, target);
        }
    }
}
