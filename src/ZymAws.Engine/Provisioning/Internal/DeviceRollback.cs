using System;
using System.Threading;
using System.Threading.Tasks;
using ZymAws.Engine.Aws;

namespace ZymAws.Engine.Provisioning.Internal;

/// <summary>
/// Undoes, newest first, what the batch created for a device that failed: the policy and principal attachments, the
/// thing, the certificate (deactivated, then deleted). Each undo is journaled after its call, and one that finds the
/// resource already gone counts as done without an action. A certificate call of unknown outcome is resolved first,
/// so what it may have created is removed too.
/// </summary>
internal static class DeviceRollback
{
    /// <summary>Rolls the device back within the batch's CleanupTimeout; returns the error that stopped it, or null.</summary>
    public static async Task<ZymException?> RunAsync(DeviceContext device)
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
            if ((state.PolicyOwned || state.PolicyIntent) && certificateArn is not null)
            {
                string policy = state.Policy ?? device.Policy;
                await UndoAsync(device, () => iot.DetachPolicyAsync(policy, certificateArn, token), new JournalRecord(JournalEvents.PolicyDetached, thing) { Policy = policy }, "DetachPolicy", token).ConfigureAwait(false);
            }

            if ((state.PrincipalOwned || state.PrincipalIntent) && certificateArn is not null)
            {
                await UndoAsync(device, () => iot.DetachThingPrincipalAsync(thing, certificateArn, token), new JournalRecord(JournalEvents.PrincipalDetached, thing) { CertificateArn = certificateArn }, "DetachThingPrincipal", token).ConfigureAwait(false);
            }

            if (state.ThingOwned || state.ThingIntent)
            {
                // DetachThingPrincipal is asynchronous on AWS: DeleteThing may still see the principal for a moment.
                await UndoAsync(device, () => iot.DeleteThingAsync(thing, null, token), new JournalRecord(JournalEvents.ThingDeleted, thing), "DeleteThing", token, retryWhileAttached: true).ConfigureAwait(false);
            }

            if (state.CertificateId is string certificateId && state.CertificateOwned)
            {
                if (state.CertificateActive)
                {
                    await UndoAsync(device, () => iot.UpdateCertificateAsync(certificateId, IotCertificateStatus.Inactive, token), new JournalRecord(JournalEvents.CertificateDeactivated, thing) { CertificateId = certificateId }, "UpdateCertificate", token).ConfigureAwait(false);
                }

                await UndoAsync(device, () => iot.DeleteCertificateAsync(certificateId, false, token), new JournalRecord(JournalEvents.CertificateDeleted, thing) { CertificateId = certificateId }, "DeleteCertificate", token, retryWhileAttached: true).ConfigureAwait(false);
            }

            return null;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            var error = device.ToZym(ex);
            device.Batch.Log.Warning($"Rolling back '{thing}' failed: {error.Message}");
            return error;
        }
    }

    /// <summary>One undo: the call (a resource already gone is fine), then its record; the action counts only when the call changed something.</summary>
    private static async Task UndoAsync(DeviceContext device, Func<Task> call, JournalRecord undone, string action, CancellationToken token, bool retryWhileAttached = false)
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
        }
    }
}
