using System;
using System.Threading.Tasks;
using ZymAws.Engine.Aws;

namespace ZymAws.Engine.Provisioning.Internal;

/// <summary>
/// The one shape of every AWS change made for a device: the intent is journaled (durably) before the call, the call
/// is made, and its result is journaled as ready before the change counts as done. A journal holding an intent without
/// its result tells a resumed run or a rollback that the call may or may not have taken effect.
/// </summary>
internal static class JournaledStep
{
    /// <summary>Runs one step.</summary>
    /// <param name="device">The device the step is for.</param>
    /// <param name="intent">The intent record; null when the journal already holds it (an interrupted run is being resumed).</param>
    /// <param name="voidStep">
    /// The step's name in an IntentVoid record ("Thing", "Principal", "Policy", "Activation"): when AWS refuses the call
    /// outright (a 4xx answer), that record says it changed nothing, so neither a rollback nor a resume acts on the
    /// intent. Null: a refusal leaves the intent as it is (the certificate steps resolve theirs by searching).
    /// </param>
    /// <param name="call">The AWS call.</param>
    /// <param name="ready">The record of the call's result.</param>
    /// <param name="action">The action to count for the result (null: nothing was changed, nothing to count).</param>
    public static async Task<T> RunAsync<T>(DeviceContext device, JournalRecord? intent, string? voidStep, Func<Task<T>> call, Func<T, JournalRecord> ready, Func<T, string?> action)
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
        catch (AwsServiceException ex) when (voidStep is not null && ex.StatusCode is int status && status >= 400 && status < 500 && !ex.IsAlreadyExists)
        {
            device.AppendQuietly(new JournalRecord(JournalEvents.IntentVoid, device.Thing) { Step = voidStep, Message = ex.ErrorCode });
            throw;
        }

        device.Append(ready(result));
        if (action(result) is string done)
        {
            device.Done(done);
        }

        return result;
    }

    /// <summary>Runs one step whose call returns nothing and which always counts <paramref name="action"/>.</summary>
    public static Task RunAsync(DeviceContext device, JournalRecord? intent, string? voidStep, Func<Task> call, JournalRecord ready, string action) =>
        RunAsync<bool>(device, intent, voidStep, async () =>
        {
            await call().ConfigureAwait(false);
            return true;
        }, _ => ready, _ => action);
}
