using System;
using System.Collections.Concurrent;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using ZymAws.Engine.Diagnostics;

namespace ZymAws.Provisioning.Infrastructure;

/// <summary>
/// Base of every cmdlet in the module. Each processing phase is an async method that starts on the pipeline
/// thread; once it awaits, everything that must happen on the pipeline thread (WriteObject, WriteError,
/// WriteVerbose, WriteWarning, WriteProgress, ShouldProcess) is queued back to it, from any thread. StopProcessing (Ctrl+C) cancels the token that every
/// await and every HTTP call sees.
/// </summary>
public abstract class ZymAsyncCmdlet : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();

    // One queue for the cmdlet's lifetime: writes from background work land here whenever they happen, and each
    // phase runs them on the pipeline thread until its own work is done. Never completed, so no write is lost
    // between two phases (devices still in flight while PowerShell fetches the next record).
    private readonly BlockingCollection<Action> _pipelineQueue = new();
    private int _pipelineThreadId = Environment.CurrentManagedThreadId;
    private CmdletEngineLog? _log;

    protected ZymAsyncCmdlet()
    {
        ModuleLoader.EnsureHooked();
    }

    /// <summary>Cancelled when the user presses Ctrl+C or the pipeline stops.</summary>
    protected CancellationToken StopToken => _stopping.Token;

    /// <summary>Engine log that forwards to this cmdlet's verbose, debug and warning streams.</summary>
    internal IEngineLog Log => _log ??= new CmdletEngineLog(this);

    /// <summary>Runs on the pipeline thread before <see cref="BeginProcessingAsync"/>: read session state here.</summary>
    protected virtual void BeginProcessingOnPipeline()
    {
    }

    protected virtual Task BeginProcessingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    protected virtual Task ProcessRecordAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    protected virtual Task EndProcessingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    protected sealed override void BeginProcessing()
    {
        if (ModuleLoader.LoadWarning is { } warning)
        {
            base.WriteWarning(warning);
        }

        BeginProcessingOnPipeline();
        Run(BeginProcessingAsync);
    }

    protected sealed override void ProcessRecord() => Run(ProcessRecordAsync);

    protected sealed override void EndProcessing() => Run(EndProcessingAsync);

    protected override void StopProcessing() => _stopping.Cancel();

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            _stopping.Dispose();
            _pipelineQueue.Dispose();
        }
    }

    public new void WriteObject(object? sendToPipeline) => OnPipeline(() => base.WriteObject(sendToPipeline));

    public new void WriteObject(object? sendToPipeline, bool enumerateCollection) =>
        OnPipeline(() => base.WriteObject(sendToPipeline, enumerateCollection));

    public new void WriteError(ErrorRecord errorRecord) => OnPipeline(() => base.WriteError(errorRecord));

    public new void WriteVerbose(string text) => OnPipeline(() => base.WriteVerbose(text));

    public new void WriteDebug(string text) => OnPipeline(() => base.WriteDebug(text));

    public new void WriteWarning(string text) => OnPipeline(() => base.WriteWarning(text));

    public new void WriteProgress(ProgressRecord progressRecord) => OnPipeline(() => base.WriteProgress(progressRecord));

    /// <summary>A single path to read, taken literally (no wildcards), resolved against the current location (pipeline thread only).</summary>
    protected string ResolveInputPath(string path)
    {
        var resolved = SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);
        return System.IO.File.Exists(resolved) ? resolved : throw new ItemNotFoundException($"Cannot find path '{path}' because it does not exist.");
    }

    /// <summary>Every file a -Path (wildcards allowed) names, or for -LiteralPath the one file (pipeline thread only).</summary>
    protected System.Collections.Generic.IReadOnlyList<string> ResolveInputPaths(string path, bool literal)
    {
        if (literal)
        {
            return new[] { ResolveInputPath(path) };
        }

        var resolved = SessionState.Path.GetResolvedProviderPathFromPSPath(path, out _);
        return resolved.Count > 0 ? resolved : throw new ItemNotFoundException($"Cannot find path '{path}' because it does not exist.");
    }

    /// <summary>
    /// Runs <paramref name="each"/> for every file that -Path (wildcards) or -LiteralPath names; a path that names
    /// nothing is an error for that path, and the others go on (pipeline thread only).
    /// </summary>
    protected void ForEachInputFile(System.Collections.Generic.IEnumerable<string> paths, bool literal, Action<string> each)
    {
        foreach (var path in paths)
        {
            System.Collections.Generic.IReadOnlyList<string> files;
            try
            {
                files = ResolveInputPaths(path, literal);
            }
            catch (ItemNotFoundException e)
            {
                WriteError(e, path);
                continue;
            }

            foreach (var file in files)
            {
                each(file);
            }
        }
    }

    /// <summary>-OutFile (one item) and -OutDirectory (any number) do not go together: a terminating error.</summary>
    protected static void RefuseOutFileWithOutDirectory(string? outFile, string? outDirectory)
    {
        if (outFile is not null && outDirectory is not null)
        {
            throw Terminate(ErrorRecords.InvalidArgument("OutFileAndOutDirectory", "Give -OutFile (one item) or -OutDirectory (any number), not both.", outFile));
        }
    }

    /// <summary>A path to write, resolved against the current location (pipeline thread only).</summary>
    protected string ResolveOutputPath(string path) => SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);

    /// <summary>Writes an error for one pipeline item, built from any exception.</summary>
    public void WriteError(Exception exception, object? target) => WriteError(ErrorRecords.From(exception, target));

    /// <summary>ShouldProcess asked on the pipeline thread, awaited from anywhere.</summary>
    public Task<bool> ShouldProcessAsync(string target, string action) =>
        OnPipeline(() => base.ShouldProcess(target, action));

    /// <summary>
    /// Fails the whole command. Throw what this returns from the async work: the pipeline thread turns it into
    /// ThrowTerminatingError.
    /// </summary>
    protected static Exception Terminate(ErrorRecord errorRecord) => new TerminatingErrorException(errorRecord);

    /// <summary>Fails the whole command with an error built from any exception.</summary>
    protected static Exception Terminate(Exception exception, object? target) => Terminate(ErrorRecords.From(exception, target));

    private void OnPipeline(Action action)
    {
        if (Environment.CurrentManagedThreadId == _pipelineThreadId)
        {
            action();
            return;
        }

        try
        {
            _pipelineQueue.Add(action);
        }
        catch (ObjectDisposedException)
        {
            // The cmdlet is gone: nobody is left to write to.
            throw new OperationCanceledException();
        }
    }

    private Task<T> OnPipeline<T>(Func<T> func)
    {
        var completion = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);

        // If the pipeline stops before the question is asked, the asker must not wait forever.
        var registration = _stopping.Token.Register(() => completion.TrySetCanceled());
        completion.Task.ContinueWith(_ => registration.Dispose(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        OnPipeline(() =>
        {
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

    private void Run(Func<CancellationToken, Task> phase)
    {
        _pipelineThreadId = Environment.CurrentManagedThreadId;
        Exception? pipelineFailure = null;

        // The phase starts on the pipeline thread: until its first real await it may use session state and
        // write directly; after that, its writes are queued and run by the loop below.
        Task work;
        try
        {
            work = phase(_stopping.Token);
        }
        catch (Exception e)
        {
            work = Task.FromException(e);
        }

        // Run queued writes (including any left from background work between phases) until the phase is done.
        var phaseDone = false;
        Action endOfPhase = () => phaseDone = true;
        work.ContinueWith(_ => _pipelineQueue.Add(endOfPhase), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        while (!phaseDone)
        {
            var action = _pipelineQueue.Take();
            if (pipelineFailure is not null && action != endOfPhase)
            {
                continue;
            }

            try
            {
                action();
            }
            catch (Exception e)
            {
                // PipelineStoppedException from a write after Ctrl+C, or an error the user asked to stop on
                // (-ErrorAction Stop): stop the work, then rethrow once it has wound down.
                pipelineFailure = e;
                _stopping.Cancel();
            }
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
    }

    private sealed class TerminatingErrorException : Exception
    {
        public TerminatingErrorException(ErrorRecord errorRecord)
            : base(errorRecord.Exception?.Message, errorRecord.Exception)
        {
            ErrorRecord = errorRecord;
        }

        public ErrorRecord ErrorRecord { get; }
    }

    private sealed class CmdletEngineLog : IEngineLog
    {
        private readonly ZymAsyncCmdlet _cmdlet;

        public CmdletEngineLog(ZymAsyncCmdlet cmdlet) => _cmdlet = cmdlet;

        public void Verbose(string message) => _cmdlet.WriteVerbose(message);

        public void Debug(string message) => _cmdlet.WriteDebug(message);

        public void Warning(string message) => _cmdlet.WriteWarning(message);
    }
}
