using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ZymAws.Engine.Aws;
using ZymAws.Engine.CredentialProvider.Internal;

namespace ZymAws.Engine.Provisioning.Internal;

/// <summary>
/// Provisions one device: validate locally, ask once, then certificate → thing → attach principal → attach policy,
/// each step journaled (intent before every AWS change, result after), each skipped when the journal or a read-only
/// check shows it is already done. On failure, undoes what the batch created for this device unless NoRollback.
/// </summary>
internal sealed class DeviceRunner
{
    private const int MaxIssueAttempts = 3;
    private readonly BatchContext _ctx;
    private readonly DeviceProvisioningRequest _request;
    private readonly List<string> _actions = new();
    private readonly string _thing;
    private DeviceState _state = new();
    private string _policy = string.Empty;
    private string _input = string.Empty;
    private ParsedCertificate? _certificate;
    private ParsedCsr? _csr;

    public DeviceRunner(BatchContext ctx, DeviceProvisioningRequest request)
    {
        _ctx = ctx;
        _request = request;
        _thing = request.ThingName ?? string.Empty;
    }

    private CertificateRegistrationMode Mode => _ctx.Options.Mode;

    private object ErrorTarget => _request.SourceItem ?? _thing;

    /// <summary>Runs the device; null when the batch stopped before the device was started (nothing was done).</summary>
    public async Task<DeviceProvisioningOutcome?> RunAsync(CancellationToken stopToken)
    {
        var clock = Stopwatch.StartNew();
        var result = new DeviceProvisioningOutcome(_thing, _request.SourceItem);
        try
        {
            Validate();
        }
        catch (ZymException ex)
        {
            return Finish(result, DeviceProvisioningStatus.Failed, clock, ex);
        }

        _state = _ctx.Journal.StateOf(_thing);
        if (_state.Input is not null && _state.Input != _input)
        {
            if (_state.HasLiveResources)
            {
                return Finish(result, DeviceProvisioningStatus.Failed, clock, new ZymException("JournalMismatch", ZymErrorCategory.InvalidData,
                    $"The journal records another certificate or CSR for '{_thing}', whose resources may still exist; finish or roll back that batch first, or use another journal.", ErrorTarget));
            }

            _state.Reset();
        }

        if (_state.Provisioned)
        {
            result.FromJournal = true;
            return Finish(result, DeviceProvisioningStatus.AlreadyProvisioned, clock, null);
        }

        try
        {
            if (!await _ctx.PolicyExistsAsync(_policy, stopToken).ConfigureAwait(false))
            {
                return Finish(result, DeviceProvisioningStatus.Failed, clock, new ZymException("ProvisioningPolicyNotFound", ZymErrorCategory.ObjectNotFound,
                    $"IoT policy '{_policy}' does not exist; '{_thing}' was not touched.", ErrorTarget));
            }
        }
        catch (OperationCanceledException) when (stopToken.IsCancellationRequested)
        {
            return null;
        }
        catch (ZymException ex)
        {
            return Finish(result, DeviceProvisioningStatus.Failed, clock, ex);
        }

        bool approved;
        try
        {
            approved = await Callbacks.AskAsync(_ctx.Options.ShouldProcess, _thing, DescribePlan(), stopToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stopToken.IsCancellationRequested)
        {
            return null;
        }
        catch (Exception ex)
        {
            _ctx.Abort(ex);
            return null;
        }

        if (!approved)
        {
            return await PlanAsync(result, clock, stopToken).ConfigureAwait(false);
        }

        // Once started, a device finishes (or is rolled back) even if the batch is stopped: it gets CleanupTimeout to do so.
        using var work = new CancellationTokenSource();
        using (stopToken.Register(() => CancelAfter(work, _ctx.Options.CleanupTimeout)))
        {
            try
            {
                await EnsureCertificateAsync(work.Token).ConfigureAwait(false);
                await EnsureThingAsync(work.Token).ConfigureAwait(false);
                await EnsurePrincipalAsync(work.Token).ConfigureAwait(false);
                await EnsurePolicyAsync(work.Token).ConfigureAwait(false);
                Append(new JournalRecord(JournalEvents.Provisioned, _thing) { CertificateId = _state.CertificateId });
                return Finish(result, _state.OwnsAnything ? DeviceProvisioningStatus.Provisioned : DeviceProvisioningStatus.AlreadyProvisioned, clock, null);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                var error = ToZym(ex);
                if (error.ErrorId == "JournalWriteFailed")
                {
                    _ctx.Abort(error);
                }

                _ctx.Log.Verbose($"'{_thing}' failed: {error.Message}");
                CaptureIds(result);
                if (_ctx.Options.NoRollback)
                {
                    AppendQuietly(new JournalRecord(JournalEvents.Failed, _thing) { Message = error.Message });
                    return Finish(result, DeviceProvisioningStatus.Failed, clock, error);
                }

                var rollbackError = await RollbackAsync().ConfigureAwait(false);
                if (rollbackError is null)
                {
                    AppendQuietly(new JournalRecord(JournalEvents.RolledBack, _thing) { Message = error.Message });
                    return Finish(result, DeviceProvisioningStatus.RolledBack, clock, error);
                }

                AppendQuietly(new JournalRecord(JournalEvents.Failed, _thing) { Message = error.Message + " Rollback failed: " + rollbackError.Message });
                result.RollbackError = rollbackError;
                return Finish(result, DeviceProvisioningStatus.Failed, clock, error);
            }
        }
    }

    // ---- validation --------------------------------------------------------------------------------------------

    private void Validate()
    {
        if (!AwsNames.IsThingName(_request.ThingName))
        {
            throw Invalid("ThingNameInvalid", $"'{_request.ThingName}' is not a valid thing name (1-128 letters, digits, ':', '_' or '-').");
        }

        _policy = _request.PolicyName ?? _ctx.Options.PolicyName ?? throw Invalid("PolicyNameMissing", $"No IoT policy for '{_thing}': give one for the device or for the batch.");
        if (!AwsNames.IsPolicyName(_policy))
        {
            throw Invalid("PolicyNameInvalid", $"'{_policy}' is not a valid IoT policy name.");
        }

        if (_request.ThingTypeName is not null && !AwsNames.IsThingTypeName(_request.ThingTypeName))
        {
            throw Invalid("ThingTypeNameInvalid", $"'{_request.ThingTypeName}' is not a valid thing type name.");
        }

        if (_request.Attributes is not null)
        {
            foreach (var attribute in _request.Attributes)
            {
                if (!AwsNames.IsAttributeName(attribute.Key) || !AwsNames.IsAttributeValue(attribute.Value))
                {
                    throw Invalid("ThingAttributeInvalid", $"Thing attribute '{attribute.Key}' = '{attribute.Value}' of '{_thing}' is not allowed by AWS IoT (names: letters, digits and _.,@/:#-; values also =[]; up to 128/800 characters).");
                }
            }
        }

        string? problem;
        if (Mode == CertificateRegistrationMode.FromCsr)
        {
            if (string.IsNullOrWhiteSpace(_request.CsrPem))
            {
                throw Invalid("CsrMissing", $"'{_thing}' has no CSR; AWS IoT issues certificates from CSRs in this mode.");
            }

            _csr = DevicePem.TryParseCsr(_request.CsrPem, out problem) ?? throw new ZymException("CsrInvalid", ZymErrorCategory.InvalidData, $"The CSR of '{_thing}' is unusable: {problem}.", ErrorTarget);
            _input = "csr:" + _csr.DerSha256;
            return;
        }

        if (string.IsNullOrWhiteSpace(_request.CertificatePem))
        {
            throw Invalid("CertificateMissing", $"'{_thing}' has no certificate.");
        }

        _certificate = DevicePem.TryParseCertificate(_request.CertificatePem, out problem)
            ?? throw new ZymException("CertificateInvalid", ZymErrorCategory.InvalidData, $"The certificate of '{_thing}' is unusable: {problem}.", ErrorTarget);
        _input = "cert:" + _certificate.DerSha256;
        if (_certificate.Certificate.NotAfter < DateTime.UtcNow)
        {
            throw new ZymException("CertificateExpired", ZymErrorCategory.InvalidData,
                $"The certificate of '{_thing}' expired on {_certificate.Certificate.NotAfter:u}.", ErrorTarget);
        }

        if (Mode == CertificateRegistrationMode.WithCa && _ctx.Ca is ParsedCertificate ca &&
            (!DevicePem.SameBytes(_certificate.IssuerDer, ca.SubjectDer) || !DevicePem.IsSignedBy(_certificate, ca)))
        {
            throw new ZymException("CertificateNotIssuedByCa", ZymErrorCategory.InvalidData,
                $"The certificate of '{_thing}' (issuer {_certificate.Certificate.IssuerDN}) is not signed by the batch's CA ({ca.Certificate.SubjectDN}).", ErrorTarget);
        }
    }

    private ZymException Invalid(string errorId, string message) => new(errorId, ZymErrorCategory.InvalidArgument, message, ErrorTarget);

    private string DescribePlan()
    {
        string certificate = Mode switch
        {
            CertificateRegistrationMode.FromCsr => "Have AWS IoT issue a certificate from the CSR",
            CertificateRegistrationMode.WithoutCa => $"Register certificate {_certificate!.DerSha256} without a CA",
            _ => $"Register certificate {_certificate!.DerSha256}",
        };
        return $"{certificate}, create the thing if missing, attach the certificate to it and attach IoT policy '{_policy}'";
    }

    // ---- steps -------------------------------------------------------------------------------------------------

    private async Task EnsureCertificateAsync(CancellationToken token)
    {
        if (_state.CertificateId is string existingId)
        {
            if (!_state.CertificateActive || _state.ActivationIntent)
            {
                if (!_state.CertificateOwned)
                {
                    throw new ZymException("CertificateNotActive", ZymErrorCategory.InvalidOperation, $"Certificate {existingId} of '{_thing}' is not ACTIVE.", ErrorTarget);
                }

                Append(new JournalRecord(JournalEvents.CertificateActivating, _thing) { CertificateId = existingId });
                await _ctx.Iot.UpdateCertificateAsync(existingId, IotCertificateStatus.Active, token).ConfigureAwait(false);
                Append(new JournalRecord(JournalEvents.CertificateActivated, _thing) { CertificateId = existingId });
                Done("UpdateCertificate");
            }

            return;
        }

        if (Mode == CertificateRegistrationMode.FromCsr)
        {
            await IssueFromCsrAsync(token).ConfigureAwait(false);
        }
        else
        {
            await RegisterAsync(token).ConfigureAwait(false);
        }
    }

    private async Task RegisterAsync(CancellationToken token)
    {
        bool dangling = _state.CertificateIntentAt is not null;
        DateTimeOffset intentAt;
        if (dangling)
        {
            intentAt = _state.CertificateIntentAt!.Value;
        }
        else
        {
            var intent = new JournalRecord(JournalEvents.CertificateRegistering, _thing) { Input = _input };
            Append(intent);
            intentAt = intent.At;
        }

        string operation = Mode == CertificateRegistrationMode.WithCa ? "RegisterCertificate" : ProvisioningOperations.RegisterCertificateWithoutCa;
        IotCertificateReference reference;
        bool owned;
        try
        {
            reference = Mode == CertificateRegistrationMode.WithCa
                ? await _ctx.Iot.RegisterCertificateAsync(new IotRegisterCertificateRequest(_request.CertificatePem!) { CaCertificatePem = _ctx.Options.CaCertificatePem, SetAsActive = true }, token).ConfigureAwait(false)
                : await _ctx.Iot.RegisterCertificateWithoutCaAsync(_request.CertificatePem!, IotCertificateStatus.Active, token).ConfigureAwait(false);
            owned = true;
        }
        catch (AwsServiceException ex) when (ex.IsAlreadyExists)
        {
            string id = ex.ResourceId ?? _certificate!.DerSha256;
            var description = await _ctx.Iot.DescribeCertificateAsync(id, token).ConfigureAwait(false);

            // Ours only if an earlier attempt of ours may have registered it (a lost response, or an intent from an
            // interrupted run) and it was created after that attempt began.
            owned = (dangling || ex.Attempts > 1) && description.CreationDate is DateTimeOffset created && created >= intentAt - CertificateFinder.ClockSkew;
            reference = new IotCertificateReference(id, ex.ResourceArn ?? description.CertificateArn);
            if (!string.Equals(description.Status, IotCertificateStatus.Active, StringComparison.Ordinal))
            {
                Append(new JournalRecord(JournalEvents.CertificateReady, _thing) { CertificateId = reference.CertificateId, CertificateArn = reference.CertificateArn, Owned = owned, Input = _input });
                if (!owned)
                {
                    throw new ZymException("CertificateNotActive", ZymErrorCategory.InvalidOperation,
                        $"Certificate {id} of '{_thing}' is already registered with status {description.Status}; it is left as it is (enable it first if the device should be used).", ErrorTarget);
                }

                Append(new JournalRecord(JournalEvents.CertificateActivating, _thing) { CertificateId = id });
                await _ctx.Iot.UpdateCertificateAsync(id, IotCertificateStatus.Active, token).ConfigureAwait(false);
                Append(new JournalRecord(JournalEvents.CertificateActivated, _thing) { CertificateId = id });
                Done(operation);
                return;
            }
        }

        Append(new JournalRecord(JournalEvents.CertificateReady, _thing) { CertificateId = reference.CertificateId, CertificateArn = reference.CertificateArn, Owned = owned, Input = _input });
        if (owned)
        {
            Done(operation);
        }
    }

    private async Task IssueFromCsrAsync(CancellationToken token)
    {
        if (_state.CertificateIntentAt is DateTimeOffset pending)
        {
            // An earlier run asked AWS to issue a certificate and never recorded the answer: find it before anything is re-issued.
            if (await ResolveIssuedAsync(pending, token).ConfigureAwait(false))
            {
                return;
            }
        }

        for (int attempt = 1; ; attempt++)
        {
            var intent = new JournalRecord(JournalEvents.CertificateIssuing, _thing) { Csr = _csr!.DerSha256, Input = _input };
            Append(intent);
            try
            {
                var created = await _ctx.Iot.CreateCertificateFromCsrAsync(_request.CsrPem!, setAsActive: true, token).ConfigureAwait(false);
                Append(new JournalRecord(JournalEvents.CertificateReady, _thing)
                {
                    CertificateId = created.CertificateId,
                    CertificateArn = created.CertificateArn,
                    CertificatePem = created.CertificatePem,
                    Csr = _csr.DerSha256,
                    Owned = true,
                });
                Done(ProvisioningOperations.CreateCertificateFromCsr);
                CheckIssuedKey(created.CertificatePem);
                return;
            }
            catch (AwsServiceException ex) when (IsAmbiguous(ex))
            {
                _ctx.Log.Warning($"The outcome of CreateCertificateFromCsr for '{_thing}' is unknown ({ex.ErrorCode}); looking for the certificate before issuing again.");
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
        var claimed = _ctx.CertificateIdsClaimedBesides(_thing);
        var match = await _ctx.Finder.FindIssuedFromCsrAsync(_csr!, since, claimed.Contains, _ctx.Options.CsrRecoveryMatchesSubject, token).ConfigureAwait(false);
        switch (match.Outcome)
        {
            case CertificateMatchOutcome.Found:
                var found = match.Certificate!;
                if (match.BySubjectOnly)
                {
                    _ctx.Log.Warning($"'{_thing}': certificate {found.CertificateId} matched the CSR by subject only (its public key differs).");
                }

                _ctx.Log.Verbose($"'{_thing}': the interrupted CreateCertificateFromCsr had created certificate {found.CertificateId}; it is used, nothing is re-issued.");
                Append(new JournalRecord(JournalEvents.CertificateReady, _thing)
                {
                    CertificateId = found.CertificateId,
                    CertificateArn = found.CertificateArn,
                    CertificatePem = found.CertificatePem,
                    Csr = _csr!.DerSha256,
                    Owned = true,
                    Message = "recovered",
                });
                Done(ProvisioningOperations.CreateCertificateFromCsr);
                return true;
            case CertificateMatchOutcome.NotFound:
                Append(new JournalRecord(JournalEvents.CertificateIssueAbsent, _thing) { Csr = _csr!.DerSha256 });
                return false;
            default:
                throw new ZymException("CertificateFromCsrUnresolved", ZymErrorCategory.InvalidOperation,
                    $"An interrupted CreateCertificateFromCsr for '{_thing}' may have created one of these certificates: {string.Join(", ", match.CandidateIds)}. " +
                    "Nothing was re-issued; check them (and delete the one not wanted) before running the batch again.", ErrorTarget);
        }
    }

    private void CheckIssuedKey(string certificatePem)
    {
        var issued = DevicePem.TryParseCertificate(certificatePem, out _);
        if (issued is not null && !DevicePem.SameBytes(issued.SubjectPublicKeyInfo, _csr!.SubjectPublicKeyInfo))
        {
            _ctx.WarnKeyMismatch(_thing);
        }
    }

    private async Task EnsureThingAsync(CancellationToken token)
    {
        if (_state.ThingArn is not null)
        {
            return;
        }

        // moto's CreateThing overwrites an existing thing: look first.
        var existing = await TryDescribeThingAsync(token).ConfigureAwait(false);
        if (existing is not null)
        {
            bool ours = _state.ThingIntent;
            Append(new JournalRecord(JournalEvents.ThingReady, _thing) { ThingArn = existing.ThingArn, Owned = ours });
            if (!ours && (_request.ThingTypeName is not null || _request.Attributes is { Count: > 0 }))
            {
                _ctx.Log.Verbose($"Thing '{_thing}' already exists; its type and attributes are left as they are.");
            }

            return;
        }

        if (!_state.ThingIntent)
        {
            Append(new JournalRecord(JournalEvents.ThingCreating, _thing));
        }

        var created = await RefusedClearsIntent("Thing", () => _ctx.Iot.CreateThingAsync(
            new IotCreateThingRequest(_thing)
            {
                ThingTypeName = _request.ThingTypeName,
                Attributes = _request.Attributes is null ? null : new Dictionary<string, string>(_request.Attributes),
            },
            token)).ConfigureAwait(false);
        Append(new JournalRecord(JournalEvents.ThingReady, _thing) { ThingArn = created.ThingArn, Owned = true });
        Done("CreateThing");
    }

    private async Task EnsurePrincipalAsync(CancellationToken token)
    {
        if (_state.PrincipalAttached)
        {
            return;
        }

        string certificateArn = _state.CertificateArn!;
        if (!_state.PrincipalIntent && !_state.CertificateOwned && !_state.ThingOwned)
        {
            var principals = await _ctx.Iot.ListAllThingPrincipalsAsync(_thing, cancellationToken: token).ConfigureAwait(false);
            if (principals.Contains(certificateArn, StringComparer.Ordinal))
            {
                Append(new JournalRecord(JournalEvents.PrincipalReady, _thing) { CertificateArn = certificateArn, Owned = false });
                return;
            }
        }

        if (!_state.PrincipalIntent)
        {
            Append(new JournalRecord(JournalEvents.PrincipalAttaching, _thing) { CertificateArn = certificateArn });
        }

        await RefusedClearsIntent("Principal", async () =>
        {
            await _ctx.Iot.AttachThingPrincipalAsync(_thing, certificateArn, token).ConfigureAwait(false);
            return true;
        }).ConfigureAwait(false);
        Append(new JournalRecord(JournalEvents.PrincipalReady, _thing) { CertificateArn = certificateArn, Owned = true });
        Done("AttachThingPrincipal");
    }

    private async Task EnsurePolicyAsync(CancellationToken token)
    {
        if (_state.PolicyAttached && _state.Policy == _policy)
        {
            return;
        }

        string certificateArn = _state.CertificateArn!;
        if (!_state.PolicyIntent && !_state.CertificateOwned)
        {
            var attached = await _ctx.Iot.ListAllAttachedPoliciesAsync(certificateArn, cancellationToken: token).ConfigureAwait(false);
            if (attached.Any(p => p.PolicyName == _policy))
            {
                Append(new JournalRecord(JournalEvents.PolicyReady, _thing) { Policy = _policy, Owned = false });
                return;
            }
        }

        if (!_state.PolicyIntent)
        {
            Append(new JournalRecord(JournalEvents.PolicyAttaching, _thing) { Policy = _policy });
        }

        await RefusedClearsIntent("Policy", async () =>
        {
            await _ctx.Iot.AttachPolicyAsync(_policy, certificateArn, token).ConfigureAwait(false);
            return true;
        }).ConfigureAwait(false);
        Append(new JournalRecord(JournalEvents.PolicyReady, _thing) { Policy = _policy, Owned = true });
        Done("AttachPolicy");
    }

    // ---- rollback ----------------------------------------------------------------------------------------------

    /// <summary>Undoes, newest first, what the batch created for this device. Returns the error that stopped it, or null.</summary>
    private async Task<ZymException?> RollbackAsync()
    {
        using var timeout = new CancellationTokenSource(_ctx.Options.CleanupTimeout);
        var token = timeout.Token;
        try
        {
            if (_state.CertificateIntentAt is DateTimeOffset pending && _state.CertificateId is null)
            {
                // A certificate call of unknown outcome: find what it created so it can be removed.
                if (Mode == CertificateRegistrationMode.FromCsr)
                {
                    await ResolveIssuedAsync(pending, token).ConfigureAwait(false);
                }
                else
                {
                    var match = await _ctx.Finder.FindRegisteredAsync(_certificate!, pending, _ctx.CertificateIdsClaimedBesides(_thing).Contains, token).ConfigureAwait(false);
                    if (match.Outcome == CertificateMatchOutcome.Found)
                    {
                        Append(new JournalRecord(JournalEvents.CertificateReady, _thing) { CertificateId = match.Certificate!.CertificateId, CertificateArn = match.Certificate.CertificateArn, Owned = true, Message = "recovered" });
                    }
                    else if (match.Outcome == CertificateMatchOutcome.NotFound)
                    {
                        Append(new JournalRecord(JournalEvents.CertificateIssueAbsent, _thing));
                    }
                    else
                    {
                        throw new ZymException("CertificateRegistrationUnresolved", ZymErrorCategory.InvalidOperation,
                            $"Could not tell which of {string.Join(", ", match.CandidateIds)} an interrupted RegisterCertificate for '{_thing}' created.", ErrorTarget);
                    }
                }
            }

            string? certificateArn = _state.CertificateArn;
            if ((_state.PolicyOwned || _state.PolicyIntent) && certificateArn is not null)
            {
                bool detached = await IgnoreNotFoundAsync(() => _ctx.Iot.DetachPolicyAsync(_state.Policy ?? _policy, certificateArn, token)).ConfigureAwait(false);
                Append(new JournalRecord(JournalEvents.PolicyDetached, _thing) { Policy = _state.Policy ?? _policy });
                DoneIf(detached, "DetachPolicy");
            }

            if ((_state.PrincipalOwned || _state.PrincipalIntent) && certificateArn is not null)
            {
                bool detached = await IgnoreNotFoundAsync(() => _ctx.Iot.DetachThingPrincipalAsync(_thing, certificateArn, token)).ConfigureAwait(false);
                Append(new JournalRecord(JournalEvents.PrincipalDetached, _thing) { CertificateArn = certificateArn });
                DoneIf(detached, "DetachThingPrincipal");
            }

            if (_state.ThingOwned || _state.ThingIntent)
            {
                // DetachThingPrincipal is asynchronous on AWS: DeleteThing may still see the principal for a moment.
                bool deleted = await RetryWhileAttachedAsync(() => IgnoreNotFoundAsync(() => _ctx.Iot.DeleteThingAsync(_thing, null, token)), token).ConfigureAwait(false);
                Append(new JournalRecord(JournalEvents.ThingDeleted, _thing));
                DoneIf(deleted, "DeleteThing");
            }

            if (_state.CertificateId is string certificateId && _state.CertificateOwned)
            {
                if (_state.CertificateActive)
                {
                    bool deactivated = await IgnoreNotFoundAsync(() => _ctx.Iot.UpdateCertificateAsync(certificateId, IotCertificateStatus.Inactive, token)).ConfigureAwait(false);
                    Append(new JournalRecord(JournalEvents.CertificateDeactivated, _thing) { CertificateId = certificateId });
                    DoneIf(deactivated, "UpdateCertificate");
                }

                bool removed = await RetryWhileAttachedAsync(() => IgnoreNotFoundAsync(() => _ctx.Iot.DeleteCertificateAsync(certificateId, false, token)), token).ConfigureAwait(false);
                Append(new JournalRecord(JournalEvents.CertificateDeleted, _thing) { CertificateId = certificateId });
                DoneIf(removed, "DeleteCertificate");
            }

            return null;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            var error = ToZym(ex);
            _ctx.Log.Warning($"Rolling back '{_thing}' failed: {error.Message}");
            return error;
        }
    }

    /// <summary>Runs an undo call; false when AWS says the resource is already gone.</summary>
    private static async Task<bool> IgnoreNotFoundAsync(Func<Task> call)
    {
        try
        {
            await call().ConfigureAwait(false);
            return true;
        }
        catch (AwsServiceException ex) when (ex.IsNotFound)
        {
            return false;
        }
    }

    private static async Task<bool> RetryWhileAttachedAsync(Func<Task<bool>> call, CancellationToken token)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return await call().ConfigureAwait(false);
            }
            catch (AwsServiceException ex) when (attempt < 6 && (ex.NormalizedCode == "DeleteConflict" || ex.NormalizedCode == "InvalidRequest" || ex.NormalizedCode == "CertificateState"))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(4000, 250 * (1 << attempt))), token).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Runs the AWS call an intent announced; when AWS refuses it outright (a 4xx answer), records that it changed
    /// nothing, so neither a rollback nor a resume acts on that intent.
    /// </summary>
    private async Task<T> RefusedClearsIntent<T>(string step, Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (AwsServiceException ex) when (ex.StatusCode is int status && status >= 400 && status < 500 && !ex.IsAlreadyExists)
        {
            AppendQuietly(new JournalRecord(JournalEvents.IntentVoid, _thing) { Step = step, Message = ex.ErrorCode });
            throw;
        }
    }

    // ---- WhatIf ------------------------------------------------------------------------------------------------

    private async Task<DeviceProvisioningOutcome?> PlanAsync(DeviceProvisioningOutcome result, Stopwatch clock, CancellationToken token)
    {
        var planned = new List<string>();
        try
        {
            string? certificateArn = _state.CertificateArn;
            if (certificateArn is null)
            {
                if (Mode == CertificateRegistrationMode.FromCsr)
                {
                    planned.Add(ProvisioningOperations.CreateCertificateFromCsr);
                }
                else
                {
                    foreach (string id in DevicePem.CandidateIds(_certificate!, _request.CertificatePem!))
                    {
                        try
                        {
                            var description = await _ctx.Iot.DescribeCertificateAsync(id, token).ConfigureAwait(false);
                            certificateArn = description.CertificateArn;
                            result.CertificateId = description.CertificateId;
                            if (!string.Equals(description.Status, IotCertificateStatus.Active, StringComparison.Ordinal))
                            {
                                planned.Add($"(certificate is {description.Status}: provisioning would fail with CertificateNotActive)");
                            }

                            break;
                        }
                        catch (AwsServiceException ex) when (ex.IsNotFound)
                        {
                        }
                    }

                    if (certificateArn is null)
                    {
                        planned.Add(Mode == CertificateRegistrationMode.WithCa ? "RegisterCertificate" : ProvisioningOperations.RegisterCertificateWithoutCa);
                    }
                }
            }

            bool thingExists = _state.ThingArn is not null || await TryDescribeThingAsync(token).ConfigureAwait(false) is not null;
            if (!thingExists)
            {
                planned.Add("CreateThing");
            }

            if (certificateArn is null || !thingExists ||
                !(await _ctx.Iot.ListAllThingPrincipalsAsync(_thing, cancellationToken: token).ConfigureAwait(false)).Contains(certificateArn, StringComparer.Ordinal))
            {
                planned.Add("AttachThingPrincipal");
            }

            if (certificateArn is null ||
                !(await _ctx.Iot.ListAllAttachedPoliciesAsync(certificateArn, cancellationToken: token).ConfigureAwait(false)).Any(p => p.PolicyName == _policy))
            {
                planned.Add("AttachPolicy");
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            return null;
        }
        catch (ZymException ex)
        {
            planned.Add("(could not check what exists: " + ex.Message + ")");
        }

        result.PlannedActions = planned;
        return Finish(result, planned.Count == 0 ? DeviceProvisioningStatus.AlreadyProvisioned : DeviceProvisioningStatus.Skipped, clock, null);
    }

    // ---- plumbing ----------------------------------------------------------------------------------------------

    private async Task<IotThing?> TryDescribeThingAsync(CancellationToken token)
    {
        try
        {
            return await _ctx.Iot.DescribeThingAsync(_thing, token).ConfigureAwait(false);
        }
        catch (AwsServiceException ex) when (ex.IsNotFound)
        {
            return null;
        }
    }

    private void Append(JournalRecord record) => _ctx.Journal.Append(record);

    private void AppendQuietly(JournalRecord record)
    {
        try
        {
            _ctx.Journal.Append(record);
        }
        catch (ZymException ex)
        {
            _ctx.Abort(ex);
        }
    }

    private void Done(string step)
    {
        _actions.Add(step);
        _ctx.ReportStep(new ProvisioningStepEvent(_thing, step, _state.CertificateId, _request.SourceItem));
    }

    private void DoneIf(bool didSomething, string step)
    {
        if (didSomething)
        {
            Done(step);
        }
    }

    private void CaptureIds(DeviceProvisioningOutcome result)
    {
        result.CertificateId ??= _state.CertificateId;
        result.CertificateArn ??= _state.CertificateArn;
        result.ThingArn ??= _state.ThingArn;
    }

    private DeviceProvisioningOutcome Finish(DeviceProvisioningOutcome result, DeviceProvisioningStatus status, Stopwatch clock, ZymException? error)
    {
        result.Status = status;
        result.Error = error;
        result.PolicyName = string.IsNullOrEmpty(_policy) ? _request.PolicyName ?? _ctx.Options.PolicyName : _policy;
        CaptureIds(result);
        if (Mode == CertificateRegistrationMode.FromCsr)
        {
            result.CertificatePem ??= _state.CertificatePem;
        }

        if (result.ThingArn is null && (status == DeviceProvisioningStatus.Provisioned || status == DeviceProvisioningStatus.AlreadyProvisioned))
        {
            result.ThingArn = AwsNames.IotArn(_ctx.Region, _ctx.AccountId, "thing/" + _thing);
        }

        result.Actions = _actions.ToList();
        result.Duration = clock.Elapsed;
        return result;
    }

    private ZymException ToZym(Exception ex)
    {
        switch (ex)
        {
            case ZymException zym:
                return zym;
            case OperationCanceledException:
                return new ZymException("ProvisioningCancelled", ZymErrorCategory.OperationStopped,
                    $"Provisioning of '{_thing}' was stopped before it finished.", ErrorTarget, ex);
            default:
                return new ZymException("DeviceProvisioningFailed", ZymErrorCategory.NotSpecified,
                    string.Format(CultureInfo.InvariantCulture, "Provisioning of '{0}' failed: {1}: {2}", _thing, ex.GetType().Name, ex.Message), ErrorTarget, ex);
        }
    }

    private static bool IsAmbiguous(AwsServiceException ex) => ex.StatusCode is null || ex.StatusCode >= 500;

    private static void CancelAfter(CancellationTokenSource source, TimeSpan delay)
    {
        try
        {
            source.CancelAfter(delay);
        }
        catch (ObjectDisposedException)
        {
        }
    }
}
