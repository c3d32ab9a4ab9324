using System;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using ZymAws.Engine;
using ZymAws.Engine.Fleet;
using ZymAws.Provisioning.Infrastructure;

namespace ZymAws.Provisioning.Commands;

/// <summary>
/// Lists the fleet: one object per device (a thing and its certificates: id, status, CA, policies) and whether the AWS
/// IoT credentials provider would hand it credentials. The account is read by pages, so a device costs one call of its
/// own (two with -Detailed). Devices the seed's scripts provisioned appear exactly like the module's own.
/// </summary>
[Cmdlet(VerbsCommon.Get, "ZymDevice", HelpUri = HelpLinks.DocsBaseUri + "Get-ZymDevice.md")]
[OutputType(typeof(FleetDevice))]
public sealed class GetZymDeviceCommand : AwsCmdlet
{
    private FileSystemPaths? _paths;

    /// <summary>Thing names, with * and ? wildcards. Default: every thing.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(ThingNameCompleter))]
    [ThingNameInput]
    public string[] ThingName { get; set; } = Array.Empty<string>();

    /// <summary>Only devices whose certificate this registered CA issued (a CA object, its registration, certificate or id).</summary>
    [Parameter]
    public PSObject? CertificateAuthority { get; set; }

    /// <summary>Only devices with a certificate in this status.</summary>
    [Parameter]
    [ValidateSet("Active", "Inactive", "Revoked")]
    public string? Status { get; set; }

    /// <summary>The role alias devices ask for, to judge them from the listing alone. Default: the account's only alias.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(RoleAliasCompleter))]
    public string? RoleAlias { get; set; }

    /// <summary>Read each certificate too (validity, and its own subject's alias and endpoint for the judgement): one more call per certificate.</summary>
    [Parameter]
    public SwitchParameter Detailed { get; set; }

    /// <summary>No client-side rate limit (emulators, tests); by default each operation adapts from its documented quota.</summary>
    [Parameter]
    public SwitchParameter NoRateLimit { get; set; }

    private readonly System.Collections.Generic.List<string> _names = new();

    protected override ZymAws.Engine.Aws.AwsClientSettings ClientSettings => RateLimitParameters.Settings(null, NoRateLimit.IsPresent);

    protected override Task BeginProcessingAsync(CancellationToken cancellationToken)
    {
        _paths = new FileSystemPaths(this);
        return Task.CompletedTask;
    }

    protected override Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        _names.AddRange(ThingName);
        return Task.CompletedTask;
    }

    protected override async Task EndProcessingAsync(CancellationToken cancellationToken)
    {
        var query = new FleetQuery
        {
            ThingNames = _names,
            Status = Status?.ToUpperInvariant(),
            RoleAlias = RoleAlias,
            Detailed = Detailed,
        };
        if (CertificateAuthority is not null)
        {
            query.CaCertificateId = CaCertificateInput.TryGetId(CertificateAuthority.BaseObject, _paths!.ResolveInputPath)
                ?? throw Terminate(CaCertificateInput.Unusable(CertificateAuthority.BaseObject), CertificateAuthority.BaseObject);
        }

        // Names given without wildcards: the count is known (percent, time remaining); listed by pages: how many so far.
        var progress = new BatchProgress(Pipeline, "Listing devices");
        progress.Starting("Reading certificates, policies and role aliases");
        query.DeviceListed = (listed, total, thing) =>
        {
            progress.Total = total;
            progress.Finished();
            progress.Starting(thing);
        };
        try
        {
            var listing = await FleetReader.ReadAsync(GetSession(), query, entry =>
            {
                Pipeline.WriteObject(new FleetDevice(entry));
                return Task.CompletedTask;
            }, cancellationToken).ConfigureAwait(false);
            foreach (string name in listing.NotFound)
            {
                Pipeline.WriteError(new ZymException("ThingNotFound", ZymErrorCategory.ObjectNotFound, $"There is no thing '{name}' in the account (region {GetSession().Region}).", name), name);
            }

            progress.Complete();
            Pipeline.WriteVerbose($"{listing.Devices} device(s) listed with {listing.Calls} AWS calls ({listing.CallsPerDevice:0.##} per device).");
        }
        catch (ZymException e)
        {
            throw Terminate(e, null);
        }
    }
}
