using System;
using System.Threading;
using System.Threading.Tasks;

namespace ZymAws.Engine.Provisioning.Internal;

/// <summary>Calling the host's callbacks (shouldProcess and friends) so that cancellation never waits on them.</summary>
internal static class Callbacks
{
    /// <summary>
    /// Asks <paramref name="shouldProcess"/> (null: yes). Stops waiting when <paramref name="cancellationToken"/> fires:
    /// a host whose pipeline has stopped may never answer.
    /// </summary>
    public static async Task<bool> AskAsync(Func<string, string, Task<bool>>? shouldProcess, string target, string action, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (shouldProcess is null)
        {
            return true;
        }

        var answer = shouldProcess(target, action) ?? throw new InvalidOperationException("The shouldProcess callback returned no task.");
        return await WaitAsync(answer, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Awaits <paramref name="task"/> unless <paramref name="cancellationToken"/> fires first.</summary>
    public static async Task<T> WaitAsync<T>(Task<T> task, CancellationToken cancellationToken)
    {
        if (task.IsCompleted || !cancellationToken.CanBeCanceled)
        {
            return await task.ConfigureAwait(false);
        }

        var cancelled = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        using (cancellationToken.Register(() => cancelled.TrySetCanceled(cancellationToken)))
        {
            var first = await Task.WhenAny(task, cancelled.Task).ConfigureAwait(false);
            return await first.ConfigureAwait(false);
        }
    }
}
