using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using ZymAws.Engine;
using ZymAws.Engine.Aws;
using ZymAws.Provisioning.Infrastructure;

namespace ZymAws.Provisioning.Commands;

/// <summary>
/// Registers a CA certificate with AWS IoT in one step. In DEFAULT mode it does the verification dance itself
/// (GetRegistrationCode, a verification certificate with CN = code signed by the CA, RegisterCACertificate); in
/// SNI_ONLY mode it registers without one. A CA that is already registered is found by its certificate id and
/// reported, not registered twice.
/// </summary>
[Cmdlet(VerbsLifecycle.Register, "ZymCaWithAws", SupportsShouldProcess = true)]
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
        var iot = GetSession().Iot;
        try
        {
            var existing = await DescribeOrNullAsync(iot, ca.CertificateId, cancellationToken).ConfigureAwait(false);
            if (existing is not null)
            {
                if (SetActive && existing.Status != "ACTIVE"
                    && await ShouldProcessAsync(ca.Subject, $"Activate CA certificate {ca.CertificateId}").ConfigureAwait(false))
                {
                    await iot.UpdateCaCertificateAsync(new IotUpdateCaCertificateRequest(ca.CertificateId) { NewStatus = "ACTIVE" }, cancellationToken).ConfigureAwait(false);
                    existing = await iot.DescribeCaCertificateAsync(ca.CertificateId, cancellationToken).ConfigureAwait(false);
                }

                WriteVerbose($"CA {ca.CertificateId} is already registered ({existing.Status}).");
                WriteObject(ToResult(existing, ca, alreadyRegistered: true, verificationPem: null));
                return;
            }

            var sniOnly = CertificateMode == "SniOnly";
            if (!await ShouldProcessAsync(ca.Subject, $"Register CA certificate {ca.CertificateId} with AWS IoT ({(sniOnly ? "SNI_ONLY" : "DEFAULT")} mode)").ConfigureAwait(false))
            {
                return;
            }

            string? verificationPem = null;
            var request = new IotRegisterCaCertificateRequest(ca.CertificatePem)
            {
                AllowAutoRegistration = AllowAutoRegistration.IsPresent,
            };
            if (sniOnly)
            {
                request = request with { CertificateMode = "SNI_ONLY" };
            }
            else
            {
                var code = await iot.GetRegistrationCodeAsync(cancellationToken).ConfigureAwait(false);
                verificationPem = ca.Engine.CreateVerificationCertificate(code);
                request = request with { VerificationCertificatePem = verificationPem, SetAsActive = SetActive.IsPresent };
            }

            IotCertificateReference registered;
            try
            {
                registered = await iot.RegisterCaCertificateAsync(request, cancellationToken).ConfigureAwait(false);
            }
            catch (AwsServiceException e) when (e.Category == ZymErrorCategory.ResourceExists)
            {
                // Registered concurrently by someone else: report it as it is.
                var raced = await iot.DescribeCaCertificateAsync(ca.CertificateId, cancellationToken).ConfigureAwait(false);
                WriteObject(ToResult(raced, ca, alreadyRegistered: true, verificationPem: null));
                return;
            }

            if (sniOnly && SetActive)
            {
                // SNI_ONLY registers INACTIVE; activation is a second call.
                await iot.UpdateCaCertificateAsync(new IotUpdateCaCertificateRequest(registered.CertificateId) { NewStatus = "ACTIVE" }, cancellationToken).ConfigureAwait(false);
            }

            var described = await iot.DescribeCaCertificateAsync(registered.CertificateId, cancellationToken).ConfigureAwait(false);
            WriteObject(ToResult(described, ca, alreadyRegistered: false, verificationPem));
        }
        catch (ZymException e)
        {
            WriteError(e, ca);
        }
    }

    private static async Task<IotCaCertificateDescription?> DescribeOrNullAsync(IotClient iot, string id, CancellationToken cancellationToken)
    {
        try
        {
            return await iot.DescribeCaCertificateAsync(id, cancellationToken).ConfigureAwait(false);
        }
        catch (AwsServiceException e) when (e.Category == ZymErrorCategory.ObjectNotFound)
        {
            return null;
        }
    }

    private static CaRegistration ToResult(IotCaCertificateDescription description, CertificateAuthority ca, bool alreadyRegistered, string? verificationPem) => new()
    {
        CertificateId = description.CertificateId,
        CertificateArn = description.CertificateArn,
        Status = description.Status ?? string.Empty,
        AutoRegistrationStatus = description.AutoRegistrationStatus ?? string.Empty,
        CertificateMode = description.CertificateMode ?? string.Empty,
        AlreadyRegistered = alreadyRegistered,
        Subject = ca.Subject,
        NotAfter = ca.NotAfter,
        CertificatePem = ca.CertificatePem,
        VerificationCertificatePem = verificationPem,
    };
}
