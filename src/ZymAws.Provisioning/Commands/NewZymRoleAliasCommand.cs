using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using ZymAws.Engine;
using ZymAws.Engine.CredentialProvider;
using ZymAws.Provisioning.Infrastructure;

namespace ZymAws.Provisioning.Commands;

/// <summary>
/// Creates an AWS IoT role alias pointing at the credentials-provider role. The credential duration is checked
/// (900-43200 s, and not above the role's MaxSessionDuration) before AWS is called. Idempotent.
/// </summary>
[Cmdlet(VerbsCommon.New, "ZymRoleAlias", HelpUri = HelpLinks.DocsBaseUri + "New-ZymRoleAlias.md", SupportsShouldProcess = true, DefaultParameterSetName = ByNameSet)]
[OutputType(typeof(IotRoleAlias))]
public sealed class NewZymRoleAliasCommand : SetupCmdlet
{
    private const string ByNameSet = "RoleName";
    private const string ByArnSet = "RoleArn";

    /// <summary>The role alias name (what devices put in OU= and call).</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string RoleAlias { get; set; } = string.Empty;

    /// <summary>The role, by name.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ByNameSet, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string RoleName { get; set; } = string.Empty;

    /// <summary>The role, by ARN.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ByArnSet, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string RoleArn { get; set; } = string.Empty;

    /// <summary>How long the temporary credentials devices get are valid (900-43200 s).</summary>
    [Parameter]
    [ValidateRange(Engine.CredentialProvider.CredentialProviderProvisioner.MinCredentialDurationSeconds, Engine.CredentialProvider.CredentialProviderProvisioner.MaxCredentialDurationSeconds)]
    public int CredentialDurationSeconds { get; set; } = Engine.CredentialProvider.CredentialProviderProvisioner.DefaultCredentialDurationSeconds;

    /// <summary>Points an existing alias at this role / duration instead of only reporting the difference.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        try
        {
            var options = new RoleAliasOptions(RoleAlias)
            {
                RoleArn = ParameterSetName == ByArnSet ? RoleArn : null,
                RoleName = ParameterSetName == ByNameSet ? RoleName : null,
                CredentialDurationSeconds = CredentialDurationSeconds,
                AllowUpdate = Force.IsPresent,
            };
            var result = await CreateSetup().EnsureRoleAliasAsync(options, Confirm, cancellationToken).ConfigureAwait(false);
            Pipeline.WriteObject(new IotRoleAlias(result));
        }
        catch (ZymException e)
        {
            Pipeline.WriteError(e, RoleAlias);
        }
    }
}
