using System;
using System.Threading;
using System.Threading.Tasks;
using ZymAws.Engine.Aws;
using ZymAws.Engine.Pki;

namespace ZymAws.Engine.Provisioning.Internal;

/// <summary>
/// The device's certificate in AWS IoT: registered (with the batch's CA or without one), issued from the CSR (AWS IoT
/// as the CA), or recovered — a call of unknown outcome (a lost answer, or a journal intent without its result) is
/// resolved by finding what it created before anything is registered or issued again, and a certificate an earlier
/// run's unfinished undo left INACTIVE is recognised by its thing's <see cref="ThingMarker"/> and finished (with or
/// without the journal). A certificate an operator disabled is never re-enabled.
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

        var match = await _device.Batch.Finder.FindRegisteredAsync(_device.Certificate!, pending, _device.Batch.CertificateIdsClaimedBesides(Thing), token).ConfigureAwait(false);
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
            JournaledStep.Void(_device, "Activation"),
            () => _device.Iot.UpdateCertificateAsync(certificateId, IotCertificateStatus.Active, token),
            new JournalRecord(JournalEvents.CertificateActivated, Thing) { CertificateId = certificateId },
            action,
            async () => string.Equals((await _device.Iot.DescribeCertificateAsync(certificateId, token).ConfigureAwait(false)).Status, IotCertificateStatus.Active, StringComparison.Ordinal));

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
            () => new JournalRecord(JournalEvents.CertificateIssueAbsent, Thing),
            () => RegisterOrFindAsync(dangling, intentAt, token),
            r => new JournalRecord(JournalEvents.CertificateReady, Thing) { CertificateId = r.Reference.CertificateId, CertificateArn = r.Reference.CertificateArn, Owned = r.Owned, Input = _device.Input },
            r => r.Owned && r.Active ? operation : null,
            () => LookForRegisteredAsync(intentAt, token)).ConfigureAwait(false);
        if (registered.Active)
        {
            return;
        }

        if (registered.Owned)
        {
            // Ours but not ACTIVE (e.g. an earlier undo of this batch deactivated it): record that, then activate.
            _device.Append(new JournalRecord(JournalEvents.CertificateDeactivated, Thing) { CertificateId = registered.Reference.CertificateId });
            await ActivateAsync(registered.Reference.CertificateId, operation, token).ConfigureAwait(false);
            return;
        }

        await FinishLeftByUndoAsync(registered.Description!, certificatePem: null, token).ConfigureAwait(false);
    }

    /// <summary>
    /// A certificate that is registered but not ACTIVE, not known to be this run's: finished (ACTIVE again, owned) when
    /// the module's own unfinished undo left it (<see cref="ThingMarker.IsLeftByUndoAsync"/>), else left as it is.
    /// </summary>
    /// <exception cref="ZymException">CertificateNotActive.</exception>
    private async Task FinishLeftByUndoAsync(IotCertificateDescription certificate, string? certificatePem, CancellationToken token)
    {
        var thing = await _device.ExistingThingAsync(token).ConfigureAwait(false);
        if (!await ThingMarker.IsLeftByUndoAsync(_device.Iot, thing, certificate, token).ConfigureAwait(false))
        {
            throw new ZymException("CertificateNotActive", ZymErrorCategory.InvalidOperation,
                $"Certificate {certificate.CertificateId} of '{Thing}' is already registered with status {certificate.Status}; it is left as it is (enable it first if the device should be used).", _device.ErrorTarget);
        }

        _device.Batch.Log.Verbose($"'{Thing}': certificate {certificate.CertificateId} was left {certificate.Status} by an unfinished undo of an earlier run (its thing's marker names it, nothing is attached to it); provisioning finishes it.");
        _device.Append(new JournalRecord(JournalEvents.CertificateReady, Thing)
        {
            CertificateId = certificate.CertificateId,
            CertificateArn = certificate.CertificateArn,
            CertificatePem = certificatePem,
            Csr = _device.Csr?.DerSha256,
            Owned = true,
            Input = _device.Input,
            Message = "left by an unfinished undo",
        });
        _device.Append(new JournalRecord(JournalEvents.CertificateDeactivated, Thing) { CertificateId = certificate.CertificateId });
        await ActivateAsync(certificate.CertificateId, "UpdateCertificate", token).ConfigureAwait(false);
    }

    private async Task<Registered> RegisterOrFindAsync(bool dangling, DateTimeOffset intentAt, CancellationToken token)
    {
        try
        {
            var reference = _device.Mode == CertificateRegistrationMode.WithCa
                ? await _device.Iot.RegisterCertificateAsync(new IotRegisterCertificateRequest(_device.Request.CertificatePem!) { CaCertificatePem = _device.Batch.Options.CaCertificatePem, SetAsActive = true }, token).ConfigureAwait(false)
                : await _device.Iot.RegisterCertificateWithoutCaAsync(_device.Request.CertificatePem!, IotCertificateStatus.Active, token).ConfigureAwait(false);
            return new Registered(reference, Owned: true, Active: true, null);
        }
        catch (AwsServiceException ex) when (ex.IsAlreadyExists)
        {
            string id = ex.ResourceId ?? _device.Certificate!.CertificateId;
            IotCertificateDescription description;
            try
            {
                description = await _device.Iot.DescribeCertificateAsync(id, token).ConfigureAwait(false);
            }
            catch (AwsServiceException describeFailed)
            {
                // The registration's own answer stands: the certificate exists. A throttled describe must not be taken
                // for RegisterCertificate being refused (which would void its intent and orphan a certificate an
                // earlier attempt registered); the step looks again, or the rollback does.
                _device.Batch.Log.Verbose($"'{Thing}': certificate {id} exists and could not be described yet ({describeFailed.ErrorCode}).");
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(ex).Throw();
                throw;
            }

            // Ours only if an earlier attempt of ours may have registered it (an attempt whose answer was lost, or an
            // intent from an interrupted run) and it was created after that attempt began.
            return AsRegistered(description, (dangling || ex.OutcomeUnknown) && description.CreationDate is DateTimeOffset created && created >= intentAt - CertificateFinder.ClockSkew);
        }
    }

    /// <summary>After a registration of unknown outcome: the certificate (its id is known) if it exists and was created since the intent.</summary>
    private async Task<(bool Found, Registered Result)> LookForRegisteredAsync(DateTimeOffset intentAt, CancellationToken token)
    {
        var description = await DevicePlan.TryAsync(() => _device.Iot.DescribeCertificateAsync(_device.Certificate!.CertificateId, token)).ConfigureAwait(false);
        if (description is null)
        {
            return (false, default);
        }

        bool created = description.CreationDate is DateTimeOffset at && at >= intentAt - CertificateFinder.ClockSkew;
        return (true, AsRegistered(description, created));
    }

    private static Registered AsRegistered(IotCertificateDescription description, bool owned) =>
        new(new IotCertificateReference(description.CertificateId, description.CertificateArn), owned,
            string.Equals(description.Status, IotCertificateStatus.Active, StringComparison.Ordinal), description);

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
        else if (await AdoptMarkedAsync(token).ConfigureAwait(false))
        {
            return;
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
                    () => new JournalRecord(JournalEvents.CertificateIssueAbsent, Thing) { Csr = csr.DerSha256 },
                    () => _device.Iot.CreateCertificateFromCsrAsync(_device.Request.CsrPem!, setAsActive: true, token),
                    c => new JournalRecord(JournalEvents.CertificateReady, Thing) { CertificateId = c.CertificateId, CertificateArn = c.CertificateArn, CertificatePem = c.CertificatePem, Csr = csr.DerSha256, Owned = true },
                    _ => ProvisioningOperations.CreateCertificateFromCsr).ConfigureAwait(false);
                CheckIssuedKey(created.CertificatePem);
                return;
            }
            catch (AwsServiceException ex) when (ex.OutcomeUnknown)
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

    /// <summary>
    /// Without a pending intent (a run without the journal, or a new one): the certificate the device's thing's marker
    /// names, when AWS IoT issued it for this CSR's key, is the device's — used as it is when ACTIVE (nothing is issued
    /// again), finished when an unfinished undo left it, refused (CertificateNotActive) when an operator disabled it.
    /// </summary>
    private async Task<bool> AdoptMarkedAsync(CancellationToken token)
    {
        var thing = await _device.ExistingThingAsync(token).ConfigureAwait(false);
        if (thing is null || ThingMarker.Of(thing) is not string markedId)
        {
            return false;
        }

        var description = await DevicePlan.TryAsync(() => _device.Iot.DescribeCertificateAsync(markedId, token)).ConfigureAwait(false);
        var issued = description is null ? null : CertificateFacts.TryParse(description.CertificatePem, out _);
        if (issued is null || !Bytes.Same(issued.SubjectPublicKeyInfoDer, _device.Csr!.SubjectPublicKeyInfoDer))
        {
            return false;
        }

        if (!string.Equals(description!.Status, IotCertificateStatus.Active, StringComparison.Ordinal))
        {
            await FinishLeftByUndoAsync(description, description.CertificatePem, token).ConfigureAwait(false);
            return true;
        }

        _device.Batch.Log.Verbose($"'{Thing}': its thing names certificate {markedId}, issued for this CSR's key; it is used, nothing is issued again.");
        _device.Append(new JournalRecord(JournalEvents.CertificateReady, Thing)
        {
            CertificateId = description.CertificateId,
            CertificateArn = description.CertificateArn,
            CertificatePem = description.CertificatePem,
            Csr = _device.Csr.DerSha256,
            Owned = false,
            Input = _device.Input,
        });
        return true;
    }

    /// <summary>Finds the certificate a CreateCertificateFromCsr of unknown outcome created; records it (true) or records that there is none (false).</summary>
    private async Task<bool> ResolveIssuedAsync(DateTimeOffset since, CancellationToken token)
    {
        var csr = _device.Csr!;
        var claimed = _device.Batch.CertificateIdsClaimedBesides(Thing);
        var match = await _device.Batch.Finder.FindIssuedFromCsrAsync(csr, since, claimed, token).ConfigureAwait(false);
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

    private readonly record struct Registered(IotCertificateReference Reference, bool Owned, bool Active, IotCertificateDescription? Description);
}
