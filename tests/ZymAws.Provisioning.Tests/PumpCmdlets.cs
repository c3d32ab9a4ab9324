using System.Collections.Concurrent;
using System.Management.Automation;
using ZymAws.Provisioning.Infrastructure;

namespace ZymAws.Provisioning.Tests;

/// <summary>
/// Per record, starts background work that writes once the record's phase has ended; EndProcessing waits for all of
/// it. Every write must still reach the pipeline.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "LateWrites")]
public sealed class TestLateWritesCommand : ZymAsyncCmdlet
{
    private readonly ConcurrentBag<Task> _background = new();

    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    public int Number { get; set; }

    protected override Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        int number = Number;
        var phaseEnded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _background.Add(Task.Run(async () =>
        {
            await phaseEnded.Task.ConfigureAwait(false);
            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
            Pipeline.WriteVerbose($"late {number}");
            Pipeline.WriteObject(number * 10);
        }, cancellationToken));

        // The write above happens only after this phase has returned.
        _ = Task.Delay(10, CancellationToken.None).ContinueWith(_ => phaseEnded.SetResult(), TaskScheduler.Default);
        return Task.CompletedTask;
    }

    protected override async Task EndProcessingAsync(CancellationToken cancellationToken)
    {
        await Task.WhenAll(_background.ToArray()).ConfigureAwait(false);
        Pipeline.WriteObject(-1);
    }
}

/// <summary>A cmdlet whose pump is driven by the test itself: no phase runs, so every call from another thread waits in the queue.</summary>
[Cmdlet(VerbsDiagnostic.Test, "Idle", SupportsShouldProcess = true)]
public sealed class TestIdleCommand : ZymAsyncCmdlet
{
    /// <summary>What PowerShell calls on Ctrl+C.</summary>
    public void Stop() => StopProcessing();
}

/// <summary>Writes an error from background work, then waits to be stopped; a write after the stop must go nowhere.</summary>
[Cmdlet(VerbsDiagnostic.Test, "ErrorThenWork")]
public sealed class TestErrorThenWorkCommand : ZymAsyncCmdlet
{
    /// <summary>True once the work saw its token cancelled.</summary>
    public static volatile bool WorkStopped;

    /// <summary>How long the work goes on after the error unless stopped.</summary>
    [Parameter]
    public int WaitSeconds { get; set; } = 30;

    protected override async Task EndProcessingAsync(CancellationToken cancellationToken)
    {
        WorkStopped = false;
        int waitSeconds = WaitSeconds;
        await Task.Run(async () =>
        {
            Pipeline.WriteError(new InvalidOperationException("the first item failed"), "item-1");
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(waitSeconds), cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                WorkStopped = true;
                Pipeline.WriteObject("written after the stop");
                throw;
            }

            Pipeline.WriteObject("not stopped");
        }).ConfigureAwait(false);
    }
}

/// <summary>Fails the whole command from async work, with Terminate or with an unhandled engine error.</summary>
[Cmdlet(VerbsDiagnostic.Test, "Terminate")]
public sealed class TestTerminateCommand : ZymAsyncCmdlet
{
    [Parameter]
    public SwitchParameter EngineError { get; set; }

    protected override async Task EndProcessingAsync(CancellationToken cancellationToken)
    {
        await Task.Yield();
        if (EngineError)
        {
            throw new Engine.ZymException("WidgetMissing", Engine.ZymErrorCategory.ObjectNotFound, "No widget.", "widget-7");
        }

        throw Terminate(ErrorRecords.InvalidArgument("WidgetInvalid", "Bad widget.", "widget-8"));
    }
}

/// <summary>
/// Per record, background work that ends later; record 2 fails (a per-item error). On a stop, StopWorkAsync finishes the
/// work in flight, writes its result and warns what is left.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "WindDown")]
public sealed class TestWindDownCommand : ZymAsyncCmdlet
{
    /// <summary>Set when the first record is being processed and the command waits to be stopped.</summary>
    public static readonly ManualResetEventSlim Waiting = new();

    /// <summary>True once StopWorkAsync ran.</summary>
    public static volatile bool WoundDown;

    private readonly List<Task> _inFlight = new();

    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    public int Number { get; set; }

    /// <summary>Wait in the first record until stopped (Ctrl+C).</summary>
    [Parameter]
    public SwitchParameter WaitForStop { get; set; }

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        WoundDown = false;
        int number = Number;
        if (WaitForStop)
        {
            Waiting.Set();
            await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
        }

        if (number == 1)
        {
            Pipeline.WriteObject(1);
            return;
        }

        if (number == 2)
        {
            // Work still in flight when the error stops the command.
            _inFlight.Add(Task.Run(async () =>
            {
                await Task.Delay(300, CancellationToken.None).ConfigureAwait(false);
                Pipeline.WriteObject("finished while stopping");
            }));
            await Task.Run(() => Pipeline.WriteError(new InvalidOperationException("item 2 failed"), "item-2"), CancellationToken.None).ConfigureAwait(false);
            await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
        }
    }

    protected override async Task StopWorkAsync()
    {
        await Task.WhenAll(_inFlight.ToArray()).ConfigureAwait(false);
        _inFlight.Clear();
        WoundDown = true;
        Pipeline.WriteWarning("left: nothing");
    }
}
