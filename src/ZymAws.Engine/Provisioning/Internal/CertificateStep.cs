using System;
using System.Threading;
using System.Threading.Tasks;
using ZymAws.Engine.Aws;
using ZymAws.Engine.Pki;

namespace ZymAws.Engine.Provisioning.Internal;

/// <summary>
/// The device's certificate in AWS IoT: registered (with the batch's CA or without one), issued from the CSR (AWS IoT
/// as the CA), or recovered — a call of unknown outcome (a lost answer, or a journal intent without its result) is
/// resolved by finding what it created before anything is registered or issued again.
/// </summary>
internal sealed class CertificateStep
{
    private const int MaxIssueAttempts = 3;
    private readonly DeviceContext _device;

    public CertificateStep(DeviceContext device) => _device = device;

    private DeviceState State => _device.State;

    private string Thing => _device.Thing;

    /// <summary>Makes sure the device has an ACTIVE certificate in AWS IoT, journaled as ready.</summary>
    public async Task EnsureAsync(CancellationToken token)
    {
        if (State.CertificateId is string existingId)
        {
            if (!State.CertificateActive || State.ActivationIntent)
            {
                if (!State.CertificateOwned)
                {
                    throw new ZymException("CertificateNotActive", ZymErrorCategory.InvalidOperation, $"Certificate {existingId} of '{Thing}' is not ACTIVE.", _device.ErrorTarget);
                }

                await ActivateAsync(existingId, "UpdateCertificate", token).ConfigureAwait(false);
            }

            return;
        }

        if (_device.Mode == CertificateRegistrationMode.FromCsr)
        {
            await IssueFromCsrAsync(token).ConfigureAwait(false);
        }
        else
        {
            await RegisterAsync(token).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// For a rollback: when a certificate call's outcome is unknown, finds what it created and journals it (so it can be
    /// removed), or journals that it created nothing.
    /// </summary>
    /// <exception cref="ZymException">CertificateFromCsrUnresolved, CertificateRegistrationUnresolved, CertificateSearchTooLarge.</exception>
    public async Task ResolvePendingAsync(CancellationToken token)
    {
        if (State.CertificateIntentAt is not DateTimeOffset pending || State.CertificateId is not null)
        {
            return;
        }

        if (_device.Mode == CertificateRegistrationMode.FromCsr)
        {
            await ResolveIssuedAsync(pending, token).ConfigureAwait(false);
            return;
        }

        var match = await _device.Batch.Finder.FindRegisteredAsync(_device.Certificate!, pending, _device.Batch.CertificateIdsClaimedBesides(Thing).Contains, token).ConfigureAwait(false);
        switch (match.Outcome)
        {
            case CertificateMatchOutcome.Found:
                _device.Append(new JournalRecord(JournalEvents.CertificateReady, Thing) { CertificateId = match.Certificate!.CertificateId, CertificateArn = match.Certificate.CertificateArn, Owned = true, Message = "recovered" });
                break;
            case CertificateMatchOutcome.NotFound:
                _device.Append(new JournalRecord(JournalEvents.CertificateIssueAbsent, Thing));
                break;
            default:
                throw new ZymException("CertificateRegistrationUnresolved", ZymErrorCategory.InvalidOperation,
                    $"Could not tell which of {string.Join(", ", match.CandidateIds)} an interrupted RegisterCertificate for '{Thing}' created.", _device.ErrorTarget);
        }
    }

    private Task ActivateAsync(string certificateId, string action, CancellationToken token) =>
        JournaledStep.RunAsync(
            _device,
            new JournalRecord(JournalEvents.CertificateActivating, Thing) { CertificateId = certificateId },
            "Activation",
            () => _device.Iot.UpdateCertificateAsync(certificateId, IotCertificateStatus.Active, token),
            new JournalRecord(JournalEvents.CertificateActivated, Thing) { CertificateId = certificateId },
            action);

    private async Task RegisterAsync(CancellationToken token)
    {
        // An intent without its result: an earlier attempt of ours may have registered the certificate.
        bool dangling = State.CertificateIntentAt is not null;
        var intent = dangling ? null : new JournalRecord(JournalEvents.CertificateRegistering, Thing) { Input = _device.Input };
        DateTimeOffset intentAt = intent?.At ?? State.CertificateIntentAt!.Value;
        string operation = _device.Mode == CertificateRegistrationMode.WithCa ? "RegisterCertificate" : ProvisioningOperations.RegisterCertificateWithoutCa;
        var registered = await JournaledStep.RunAsync(
            _device,
            intent,
            null,
            () => RegisterOrFindAsync(dangling, intentAt, token),
            r => new JournalRecord(JournalEvents.CertificateReady, Thing) { CertificateId = r.Reference.CertificateId, CertificateArn = r.Reference.CertificateArn, Owned = r.Owned, Input = _device.Input },
            r => r.Owned && r.Active ? operation : null).ConfigureAwait(false);
        if (registered.Active)
        {
            return;
        }

        if (!registered.Owned)
        {
            throw new ZymException("CertificateNotActive", ZymErrorCategory.InvalidOperation,
                $"Certificate {registered.Reference.CertificateId} of '{Thing}' is already registered with status {registered.Status}; it is left as it is (enable it first if the device should be used).", _device.ErrorTarget);
        }

        await ActivateAsync(registered.Reference.CertificateId, operation, token).ConfigureAwait(false);
    }

    private async Task<Registered> RegisterOrFindAsync(bool dangling, DateTimeOffset intentAt, CancellationToken token)
    {
        try
        {
            var reference = _device.Mode == CertificateRegistrationMode.WithCa
                ? await _device.Iot.RegisterCertificateAsync(new IotRegisterCertificateRequest(_device.Request.CertificatePem!) { CaCertificatePem = _device.Batch.Options.CaCertificatePem, SetAsActive = true }, token).ConfigureAwait(false)
                : await _device.Iot.RegisterCertificateWithoutCaAsync(_device.Request.CertificatePem!, IotCertificateStatus.Active, token).ConfigureAwait(false);
            return new Registered(reference, Owned: true, Active: true, IotCertificateStatus.Active);
        }
        catch (AwsServiceException ex) when (ex.IsAlreadyExists)
        {
            string id = ex.ResourceId ?? _device.Certificate!.CertificateId;
            var description = await _device.Iot.DescribeCertificateAsync(id, token).ConfigureAwait(false);

            // Ours only if an earlier attempt of ours may have registered it (a lost response, or an intent from an
            // interrupted run) and it was created after that attempt began.
            bool owned = (dangling || ex.Attempts > 1) && description.CreationDate is DateTimeOffset created && created >= intentAt - CertificateFinder.ClockSkew;
            bool active = string.Equals(description.Status, IotCertificateStatus.Active, StringComparison.Ordinal);
            return new Registered(new IotCertificateReference(id, ex.ResourceArn ?? description.CertificateArn), owned, active, description.Status);
        }
    }

    private async Task IssueFromCsrAsync(CancellationToken token)
    {
        if (State.CertificateIntentAt is DateTimeOffset pending)
        {
            // An earlier run asked AWS to issue a certificate and never recorded the answer: find it before anything is re-issued.
            if (await ResolveIssuedAsync(pending, token).ConfigureAwait(false))
            {
                return;
            }
        }

        var csr = _device.Csr!;
        for (int attempt = 1; ; attempt++)
        {
            var intent = new JournalRecord(JournalEvents.CertificateIssuing, Thing) { Csr = csr.DerSha256, Input = _device.Input };
            try
            {
                var created = await JournaledStep.RunAsync(
                    _device,
                    intent,
                    null,
                    () => _device.Iot.CreateCertificateFromCsrAsync(_device.Request.CsrPem!, setAsActive: true, token),
                    c => new JournalRecord(JournalEvents.CertificateReady, Thing) { CertificateId = c.CertificateId, CertificateArn = c.CertificateArn, CertificatePem = c.CertificatePem, Csr = csr.DerSha256, Owned = true },
                    _ => ProvisioningOperations.CreateCertificateFromCsr).ConfigureAwait(false);
                CheckIssuedKey(created.CertificatePem);
                return;
            }
            catch (AwsServiceException ex) when (ex.StatusCode is null || ex.StatusCode >= 500)
            {
                _device.Batch.Log.Warning($"The outcome of CreateCertificateFromCsr for '{Thing}' is unknown ({ex.ErrorCode}); looking for the certificate before issuing again.");
                if (await ResolveIssuedAsync(intent.At, token).ConfigureAwait(false))
                {
                    return;
                }

                if (attempt >= MaxIssueAttempts)
                {
                    throw;
                }
            }
        }
    }

    /// <summary>Finds the certificate a CreateCertificateFromCsr of unknown outcome created; records it (true) or records that there is none (false).</summary>
    private async Task<bool> ResolveIssuedAsync(DateTimeOffset since, CancellationToken token)
    {
        var csr = _device.Csr!;
        var claimed = _device.Batch.CertificateIdsClaimedBesides(Thing);
        var match = await _device.Batch.Finder.FindIssuedFromCsrAsync(csr, since, claimed.Contains, token).ConfigureAwait(false);
        switch (match.Outcome)
        {
            case CertificateMatchOutcome.Found:
                var found = match.Certificate!;
                _device.Batch.Log.Verbose($"'{Thing}': the interrupted CreateCertificateFromCsr had created certificate {found.CertificateId}; it is used, nothing is re-issued.");
                _device.Append(new JournalRecord(JournalEvents.CertificateReady, Thing)
                {
                    CertificateId = found.CertificateId,
                    CertificateArn = found.CertificateArn,
                    CertificatePem = found.CertificatePem,
                    Csr = csr.DerSha256,
                    Owned = true,
                    Message = "recovered",
                });
                _device.Done(ProvisioningOperations.CreateCertificateFromCsr);
                return true;
            case CertificateMatchOutcome.NotFound:
                _device.Append(new JournalRecord(JournalEvents.CertificateIssueAbsent, Thing) { Csr = csr.DerSha256 });
                return false;
            default:
                throw new ZymException("CertificateFromCsrUnresolved", ZymErrorCategory.InvalidOperation,
                    $"An interrupted CreateCertificateFromCsr for '{Thing}' may have created one of these certificates: {string.Join(", ", match.CandidateIds)}. " +
                    "Nothing was re-issued; check them (and delete the one not wanted) before running the batch again.", _device.ErrorTarget);
        }
    }

    /// <summary>AWS IoT issues the certificate for the CSR's public key; one that does not carry it is useless to the device.</summary>
    private void CheckIssuedKey(string certificatePem)
    {
        var issued = CertificateFacts.TryParse(certificatePem, out _);
        if (issued?.Structure is not null && !Bytes.Same(issued.SubjectPublicKeyInfoDer, _device.Csr!.SubjectPublicKeyInfoDer))
        {
            _device.Batch.WarnKeyMismatch(Thing);
        }
    }

    private readonly record struct Registered(IotCertificateReference Reference, bool Owned, bool Active, string? Status);
}
