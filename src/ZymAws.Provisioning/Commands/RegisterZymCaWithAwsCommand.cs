using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using ZymAws.Engine;
using ZymAws.Engine.Registration;
using ZymAws.Provisioning.Infrastructure;

namespace ZymAws.Provisioning.Commands;

/// <summary>
/// Registers a CA certificate with AWS IoT in one step. In DEFAULT mode it does the verification dance itself
/// (GetRegistrationCode, a verification certificate with CN = code signed by the CA, RegisterCACertificate); in
/// SNI_ONLY mode it registers without one. A CA that is already registered is found by its certificate id and
/// reported, not registered twice. The flow is the engine's <see cref="CaRegistrar"/>.
/// </summary>
[Cmdlet(VerbsLifecycle.Register, "ZymCaWithAws", HelpUri = HelpLinks.DocsBaseUri + "Register-ZymCaWithAws.md", SupportsShouldProcess = true)]
[OutputType(typeof(CaRegistration))]
public sealed class RegisterZymCaWithAwsCommand : AwsCmdlet
{
    /// <summary>The CA to register (from New-ZymCertificateAuthority or Import-ZymCertificateAuthority).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    public CertificateAuthority CertificateAuthority { get; set; } = null!;

    /// <summary>Registers the CA as ACTIVE (or activates an INACTIVE one already registered).</summary>
    [Parameter]
    [Alias("SetAsActive")]
    public SwitchParameter SetActive { get; set; }

    /// <summary>Lets device certificates signed by this CA register themselves on first connection.</summary>
    [Parameter]
    public SwitchParameter AllowAutoRegistration { get; set; }

    /// <summary>Default: prove possession of the CA key with a verification certificate. SniOnly: register without one.</summary>
    [Parameter]
    [ValidateSet("Default", "SniOnly")]
    public string CertificateMode { get; set; } = "Default";

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        var ca = CertificateAuthority;
        var registrar = new CaRegistrar(GetSession(), Log);
        try
        {
            var options = new CaRegistrationOptions
            {
                SetActive = SetActive.IsPresent,
                AllowAutoRegistration = AllowAutoRegistration.IsPresent,
                SniOnly = CertificateMode == "SniOnly",
            };
            var outcome = await registrar.RegisterAsync(ca.Engine, options, Pipeline.ShouldProcessAsync, cancellationToken).ConfigureAwait(false);
            if (outcome is not null)
            {
                Pipeline.WriteObject(CaRegistration.From(outcome, ca));
            }
        }
        catch (ZymException e)
        {
            Pipeline.WriteError(e, ca);
        }
    }
}
