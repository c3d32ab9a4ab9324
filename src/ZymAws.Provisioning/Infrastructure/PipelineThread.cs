using System;
using System.Collections.Concurrent;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;

namespace ZymAws.Provisioning.Infrastructure;

/// <summary>
/// The one way a <see cref="ZymAsyncCmdlet"/> writes to the pipeline or asks the user: every call here runs on the
/// pipeline thread — at once when made there, else queued until the cmdlet's current (or next) phase runs the queue.
/// The queue lives as long as the cmdlet, so writes from background work are never lost between two pipeline records.
/// </summary>
public sealed class PipelineThread : IDisposable
{
    private readonly Cmdlet _cmdlet;
    private readonly CancellationToken _stopping;
    private readonly BlockingCollection<Action> _queue = new();

    // The pipeline thread is the thread running one of this cmdlet's phases right now, not merely a thread id seen
    // before: PowerShell may run a pipeline on a pool thread that later runs background work, which must be queued.
    [ThreadStatic]
    private static PipelineThread? t_running;

    internal PipelineThread(Cmdlet cmdlet, CancellationToken stopping)
    {
        _cmdlet = cmdlet;
        _stopping = stopping;
    }

    /// <summary>Cmdlet.WriteObject, on the pipeline thread.</summary>
    public void WriteObject(object? sendToPipeline) => Post(() => _cmdlet.WriteObject(sendToPipeline));

    /// <summary>Cmdlet.WriteObject with enumeration, on the pipeline thread.</summary>
    public void WriteObject(object? sendToPipeline, bool enumerateCollection) => Post(() => _cmdlet.WriteObject(sendToPipeline, enumerateCollection));

    /// <summary>Cmdlet.WriteError, on the pipeline thread (-ErrorAction Stop fails the phase and stops the work).</summary>
    public void WriteError(ErrorRecord errorRecord) => Post(() => _cmdlet.WriteError(errorRecord));

    /// <summary>An error for one pipeline item, built from any exception (<see cref="ErrorRecords.From"/>).</summary>
    public void WriteError(Exception exception, object? target) => WriteError(ErrorRecords.From(exception, target));

    /// <summary>Cmdlet.WriteVerbose, on the pipeline thread (see <see cref="Informational"/>).</summary>
    public void WriteVerbose(string text) => Post(() => Informational(() => _cmdlet.WriteVerbose(text)));

    /// <summary>Cmdlet.WriteDebug, on the pipeline thread (see <see cref="Informational"/>).</summary>
    public void WriteDebug(string text) => Post(() => Informational(() => _cmdlet.WriteDebug(text)));

    /// <summary>
    /// Cmdlet.WriteWarning, on the pipeline thread (see <see cref="Informational"/>). A warning the stopped pipeline no
    /// longer takes (after Ctrl+C) goes to the host's UI instead: what a stop left behind must still be said.
    /// </summary>
    public void WriteWarning(string text) => Post(() =>
    {
        try
        {
            Informational(() => _cmdlet.WriteWarning(text));
        }
        catch (PipelineStoppedException) when (_cmdlet is PSCmdlet { Host.UI: { } ui })
        {
            ui.WriteWarningLine(text);
        }
    });

    /// <summary>Cmdlet.WriteProgress, on the pipeline thread.</summary>
    public void WriteProgress(ProgressRecord progressRecord) => Post(() => _cmdlet.WriteProgress(progressRecord));

    /// <summary>
    /// ShouldProcess asked on the pipeline thread, awaited from anywhere. Cancelled when the pipeline stops before the
    /// question is asked, so the asker never waits for an answer that cannot come.
    /// </summary>
    public Task<bool> ShouldProcessAsync(string target, string action) => Ask(() => _cmdlet.ShouldProcess(target, action));

    /// <summary>ShouldContinue (an extra question whatever $ConfirmPreference says), asked as <see cref="ShouldProcessAsync"/> is.</summary>
    public Task<bool> ShouldContinueAsync(string query, string caption) => Ask(() => _cmdlet.ShouldContinue(query, caption));

    /// <summary>Runs <paramref name="func"/> on the pipeline thread (host UI, session state), awaited from anywhere.</summary>
    internal Task<T> InvokeAsync<T>(Func<T> func) => Ask(func);

    /// <inheritdoc />
    public void Dispose() => _queue.Dispose();

    /// <summary>
    /// Runs one phase: makes this the pipeline thread, starts <paramref name="phase"/> on it, and runs queued calls until
    /// the phase's work is done. A queued call that throws (PipelineStoppedException after Ctrl+C, or an error the user
    /// asked to stop on) makes <paramref name="onPipelineFailure"/> stop the work, and the failure is returned once the
    /// work has wound down. What the work still writes meanwhile (results of what was in flight) is written if the
    /// pipeline takes it (it does after -ErrorAction Stop, not after Ctrl+C), else dropped; it never fails the phase again.
    /// With <paramref name="stopping"/> the command has already failed or been stopped: every call is made that way.
    /// </summary>
    internal (Task Work, Exception? PipelineFailure) Run(Func<Task> phase, Action onPipelineFailure, bool stopping = false)
    {
        Claim();
        try
        {
            return RunClaimed(phase, onPipelineFailure, stopping);
        }
        finally
        {
            Release();
        }
    }

    /// <summary>Makes the calling thread (PowerShell's, in one of the cmdlet's phases) the pipeline thread until <see cref="Release"/>.</summary>
    internal void Claim() => t_running = this;

    /// <summary>The phase is over: from now on every call from any thread is queued for the next phase.</summary>
    internal void Release()
    {
        if (t_running == this)
        {
            t_running = null;
        }
    }

    private (Task Work, Exception? PipelineFailure) RunClaimed(Func<Task> phase, Action onPipelineFailure, bool stopping)
    {
        Exception? pipelineFailure = null;

        // The phase starts on the pipeline thread: until its first real await it may use session state and write
        // directly; after that, its writes are queued and run by the loop below.
        Task work;
        try
        {
            work = phase();
        }
        catch (Exception e)
        {
            work = Task.FromException(e);
        }

        // Run queued calls (including any left from background work between phases) until the phase is done.
        var phaseDone = false;
        Action endOfPhase = () => phaseDone = true;
        work.ContinueWith(_ => _queue.Add(endOfPhase), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        while (!phaseDone)
        {
            var action = _queue.Take();
            try
            {
                action();
            }
            catch (Exception) when (stopping || pipelineFailure is not null)
            {
                // The command is already stopping: what the pipeline no longer takes is dropped.
            }
            catch (Exception e)
            {
                pipelineFailure = e;
                onPipelineFailure();
            }
        }

        return (work, pipelineFailure);
    }

    /// <summary>
    /// Writes a verbose, debug or warning record. With the stream's preference at Inquire, PowerShell shows the record and
    /// then asks whether to go on; a session that cannot ask (pwsh -NonInteractive, a runbook) throws
    /// PSInvalidOperationException instead, which would stop a batch half-way for a message. The record has been shown
    /// by then, so the work goes on as with Continue. An answer the user gives ("Halt Command") still stops the command.
    /// </summary>
    private static void Informational(Action write)
    {
        try
        {
            write();
        }
        catch (PSInvalidOperationException)
        {
            // The host cannot prompt: the record was written; nothing to ask, nothing to stop.
        }
    }

    private void Post(Action action)
    {
        if (t_running == this)
        {
            action();
            return;
        }

        try
        {
            _queue.Add(action);
        }
        catch (ObjectDisposedException)
        {
            // The cmdlet is gone: nobody is left to write to.
            throw new OperationCanceledException();
        }
    }

    private Task<T> Ask<T>(Func<T> func)
    {
        var completion = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);

        // If the pipeline stops before the question is asked, the asker must not wait forever.
        var registration = _stopping.Register(() => completion.TrySetCanceled());
        completion.Task.ContinueWith(_ => registration.Dispose(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        Post(() =>
        {
            if (completion.Task.IsCompleted)
            {
                // Cancelled while waiting in the queue (the pipeline stopped): the user is not asked any more.
                return;
            }

            try
            {
                completion.TrySetResult(func());
            }
            catch (Exception e)
            {
                completion.TrySetException(e);
                throw;
            }
        });
        return completion.Task;
    }
}
