using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using ZymAws.Engine;
using ZymAws.Engine.CredentialProvider;
using ZymAws.Provisioning.Infrastructure;

namespace ZymAws.Provisioning.Commands;

/// <summary>
/// Creates the AWS IoT policy that lets a device certificate assume a role alias (iot:AssumeRoleWithCertificate
/// on arn:aws:iot:REGION:ACCOUNT:rolealias/ALIAS), with the account read from STS and the region from the session,
/// not substituted by hand. Idempotent.
/// </summary>
[Cmdlet(VerbsCommon.New, "ZymIotPolicy", HelpUri = HelpLinks.DocsBaseUri + "New-ZymIotPolicy.md", SupportsShouldProcess = true)]
[OutputType(typeof(IotPolicy))]
public sealed class NewZymIotPolicyCommand : SetupCmdlet
{
    /// <summary>The IoT policy name (what devices put in ST=).</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string PolicyName { get; set; } = string.Empty;

    /// <summary>The role alias the policy allows.</summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string RoleAlias { get; set; } = string.Empty;

    /// <summary>
    /// Only a certificate attached to the thing it connects as may assume the role (condition
    /// iot:Connection.Thing.IsAttached, as in the seed). On unless -RequireAttachedThing:$false.
    /// </summary>
    [Parameter]
    public SwitchParameter RequireAttachedThing { get; set; }

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        try
        {
            var options = new RoleAliasPolicyOptions(PolicyName, RoleAlias)
            {
                RequireAttachedThing = AttachedThingRequired(RequireAttachedThing),
            };
            var result = await CreateSetup().EnsureRoleAliasPolicyAsync(options, Confirm, cancellationToken).ConfigureAwait(false);
            Pipeline.WriteObject(new IotPolicy(result));
        }
        catch (ZymException e)
        {
            Pipeline.WriteError(e, PolicyName);
        }
    }
}
