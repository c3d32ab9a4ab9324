using System;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using ZymAws.Engine;
using ZymAws.Engine.CredentialProvider;
using ZymAws.Provisioning.Infrastructure;

namespace ZymAws.Provisioning.Commands;

/// <summary>
/// Gets the least-privilege IAM policy document the provisioning user needs (iam:GetRole/PassRole on the role, and
/// exactly the IoT actions this module calls, scoped to ARNs where AWS allows it), instead of AdministratorAccess;
/// with -Scope also what setting up and looking after the fleet need. -ApplyToUser / -ApplyToRole put it on an IAM
/// user or role as an inline policy (no AWS CLI needed).
/// </summary>
[Cmdlet(VerbsCommon.Get, "ZymProvisionerPolicy", HelpUri = HelpLinks.DocsBaseUri + "Get-ZymProvisionerPolicy.md", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(ProvisionerPolicy))]
public sealed class GetZymProvisionerPolicyCommand : SetupCmdlet
{
    /// <summary>The credentials-provider role (for iam:GetRole and iam:PassRole).</summary>
    [Parameter(Position = 0)]
    [ArgumentCompleter(typeof(IamRoleCompleter))]
    public string? RoleName { get; set; }

    /// <summary>The role's IAM path, when not "/".</summary>
    [Parameter]
    public string? RolePath { get; set; }

    /// <summary>The IoT policies devices get (scopes GetPolicy/AttachPolicy).</summary>
    [Parameter]
    public string[] PolicyName { get; set; } = Array.Empty<string>();

    /// <summary>Scopes thing actions to things whose names start with this.</summary>
    [Parameter]
    public string? ThingNamePrefix { get; set; }

    /// <summary>
    /// The CA whose certificates are registered (scopes DescribeCACertificate): a CA object, Register-ZymCaWithAws's
    /// output, a certificate file or PEM text.
    /// </summary>
    [Parameter]
    public PSObject? CertificateAuthority { get; set; }

    /// <summary>Also allow iot:CreateCertificateFromCsr (AWS IoT as the CA).</summary>
    [Parameter]
    public SwitchParameter AllowCreateCertificateFromCsr { get; set; }

    /// <summary>Also allow iot:RegisterCertificateWithoutCA.</summary>
    [Parameter]
    public SwitchParameter AllowRegisterWithoutCa { get; set; }

    /// <summary>
    /// The jobs the policy allows: Provisioning (Invoke-ZymDeviceProvisioning; the default), Setup (role, role alias, IoT
    /// policy, CA registration), Fleet (listing, testing, disabling and removing devices and CAs, tearing down), All.
    /// </summary>
    [Parameter]
    [ValidateSet("Provisioning", "Setup", "Fleet", "All")]
    public string[] Scope { get; set; } = { "Provisioning" };

    /// <summary>Puts the policy on this IAM user as an inline policy (PutUserPolicy).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ApplyToUser { get; set; }

    /// <summary>Puts the policy on this IAM role as an inline policy (PutRolePolicy).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ApplyToRole { get; set; }

    /// <summary>The inline policy's name with -ApplyToUser / -ApplyToRole; default ZymAws-&lt;Scope&gt; (one per scope, so scopes applied one by one add up).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? InlinePolicyName { get; set; }

    protected override async Task EndProcessingAsync(CancellationToken cancellationToken)
    {
        var scope = (ProvisionerPolicyScope)0;
        foreach (var name in Scope)
        {
            scope |= (ProvisionerPolicyScope)Enum.Parse(typeof(ProvisionerPolicyScope), name, ignoreCase: true);
        }

        try
        {
            var options = new ProvisionerPolicyOptions
            {
                RoleName = RoleName,
                RolePath = RolePath,
                ThingNamePrefix = ThingNamePrefix,
                CaCertificateId = CertificateAuthority is null ? null
                    : CaCertificateInput.TryGetId(CertificateAuthority.BaseObject, new FileSystemPaths(this).ResolveOutputPath)
                      ?? throw CaCertificateInput.Unusable(CertificateAuthority.BaseObject),
                AllowCreateCertificateFromCsr = AllowCreateCertificateFromCsr.IsPresent,
                AllowRegisterWithoutCa = AllowRegisterWithoutCa.IsPresent,
                Scope = scope,
            };
            foreach (var name in PolicyName)
            {
                options.PolicyNames.Add(name);
            }

            var setup = CreateSetup();
            var policy = await setup.GetProvisionerPolicyAsync(options, cancellationToken).ConfigureAwait(false);
            if (ApplyToUser is null && ApplyToRole is null)
            {
                Pipeline.WriteObject(new ProvisionerPolicy(policy));
                return;
            }

            var inlineName = InlinePolicyName ?? CredentialProviderProvisioner.InlinePolicyName(scope);
            var appliedTo = await setup.ApplyProvisionerPolicyAsync(policy, ApplyToUser, ApplyToRole, inlineName, Pipeline.ShouldProcessAsync, cancellationToken).ConfigureAwait(false);
            if (appliedTo is not null)
            {
                Pipeline.WriteObject(new ProvisionerPolicy(policy, appliedTo, inlineName));
            }
        }
        catch (ZymException e)
        {
            throw Terminate(e, ApplyToUser ?? ApplyToRole ?? RoleName);
        }
    }
}
