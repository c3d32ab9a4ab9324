using System;
using System.Runtime.ExceptionServices;
using System.Threading.Tasks;
using ZymAws.Engine.Aws;

namespace ZymAws.Engine.Provisioning.Internal;

/// <summary>
/// The one shape of every AWS change made for a device: the intent is journaled (durably) before the call, the call
/// is made, and its result is journaled as ready before the change counts as done. A journal holding an intent without
/// its result tells a resumed run or a rollback that the call may or may not have taken effect.
/// </summary>
/// <remarks>
/// How a failed call ends its intent: AWS refusing it outright (a 4xx to every attempt that reached it) voids the
/// intent; a call whose outcome is unknown (<see cref="AwsServiceException.OutcomeUnknown"/>: an attempt's answer was
/// lost, timed out or was a 5xx — whatever later attempts were told) is settled by asking AWS (<c>look</c>): what it
/// finds is journaled as the step's result and the device goes on; when AWS shows nothing, the intent is voided. If
/// even that cannot be asked, the intent stays, and the rollback or a later run looks again.
/// </remarks>
internal static class JournaledStep
{
    /// <summary>Runs one step.</summary>
    /// <param name="device">The device the step is for.</param>
    /// <param name="intent">The intent record; null when the journal already holds it (an interrupted run is being resumed).</param>
    /// <param name="voided">
    /// The record saying the call changed nothing (IntentVoid for the step, CertificateIssueAbsent for a certificate),
    /// journaled when AWS refused it outright or <paramref name="look"/> found nothing. Null: the intent is never voided here.
    /// </param>
    /// <param name="call">The AWS call.</param>
    /// <param name="ready">The record of the call's result.</param>
    /// <param name="action">The action to count for the result (null: nothing was changed, nothing to count).</param>
    /// <param name="look">Asks AWS whether the call took effect, and what it made; null: the step cannot tell.</param>
    public static async Task<T> RunAsync<T>(DeviceContext device, JournalRecord? intent, Func<JournalRecord>? voided, Func<Task<T>> call, Func<T, JournalRecord> ready, Func<T, string?> action, Func<Task<(bool Found, T Result)>>? look = null)
    {
        if (intent is not null)
        {
            device.Append(intent);
        }

        T result;
        try
        {
            result = await call().ConfigureAwait(false);
        }
        catch (AwsServiceException ex) when (ex.OutcomeUnknown && look is not null)
        {
            (bool Found, T Result) seen;
            try
            {
                seen = await look().ConfigureAwait(false);
            }
            catch (Exception lookFailed) when (lookFailed is AwsServiceException || lookFailed is OperationCanceledException)
            {
                device.Batch.Log.Verbose($"'{device.Thing}': {ex.Operation} may have taken effect and AWS could not be asked ({lookFailed.Message}); the rollback looks again.");
                ExceptionDispatchInfo.Capture(ex).Throw();
                throw;
            }

            if (!seen.Found)
            {
                if (voided is not null)
                {
                    device.AppendQuietly(voided());
                }

                throw;
            }

            device.Batch.Log.Verbose($"'{device.Thing}': the outcome of {ex.Operation} was unknown ({ex.ErrorCode}); AWS shows it took effect.");
            result = seen.Result;
        }
        catch (AwsServiceException ex) when (voided is not null && !ex.OutcomeUnknown && ex.StatusCode is int status && status >= 400 && status < 500 && !ex.IsAlreadyExists)
        {
            device.AppendQuietly(voided());
            throw;
        }

        device.Append(ready(result));
        if (action(result) is string done)
        {
            device.Done(done);
        }

        return result;
    }

    /// <summary>Runs one step whose call returns nothing and which always counts <paramref name="action"/>; <paramref name="look"/> says whether it took effect.</summary>
    public static Task RunAsync(DeviceContext device, JournalRecord? intent, Func<JournalRecord>? voided, Func<Task> call, JournalRecord ready, string action, Func<Task<bool>>? look = null) =>
        RunAsync<bool>(
            device,
            intent,
            voided,
            async () =>
            {
                await call().ConfigureAwait(false);
                return true;
            },
            _ => ready,
            _ => action,
            look is null ? null : async () => (await look().ConfigureAwait(false), true));

    /// <summary>The record voiding the intent of the step named <paramref name="step"/> ("Thing", "Principal", "Policy", "Activation").</summary>
    public static Func<JournalRecord> Void(DeviceContext device, string step) => () => new JournalRecord(JournalEvents.IntentVoid, device.Thing) { Step = step };
}
