using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ZymAws.Engine.Aws;

namespace ZymAws.Engine.Provisioning.Internal;

/// <summary>What an undo left in AWS: nothing when <see cref="Error"/> is null.</summary>
internal readonly record struct RollbackOutcome(ZymException? Error, IReadOnlyList<string> Left);

/// <summary>
/// Undoes what the batch created for a device that failed, in the order AWS requires: the policy detached from the
/// certificate, the certificate detached from the thing, the certificate deactivated, then deleted, and the thing last
/// (so the thing's <see cref="ThingMarker"/> outlives the certificate it names). A call of unknown outcome is never
/// taken for "nothing happened": a certificate call is resolved first (what it may have created is removed too), an
/// intent without its result is undone as if it had taken effect, the attachments of a certificate the batch created
/// are read from AWS rather than assumed, and an undo call whose outcome is unknown is checked before it counts. Each
/// undo is journaled after its call. An undo that cannot finish says what it left.
/// </summary>
internal static class DeviceRollback
{
    /// <summary>Rolls the device back within the batch's CleanupTimeout.</summary>
    public static async Task<RollbackOutcome> RunAsync(DeviceContext device)
    {
        using var timeout = new CancellationTokenSource(device.Batch.Options.CleanupTimeout);
        var token = timeout.Token;
        var iot = device.Iot;
        string thing = device.Thing;
        try
        {
            await new CertificateStep(device).ResolvePendingAsync(token).ConfigureAwait(false);

            var state = device.State;
            string? certificateArn = state.CertificateArn;
            string? certificateId = state.CertificateId;
            bool ownCertificate = certificateId is not null && state.CertificateOwned;
            if (certificateArn is not null)
            {
                // 1. Policies. Everything attached to a certificate the batch created came with this device (and must go
                // before the certificate can); on any other certificate only the policy this batch attached.
                var policies = ownCertificate
                    ? (await ListOrNoneAsync(() => iot.ListAllAttachedPoliciesAsync(certificateArn, cancellationToken: token)).ConfigureAwait(false)).Select(p => p.PolicyName).ToList()
                    : state.PolicyOwned || state.PolicyIntent ? new List<string> { state.Policy ?? device.Policy } : new List<string>();
                foreach (string policy in policies)
                {
                    await UndoAsync(
                        device,
                        () => iot.DetachPolicyAsync(policy, certificateArn, token),
                        async () => !(await ListOrNoneAsync(() => iot.ListAllAttachedPoliciesAsync(certificateArn, cancellationToken: token)).ConfigureAwait(false)).Any(p => p.PolicyName == policy),
                        new JournalRecord(JournalEvents.PolicyDetached, thing) { Policy = policy },
                        "DetachPolicy",
                        token).ConfigureAwait(false);
                }

                // 2. Things the certificate is attached to, read the same way.
                var things = ownCertificate
                    ? (await ListOrNoneAsync(() => iot.ListAllPrincipalThingsAsync(certificateArn, cancellationToken: token)).ConfigureAwait(false)).ToList()
                    : state.PrincipalOwned || state.PrincipalIntent ? new List<string> { thing } : new List<string>();
                foreach (string attachedTo in things)
                {
                    await UndoAsync(
                        device,
                        () => iot.DetachThingPrincipalAsync(attachedTo, certificateArn, token),
                        async () => !(await ListOrNoneAsync(() => iot.ListAllPrincipalThingsAsync(certificateArn, cancellationToken: token)).ConfigureAwait(false)).Contains(attachedTo, StringComparer.Ordinal),
                        new JournalRecord(JournalEvents.PrincipalDetached, thing) { CertificateArn = certificateArn },
                        "DetachThingPrincipal",
                        token).ConfigureAwait(false);
                }
            }

            // 3, 4. The certificate: out of ACTIVE, then deleted.
            if (ownCertificate)
            {
                await RemoveCertificateAsync(device, certificateId!, token).ConfigureAwait(false);
            }

            // 5. The thing. DetachThingPrincipal is asynchronous on AWS: DeleteThing may still see the principal for a moment.
            if (state.ThingOwned || state.ThingIntent)
            {
                await UndoAsync(
                    device,
                    () => iot.DeleteThingAsync(thing, null, token),
                    async () => await DevicePlan.TryAsync(() => iot.DescribeThingAsync(thing, token)).ConfigureAwait(false) is null,
                    new JournalRecord(JournalEvents.ThingDeleted, thing),
                    "DeleteThing",
                    token,
                    retryWhileAttached: true).ConfigureAwait(false);
            }

            return new RollbackOutcome(null, Array.Empty<string>());
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            var error = device.ToZym(ex);
            var left = Leftovers(device);
            device.Batch.Log.Warning($"Rolling back '{thing}' did not finish: {error.Message} Left in AWS: {(left.Count == 0 ? "nothing known" : string.Join("; ", left))}. " +
                "Running the device again (with or without the journal) finishes or removes it.");
            return new RollbackOutcome(error, left);
        }
    }

    /// <summary>
    /// Deactivates and deletes a certificate the batch created. Where no thing carries the marker naming it, an undo
    /// that fails on the way puts it back to ACTIVE: the module never leaves a certificate INACTIVE that a later run
    /// could not tell from one an operator disabled (an ACTIVE one attached to nothing is adopted as the device's own).
    /// </summary>
    private static async Task RemoveCertificateAsync(DeviceContext device, string certificateId, CancellationToken token)
    {
        var iot = device.Iot;
        string thing = device.Thing;
        bool marked = device.State.ThingArn is not null && device.State.ThingMarker == certificateId;
        try
        {
            if (device.State.CertificateActive)
            {
                await UndoAsync(
                    device,
                    () => iot.UpdateCertificateAsync(certificateId, IotCertificateStatus.Inactive, token),
                    async () => !string.Equals((await iot.DescribeCertificateAsync(certificateId, token).ConfigureAwait(false)).Status, IotCertificateStatus.Active, StringComparison.Ordinal),
                    new JournalRecord(JournalEvents.CertificateDeactivated, thing) { CertificateId = certificateId },
                    "UpdateCertificate",
                    token).ConfigureAwait(false);
            }

            await UndoAsync(
                device,
                () => iot.DeleteCertificateAsync(certificateId, false, token),
                async () => await DevicePlan.TryAsync(() => iot.DescribeCertificateAsync(certificateId, token)).ConfigureAwait(false) is null,
                new JournalRecord(JournalEvents.CertificateDeleted, thing) { CertificateId = certificateId },
                "DeleteCertificate",
                token,
                retryWhileAttached: true).ConfigureAwait(false);
        }
        catch (Exception ex) when (!marked && ex is AwsServiceException or OperationCanceledException)
        {
            try
            {
                using var restore = new CancellationTokenSource(TimeSpan.FromTicks(Math.Min(device.Batch.Options.CleanupTimeout.Ticks, TimeSpan.FromSeconds(30).Ticks)));
                await iot.UpdateCertificateAsync(certificateId, IotCertificateStatus.Active, restore.Token).ConfigureAwait(false);
                device.AppendQuietly(new JournalRecord(JournalEvents.CertificateActivated, thing) { CertificateId = certificateId });
                device.Done("UpdateCertificate");
            }
            catch (Exception restoreFailed) when (restoreFailed is AwsServiceException or OperationCanceledException)
            {
                device.Batch.Log.Verbose($"'{thing}': certificate {certificateId} could not be put back to ACTIVE either ({restoreFailed.Message}).");
            }

            throw;
        }
    }

    /// <summary>
    /// One undo: the call, then its record; the action counts only when the call changed something. A resource already
    /// gone is fine. A call whose outcome is unknown is checked with <paramref name="isUndone"/> before it counts as done.
    /// </summary>
    private static async Task UndoAsync(DeviceContext device, Func<Task> call, Func<Task<bool>> isUndone, JournalRecord undone, string action, CancellationToken token, bool retryWhileAttached = false)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                await call().ConfigureAwait(false);
                device.Append(undone);
                device.Done(action);
                return;
            }
            catch (AwsServiceException ex) when (ex.IsNotFound)
            {
                device.Append(undone);
                return;
            }
            catch (AwsServiceException ex) when (retryWhileAttached && attempt < 6 && (ex.NormalizedCode == "DeleteConflict" || ex.NormalizedCode == "InvalidRequest" || ex.NormalizedCode == "CertificateState"))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(4000, 250 * (1 << attempt))), token).ConfigureAwait(false);
            }
            catch (AwsServiceException ex) when (ex.OutcomeUnknown)
            {
                // Ask before counting it either way: an attempt may have done it.
                if (!await isUndone().ConfigureAwait(false))
                {
                    throw;
                }

                device.Append(undone);
                device.Done(action);
                return;
            }
        }
    }

    /// <summary>A list of what is attached to a certificate; none when the certificate is gone.</summary>
    private static async Task<IReadOnlyList<T>> ListOrNoneAsync<T>(Func<Task<IReadOnlyList<T>>> list)
    {
        try
        {
            return await list().ConfigureAwait(false);
        }
        catch (AwsServiceException ex) when (ex.IsNotFound)
        {
            return Array.Empty<T>();
        }
    }

    /// <summary>What the device's state says is (or may be) left in AWS after an undo that stopped.</summary>
    private static IReadOnlyList<string> Leftovers(DeviceContext device)
    {
        var state = device.State;
        var left = new List<string>();
        string? certificate = state.CertificateId;
        if (state.PolicyOwned || state.PolicyIntent)
        {
            left.Add($"IoT policy '{state.Policy ?? device.Policy}' {(state.PolicyOwned ? "attached" : "possibly attached")} to certificate {certificate}");
        }

        if (state.PrincipalOwned || state.PrincipalIntent)
        {
            left.Add($"certificate {certificate} {(state.PrincipalOwned ? "attached" : "possibly attached")} to thing '{device.Thing}'");
        }

        if (certificate is not null && state.CertificateOwned)
        {
            left.Add($"certificate {certificate} ({(state.CertificateActive ? IotCertificateStatus.Active : IotCertificateStatus.Inactive)})");
        }
        else if (state.CertificateIntentAt is not null)
        {
            left.Add(device.Certificate is { } registered
                ? $"possibly certificate {registered.CertificateId} (its registration's outcome is unknown)"
                : $"possibly a certificate an interrupted {ProvisioningOperations.CreateCertificateFromCsr} created for the CSR");
        }

        if (state.ThingOwned || state.ThingIntent)
        {
            left.Add(state.ThingOwned ? $"thing '{device.Thing}'" : $"possibly thing '{device.Thing}'");
        }

        return left;
    }
}
