using System;
using System.Threading;
using System.Threading.Tasks;
using ZymAws.Engine.Aws;
using ZymAws.Engine.Diagnostics;
using ZymAws.Engine.Pki;

namespace ZymAws.Engine.Registration;

/// <summary>
/// The one home of "is this CA registered with AWS IoT, and under which id" (<see cref="FindAsync"/>), shared by
/// registration (Register-ZymCaWithAws: <see cref="RegisterAsync"/>) and provisioning's preflight
/// (<see cref="Provisioning.FleetProvisioner"/>), so the two cannot disagree.
/// </summary>
/// <remarks>
/// AWS IoT gives a CA certificate the id it gives every certificate: the lowercase hex SHA-256 of its DER
/// (<see cref="CertificateFacts.CertificateId"/>). A CA is registered when DescribeCACertificate answers for that id.
/// </remarks>
public sealed class CaRegistrar
{
    private readonly IotClient _iot;
    private readonly IEngineLog _log;

    /// <summary>Creates a registrar calling AWS IoT through <paramref name="session"/>.</summary>
    public CaRegistrar(AwsSession session, IEngineLog? log = null)
    {
        _iot = (session ?? throw new ArgumentNullException(nameof(session))).Iot;
        _log = log ?? NullEngineLog.Instance;
    }

    /// <summary>The registration of the CA certificate <paramref name="caCertificate"/>, or null when AWS IoT does not know it.</summary>
    /// <exception cref="AwsServiceException">Any answer but "not found".</exception>
    public Task<IotCaCertificateDescription?> FindAsync(CertificateFacts caCertificate, CancellationToken cancellationToken = default) =>
        FindAsync(_iot, (caCertificate ?? throw new ArgumentNullException(nameof(caCertificate))).CertificateId, cancellationToken);

    /// <summary>
    /// Registers <paramref name="ca"/> with AWS IoT unless it is already registered: describe → (ask) → register → on a
    /// concurrent registration, report it as it is → activate (SNI_ONLY with SetActive) → describe. An already
    /// registered INACTIVE CA is activated when <see cref="CaRegistrationOptions.SetActive"/> is set (and confirmed).
    /// Null when <paramref name="confirm"/> declined the registration.
    /// </summary>
    /// <param name="ca">The CA, with its key (DEFAULT mode signs a verification certificate).</param>
    /// <param name="options">Mode, activation, auto-registration.</param>
    /// <param name="confirm">ShouldProcess(target, action) before each change; null: yes.</param>
    /// <param name="cancellationToken">Cancels the AWS calls.</param>
    /// <exception cref="AwsServiceException">An AWS error (other than the race this handles).</exception>
    /// <exception cref="ZymException">RegistrationCodeInvalid, or a signing error from the CA.</exception>
    public async Task<CaRegistrationOutcome?> RegisterAsync(CaSigner ca, CaRegistrationOptions options, Func<string, string, Task<bool>>? confirm = null, CancellationToken cancellationToken = default)
    {
        if (ca is null)
        {
            throw new ArgumentNullException(nameof(ca));
        }

        if (options is null)
        {
            throw new ArgumentNullException(nameof(options));
        }

        var existing = await FindAsync(ca.Certificate, cancellationToken).ConfigureAwait(false);
        if (existing is not null)
        {
            if (options.SetActive && existing.Status != IotCertificateStatus.Active
                && await AskAsync(confirm, ca.Subject, $"Activate CA certificate {ca.CertificateId}").ConfigureAwait(false))
            {
                await ActivateAsync(ca.CertificateId, cancellationToken).ConfigureAwait(false);
                existing = await _iot.DescribeCaCertificateAsync(ca.CertificateId, cancellationToken).ConfigureAwait(false);
            }

            _log.Verbose($"CA {ca.CertificateId} is already registered ({existing.Status}).");
            return new CaRegistrationOutcome(existing, alreadyRegistered: true, verificationCertificatePem: null);
        }

        if (!await AskAsync(confirm, ca.Subject, $"Register CA certificate {ca.CertificateId} with AWS IoT ({(options.SniOnly ? "SNI_ONLY" : "DEFAULT")} mode)").ConfigureAwait(false))
        {
            return null;
        }

        string? verificationPem = null;
        var request = new IotRegisterCaCertificateRequest(ca.CertificatePem) { AllowAutoRegistration = options.AllowAutoRegistration };
        if (options.SniOnly)
        {
            request = request with { CertificateMode = "SNI_ONLY" };
        }
        else
        {
            var code = await _iot.GetRegistrationCodeAsync(cancellationToken).ConfigureAwait(false);
            verificationPem = ca.CreateVerificationCertificate(code);
            request = request with { VerificationCertificatePem = verificationPem, SetAsActive = options.SetActive };
        }

        IotCertificateReference registered;
        try
        {
            registered = await _iot.RegisterCaCertificateAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (AwsServiceException e) when (e.IsAlreadyExists)
        {
            // Registered concurrently by someone else: report it as it is.
            var raced = await _iot.DescribeCaCertificateAsync(ca.CertificateId, cancellationToken).ConfigureAwait(false);
            return new CaRegistrationOutcome(raced, alreadyRegistered: true, verificationCertificatePem: null);
        }

        if (options.SniOnly && options.SetActive)
        {
            // SNI_ONLY registers INACTIVE; activation is a second call.
            await ActivateAsync(registered.CertificateId, cancellationToken).ConfigureAwait(false);
        }

        var described = await _iot.DescribeCaCertificateAsync(registered.CertificateId, cancellationToken).ConfigureAwait(false);
        return new CaRegistrationOutcome(described, alreadyRegistered: false, verificationPem);
    }

    /// <summary>The rule itself: DescribeCACertificate by the certificate id; "not found" means not registered.</summary>
    internal static async Task<IotCaCertificateDescription?> FindAsync(IotClient iot, string caCertificateId, CancellationToken cancellationToken)
    {
        try
        {
            return await iot.DescribeCaCertificateAsync(caCertificateId, cancellationToken).ConfigureAwait(false);
        }
        catch (AwsServiceException e) when (e.IsNotFound)
        {
            return null;
        }
    }

    private Task ActivateAsync(string certificateId, CancellationToken cancellationToken) =>
        _iot.UpdateCaCertificateAsync(new IotUpdateCaCertificateRequest(certificateId) { NewStatus = IotCertificateStatus.Active }, cancellationToken);

    private static Task<bool> AskAsync(Func<string, string, Task<bool>>? confirm, string target, string action) =>
        confirm is null ? Task.FromResult(true) : confirm(target, action);
}
