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
/// exactly the IoT actions this module calls, scoped to ARNs where AWS allows it), instead of AdministratorAccess.
/// </summary>
[Cmdlet(VerbsCommon.Get, "ZymProvisionerPolicy", HelpUri = HelpLinks.DocsBaseUri + "Get-ZymProvisionerPolicy.md")]
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

    protected override async Task EndProcessingAsync(CancellationToken cancellationToken)
    {
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
            };
            foreach (var name in PolicyName)
            {
                options.PolicyNames.Add(name);
            }

            var policy = await CreateSetup().GetProvisionerPolicyAsync(options, cancellationToken).ConfigureAwait(false);
            Pipeline.WriteObject(new ProvisionerPolicy(policy));
        }
        catch (ZymException e)
        {
            throw Terminate(e, RoleName);
        }
    }
}
