using System;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using ZymAws.Engine.Diagnostics;

namespace ZymAws.Provisioning.Infrastructure;

/// <summary>
/// Base of every cmdlet in the module, and only the pump: each processing phase is an async method that starts on the
/// pipeline thread; everything that must happen on the pipeline thread (writes, ShouldProcess) goes through
/// <see cref="Pipeline"/>, from any thread. StopProcessing (Ctrl+C) cancels the token that every await and every HTTP
/// call sees. Paths are resolved by <see cref="FileSystemPaths"/>, output files by <see cref="OutputFiles"/>.
/// </summary>
public abstract class ZymAsyncCmdlet : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly PipelineThread _pipeline;
    private CmdletEngineLog? _log;

    // The command ended: EndProcessing finished, or the work was wound down after a failure or a stop.
    private bool _ended;

    // PowerShell called StopProcessing (Ctrl+C, PowerShell.Stop).
    private volatile bool _stopRequested;

    protected ZymAsyncCmdlet()
    {
        ModuleLoader.EnsureHooked();
        _pipeline = new PipelineThread(this, _stopping.Token);
    }

    /// <summary>
    /// The one way to write (objects, errors, verbose, warnings, progress) and to ask ShouldProcess, from any thread.
    /// Cmdlet's own Write* methods work on the pipeline thread only; do not call them.
    /// </summary>
    public PipelineThread Pipeline => _pipeline;

    /// <summary>Cancelled when the user presses Ctrl+C or the pipeline stops.</summary>
    protected CancellationToken StopToken => _stopping.Token;

    /// <summary>Engine log that forwards to this cmdlet's verbose, debug and warning streams.</summary>
    internal IEngineLog Log => _log ??= new CmdletEngineLog(_pipeline);

    /// <summary>Runs on the pipeline thread before <see cref="BeginProcessingAsync"/>: read session state here.</summary>
    protected virtual void BeginProcessingOnPipeline()
    {
    }

    protected virtual Task BeginProcessingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    protected virtual Task ProcessRecordAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    protected virtual Task EndProcessingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// The command is ending early (Ctrl+C, an error or warning the user asked to stop on, a failure of another command
    /// in the pipeline): finish or undo what background work started, within a bounded time. Runs on the pipeline
    /// thread with the queue pumped, so what it writes reaches the pipeline if the pipeline still takes it (warnings
    /// reach the host in any case). Called once when the command ends early, from the phase that saw it or from Dispose.
    /// </summary>
    protected virtual Task StopWorkAsync() => Task.CompletedTask;

    protected sealed override void BeginProcessing()
    {
        _pipeline.Claim();
        try
        {
            if (ModuleLoader.LoadWarning is { } warning)
            {
                _pipeline.WriteWarning(warning);
            }

            BeginProcessingOnPipeline();
        }
        finally
        {
            _pipeline.Release();
        }

        Run(BeginProcessingAsync);
    }

    protected sealed override void ProcessRecord() => Run(ProcessRecordAsync);

    protected sealed override void EndProcessing() => Run(EndProcessingAsync, last: true);

    protected override void StopProcessing()
    {
        _stopRequested = true;
        _stopping.Cancel();
    }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            // PowerShell disposes a command whose pipeline ended without its EndProcessing (stopped between two
            // records, or another command failed): whatever is still running is wound down first.
            if (!_ended)
            {
                _stopping.Cancel();
                WindDown();
            }

            _stopping.Dispose();
            _pipeline.Dispose();
        }
    }

    /// <summary>
    /// Fails the whole command. Throw what this returns from the async work: the pipeline thread turns it into
    /// ThrowTerminatingError.
    /// </summary>
    protected static Exception Terminate(ErrorRecord errorRecord) => new TerminatingErrorException(errorRecord);

    /// <summary>Fails the whole command with an error built from any exception.</summary>
    protected static Exception Terminate(Exception exception, object? target) => Terminate(ErrorRecords.From(exception, target));

    private void Run(Func<CancellationToken, Task> phase, bool last = false)
    {
        var (work, pipelineFailure) = _pipeline.Run(() => phase(_stopping.Token), () => _stopping.Cancel());
        if (pipelineFailure is not null || _stopping.IsCancellationRequested || work.IsFaulted || work.IsCanceled)
        {
            // Before the failure or the stop surfaces: what is in flight is finished or undone, and its results written.
            _stopping.Cancel();
            WindDown();
            _ended = true;
        }
        else if (last)
        {
            _ended = true;
        }

        try
        {
            work.GetAwaiter().GetResult();
        }
        catch (TerminatingErrorException e) when (pipelineFailure is null)
        {
            ThrowTerminatingError(e.ErrorRecord);
        }
        catch (OperationCanceledException) when (pipelineFailure is null && _stopping.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
        catch (Engine.ZymException e) when (pipelineFailure is null)
        {
            // An engine error no cmdlet code handled still fails the command with its id, category and target.
            ThrowTerminatingError(ErrorRecords.From(e, null));
        }
        catch (Exception) when (pipelineFailure is not null)
        {
            // The work's own failure is a consequence of the pipeline failure reported below.
        }

        if (pipelineFailure is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(pipelineFailure).Throw();
        }

        if (_stopRequested)
        {
            // Stopped while the phase's work ended on its own (it saw the stop and wound down): the pipeline stops here.
            throw new PipelineStoppedException();
        }
    }

    /// <summary>Runs <see cref="StopWorkAsync"/> with the queue pumped; its own failure never hides the reason the command stopped.</summary>
    private void WindDown()
    {
        var (work, _) = _pipeline.Run(StopWorkAsync, () => { }, stopping: true);
        try
        {
            work.GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The reason the command stopped is what the user is told.
        }
    }

    private sealed class CmdletEngineLog : IEngineLog
    {
        private readonly PipelineThread _pipeline;

        public CmdletEngineLog(PipelineThread pipeline) => _pipeline = pipeline;

        public void Verbose(string message) => _pipeline.WriteVerbose(message);

        public void Debug(string message) => _pipeline.WriteDebug(message);

        public void Warning(string message) => _pipeline.WriteWarning(message);
    }
}

/// <summary>A terminating error thrown from a cmdlet's async work; the pump turns it into ThrowTerminatingError.</summary>
internal sealed class TerminatingErrorException : Exception
{
    public TerminatingErrorException(ErrorRecord errorRecord)
        : base(errorRecord.Exception?.Message, errorRecord.Exception)
    {
        ErrorRecord = errorRecord;
    }

    public ErrorRecord ErrorRecord { get; }
}
