using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ZymAws.Engine.Aws;
using ZymAws.Engine.CredentialProvider.Internal;

namespace ZymAws.Engine.Provisioning.Internal;

/// <summary>
/// Provisions one device: validate locally (<see cref="DeviceValidation"/>), ask once (<see cref="DevicePlan"/> with
/// -WhatIf), then certificate (<see cref="CertificateStep"/>) → thing → attach principal → attach policy, each an
/// intent → call → ready <see cref="JournaledStep"/>, each skipped when the journal or a read-only check shows it is
/// already done. Things it creates carry the module's <see cref="ThingMarker"/>. On failure, <see cref="DeviceRollback"/>
/// undoes what the batch created for this device unless NoRollback (status RolledBack, or RollbackFailed with what is left).
/// </summary>
internal sealed class DeviceRunner
{
    private readonly DeviceContext _device;

    public DeviceRunner(BatchContext ctx, DeviceProvisioningRequest request)
    {
        _device = new DeviceContext(ctx, request);
    }

    private BatchContext Batch => _device.Batch;

    private string Thing => _device.Thing;

    private DeviceState State => _device.State;

    /// <summary>Runs the device; null when the batch stopped before the device was started (nothing was done).</summary>
    public async Task<DeviceProvisioningOutcome?> RunAsync(CancellationToken stopToken)
    {
        try
        {
            return await RunCoreAsync(stopToken).ConfigureAwait(false);
        }
        finally
        {
            // The device is done in this run: the journal keeps only what a later run needs of it.
            Batch.Journal.Settle(Thing);
        }
    }

    private async Task<DeviceProvisioningOutcome?> RunCoreAsync(CancellationToken stopToken)
    {
        var clock = Stopwatch.StartNew();
        var result = new DeviceProvisioningOutcome(Thing, _device.Request);
        try
        {
            DeviceValidation.Validate(_device);
        }
        catch (ZymException ex)
        {
            return Finish(result, DeviceProvisioningStatus.Failed, clock, ex);
        }

        _device.State = Batch.Journal.StateOf(Thing);
        if (State.Input is not null && State.Input != _device.Input)
        {
            if (State.HasLiveResources)
            {
                return Finish(result, DeviceProvisioningStatus.Failed, clock, new ZymException("JournalMismatch", ZymErrorCategory.InvalidData,
                    $"The journal records another certificate or CSR for '{Thing}', whose resources may still exist; finish or roll back that batch first, or use another journal.", _device.ErrorTarget));
            }

            _device.State = Batch.Journal.Forget(Thing);
        }

        if (State.Provisioned)
        {
            result.FromJournal = true;
            return Finish(result, DeviceProvisioningStatus.AlreadyProvisioned, clock, null);
        }

        try
        {
            await DeviceSubjectCheck.CheckAsync(_device, stopToken).ConfigureAwait(false);
            if (!await Batch.PolicyExistsAsync(_device.Policy, stopToken).ConfigureAwait(false))
            {
                return Finish(result, DeviceProvisioningStatus.Failed, clock, new ZymException("ProvisioningPolicyNotFound", ZymErrorCategory.ObjectNotFound,
                    $"IoT policy '{_device.Policy}' does not exist; '{Thing}' was not touched.", _device.ErrorTarget));
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

        // Reconcile: a device the batch's listing shows complete needs no change, so no question and no call of its
        // own; only a device the journal knows nothing of (a journal's unfinished record is resumed exactly as before).
        if (Batch.Snapshot is { } snapshot && State.Input is null && _device.Certificate is { } certificate)
        {
            try
            {
                if (await snapshot.IsCompleteAsync(Thing, certificate.CertificateId, _device.Policy, stopToken).ConfigureAwait(false))
                {
                    result.FromListing = true;
                    result.CertificateId = certificate.CertificateId;
                    result.CertificateArn = AwsNames.IotArn(Batch.Region, Batch.AccountId, "cert/" + certificate.CertificateId);
                    return Finish(result, DeviceProvisioningStatus.AlreadyProvisioned, clock, null);
                }
            }
            catch (OperationCanceledException) when (stopToken.IsCancellationRequested)
            {
                return null;
            }
        }

        if (Batch.Options.ShouldProcessAsksUser && Batch.Options.ShouldProcess is not null)
        {
            // Nobody is asked about a device that turns out complete.
            var needed = await DevicePlan.PlanAsync(_device, result, stopToken).ConfigureAwait(false);
            if (needed is null)
            {
                return null;
            }

            if (needed.Count == 0)
            {
                return Finish(result, DeviceProvisioningStatus.AlreadyProvisioned, clock, null);
            }
        }

        bool approved;
        try
        {
            approved = await Callbacks.AskAsync(Batch.Options.ShouldProcess, Thing, DevicePlan.Describe(_device), stopToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stopToken.IsCancellationRequested)
        {
            return null;
        }
        catch (Exception ex)
        {
            Batch.CallbackFailed(ex);
            return null;
        }

        if (!approved)
        {
            var planned = await DevicePlan.PlanAsync(_device, result, stopToken).ConfigureAwait(false);
            if (planned is null)
            {
                return null;
            }

            result.PlannedActions = planned;
            return Finish(result, planned.Count == 0 ? DeviceProvisioningStatus.AlreadyProvisioned : DeviceProvisioningStatus.Skipped, clock, null);
        }

        // Once started, a device finishes (or is rolled back) even if the batch is stopped: it gets CleanupTimeout to do so.
        using var work = new CancellationTokenSource();
        using (stopToken.Register(() => CancelAfter(work, Batch.Options.CleanupTimeout)))
        {
            try
            {
                await new CertificateStep(_device).EnsureAsync(work.Token).ConfigureAwait(false);
                await EnsureThingAsync(work.Token).ConfigureAwait(false);
                await EnsurePrincipalAsync(work.Token).ConfigureAwait(false);
                await EnsurePolicyAsync(work.Token).ConfigureAwait(false);
                _device.Append(new JournalRecord(JournalEvents.Provisioned, Thing) { CertificateId = State.CertificateId });
                return Finish(result, State.OwnsAnything ? DeviceProvisioningStatus.Provisioned : DeviceProvisioningStatus.AlreadyProvisioned, clock, null);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                return await FailAsync(result, clock, _device.ToZym(ex)).ConfigureAwait(false);
            }
        }
    }

    // ---- steps after the certificate ---------------------------------------------------------------------------

    private async Task EnsureThingAsync(CancellationToken token)
    {
        if (State.ThingArn is not null)
        {
            return;
        }

        // An existing thing is left as it is, and is not the batch's to delete unless the batch created it: an intent of
        // this batch, or the marker of the certificate this batch owns (an earlier run created the thing for it).
        string certificateId = State.CertificateId!;
        var existing = await _device.ExistingThingAsync(token).ConfigureAwait(false);
        if (existing is not null)
        {
            string? marker = ThingMarker.Of(existing);
            bool ours = State.ThingIntent || (State.CertificateOwned && marker == certificateId);
            _device.Append(new JournalRecord(JournalEvents.ThingReady, Thing) { ThingArn = existing.ThingArn, Owned = ours, Marker = marker });
            if (!ours && (_device.Request.ThingTypeName is not null || _device.Request.Attributes is { Count: > 0 }))
            {
                Batch.Log.Verbose($"Thing '{Thing}' already exists; its type and attributes are left as they are.");
            }

            return;
        }

        var request = new IotCreateThingRequest(Thing)
        {
            ThingTypeName = _device.Request.ThingTypeName,
            Attributes = ThingMarker.AttributesFor(_device.Request.Attributes, _device.Request.ThingTypeName, certificateId, out bool marked),
        };
        if (!marked)
        {
            Batch.Log.Verbose($"Thing '{Thing}' is created without the module's marker ({ThingMarker.AttributeName}): a thing without a type may have {ThingMarker.MaxAttributesWithoutType} attributes and all are given.");
        }

        await JournaledStep.RunAsync(
            _device,
            State.ThingIntent ? null : new JournalRecord(JournalEvents.ThingCreating, Thing),
            JournaledStep.Void(_device, "Thing"),
            async () => (await _device.Iot.CreateThingAsync(request, token).ConfigureAwait(false)).ThingArn,
            arn => new JournalRecord(JournalEvents.ThingReady, Thing) { ThingArn = arn, Owned = true, Marker = marked ? certificateId : null },
            _ => "CreateThing",
            async () =>
            {
                // It did not exist before the call: if it does now, and carries our marker (or we could not mark it), the call made it.
                var thing = await DevicePlan.TryAsync(() => _device.Iot.DescribeThingAsync(Thing, token)).ConfigureAwait(false);
                return (thing is not null && (!marked || ThingMarker.Of(thing) == certificateId), thing?.ThingArn ?? string.Empty);
            }).ConfigureAwait(false);
    }

    private async Task EnsurePrincipalAsync(CancellationToken token)
    {
        if (State.PrincipalAttached)
        {
            return;
        }

        string certificateArn = State.CertificateArn!;
        if (!State.PrincipalIntent && !State.CertificateOwned && !State.ThingOwned)
        {
            if (await IsPrincipalAttachedAsync(certificateArn, token).ConfigureAwait(false))
            {
                _device.Append(new JournalRecord(JournalEvents.PrincipalReady, Thing) { CertificateArn = certificateArn, Owned = false });
                return;
            }
        }

        await JournaledStep.RunAsync(
            _device,
            State.PrincipalIntent ? null : new JournalRecord(JournalEvents.PrincipalAttaching, Thing) { CertificateArn = certificateArn },
            JournaledStep.Void(_device, "Principal"),
            () => _device.Iot.AttachThingPrincipalAsync(Thing, certificateArn, token),
            new JournalRecord(JournalEvents.PrincipalReady, Thing) { CertificateArn = certificateArn, Owned = true },
            "AttachThingPrincipal",
            () => IsPrincipalAttachedAsync(certificateArn, token)).ConfigureAwait(false);
    }

    private async Task EnsurePolicyAsync(CancellationToken token)
    {
        string policy = _device.Policy;
        if (State.PolicyAttached && State.Policy == policy)
        {
            return;
        }

        string certificateArn = State.CertificateArn!;
        if (!State.PolicyIntent && !State.CertificateOwned)
        {
            if (await IsPolicyAttachedAsync(policy, certificateArn, token).ConfigureAwait(false))
            {
                _device.Append(new JournalRecord(JournalEvents.PolicyReady, Thing) { Policy = policy, Owned = false });
                return;
            }
        }

        await JournaledStep.RunAsync(
            _device,
            State.PolicyIntent ? null : new JournalRecord(JournalEvents.PolicyAttaching, Thing) { Policy = policy },
            JournaledStep.Void(_device, "Policy"),
            () => _device.Iot.AttachPolicyAsync(policy, certificateArn, token),
            new JournalRecord(JournalEvents.PolicyReady, Thing) { Policy = policy, Owned = true },
            "AttachPolicy",
            () => IsPolicyAttachedAsync(policy, certificateArn, token)).ConfigureAwait(false);
    }

    private async Task<bool> IsPrincipalAttachedAsync(string certificateArn, CancellationToken token) =>
        (await _device.Iot.ListAllThingPrincipalsAsync(Thing, cancellationToken: token).ConfigureAwait(false)).Contains(certificateArn, StringComparer.Ordinal);

    private async Task<bool> IsPolicyAttachedAsync(string policy, string certificateArn, CancellationToken token) =>
        (await _device.Iot.ListAllAttachedPoliciesAsync(certificateArn, cancellationToken: token).ConfigureAwait(false)).Any(p => p.PolicyName == policy);

    // ---- endings -----------------------------------------------------------------------------------------------

    /// <summary>A step failed: journal it, roll back unless NoRollback, and report the step's error (and the rollback's).</summary>
    private async Task<DeviceProvisioningOutcome> FailAsync(DeviceProvisioningOutcome result, Stopwatch clock, ZymException error)
    {
        if (error.ErrorId == "JournalWriteFailed")
        {
            Batch.Abort(error);
        }

        Batch.Log.Verbose($"'{Thing}' failed: {error.Message}");
        CaptureIds(result);
        if (Batch.Options.NoRollback)
        {
            _device.AppendQuietly(new JournalRecord(JournalEvents.Failed, Thing) { Message = error.Message });
            return Finish(result, DeviceProvisioningStatus.Failed, clock, error);
        }

        var rollback = await DeviceRollback.RunAsync(_device).ConfigureAwait(false);
        if (rollback.Error is null)
        {
            _device.AppendQuietly(new JournalRecord(JournalEvents.RolledBack, Thing) { Message = error.Message });
            return Finish(result, DeviceProvisioningStatus.RolledBack, clock, error);
        }

        _device.AppendQuietly(new JournalRecord(JournalEvents.RollbackFailed, Thing) { Message = error.Message + " Rollback failed: " + rollback.Error.Message });
        result.RollbackError = rollback.Error;
        result.LeftInAws = rollback.Left;
        return Finish(result, DeviceProvisioningStatus.RollbackFailed, clock, error);
    }

    private void CaptureIds(DeviceProvisioningOutcome result)
    {
        result.CertificateId ??= State.CertificateId;
        result.CertificateArn ??= State.CertificateArn;
        result.ThingArn ??= State.ThingArn;
    }

    private DeviceProvisioningOutcome Finish(DeviceProvisioningOutcome result, DeviceProvisioningStatus status, Stopwatch clock, ZymException? error)
    {
        result.Status = status;
        result.Error = error;
        result.PolicyName = string.IsNullOrEmpty(_device.Policy) ? _device.Request.PolicyName ?? Batch.Options.PolicyName : _device.Policy;
        CaptureIds(result);
        if (_device.Mode == CertificateRegistrationMode.FromCsr)
        {
            result.CertificatePem ??= State.CertificatePem;
        }

        if (result.ThingArn is null && (status == DeviceProvisioningStatus.Provisioned || status == DeviceProvisioningStatus.AlreadyProvisioned))
        {
            result.ThingArn = AwsNames.IotArn(Batch.Region, Batch.AccountId, "thing/" + Thing);
        }

        result.Actions = _device.Actions.ToList();
        result.Duration = clock.Elapsed;
        return result;
    }

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
