using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Runtime.ExceptionServices;
using System.Threading;
using System.Threading.Tasks;
using ZymAws.Engine.Provisioning.Internal;

namespace ZymAws.Engine.Provisioning;

/// <summary>
/// A batch in progress (from <see cref="FleetProvisioner.StartAsync"/>): add devices as they arrive, then complete.
/// Devices run <see cref="FleetProvisioningOptions.ThrottleLimit"/> at a time. Dispose it in any case (it closes the journal).
/// Call <see cref="AddAsync"/> and <see cref="CompleteAsync"/> from one caller at a time (e.g. the cmdlet's phases);
/// the callbacks in <see cref="FleetProvisioningOptions"/> run on worker threads.
/// </summary>
public sealed class FleetProvisioningRun : IDisposable
{
    private readonly BatchContext _ctx;
    private readonly ResultReporter _reporter;
    private int _added;
    private readonly Stopwatch _clock;
    private readonly CancellationToken _userToken;
    private readonly SemaphoreSlim _gate;
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
    private readonly List<Task> _running = new();
    private bool _completed;
    private bool _disposed;
    private int _stopReported;

    internal FleetProvisioningRun(BatchContext ctx, int? total, Stopwatch clock, CancellationToken userToken)
    {
        _ctx = ctx;
        _clock = clock;
        _userToken = userToken;
        _reporter = new ResultReporter(ctx, total, clock);
        _gate = new SemaphoreSlim(ctx.Options.ThrottleLimit);
    }

    /// <summary>The account the batch runs in (STS).</summary>
    public string AccountId => _ctx.AccountId;

    /// <summary>The registered CA's id (mode WithCa).</summary>
    public string? CaCertificateId => _ctx.CaCertificateId;

    /// <summary>True once the batch is stopping (cancelled, a callback threw, the journal failed): further devices are not started.</summary>
    public bool IsStopping => _ctx.Stop.IsCancellationRequested;

    /// <summary>
    /// Waits for a free slot, then starts the device and returns (its result comes through
    /// <see cref="FleetProvisioningOptions.DeviceCompleted"/>). Returns false, starting nothing, once the batch is stopping.
    /// </summary>
    public async Task<bool> AddAsync(DeviceProvisioningRequest device)
    {
        if (device is null)
        {
            throw new ArgumentNullException(nameof(device));
        }

        if (_completed || _disposed)
        {
            throw new InvalidOperationException("The run is already complete.");
        }

        try
        {
            await _gate.WaitAsync(_ctx.Stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_ctx.Stop.IsCancellationRequested)
        {
            return false;
        }

        Interlocked.Increment(ref _added);
        if (!_seen.Add(device.ThingName ?? string.Empty))
        {
            _gate.Release();
            var duplicate = new DeviceProvisioningOutcome(device.ThingName ?? string.Empty, device)
            {
                Status = DeviceProvisioningStatus.Failed,
                PolicyName = device.PolicyName ?? _ctx.Options.PolicyName,
                Error = new ZymException("DeviceDuplicate", ZymErrorCategory.InvalidArgument,
                    $"'{device.ThingName}' appears more than once in the batch; only its first entry is provisioned.", device.SourceItem ?? device.ThingName),
            };
            await _reporter.ReportAsync(duplicate).ConfigureAwait(false);
            return true;
        }

        _reporter.Started();
        _running.Add(Task.Run(async () =>
        {
            try
            {
                var result = await new DeviceRunner(_ctx, device).RunAsync(_ctx.Stop.Token).ConfigureAwait(false);
                _reporter.Ended();
                if (result is not null)
                {
                    await _reporter.ReportAsync(result).ConfigureAwait(false);
                }
            }
            catch (Exception ex)
            {
                _reporter.Ended();
                _ctx.Abort(ex);
            }
            finally
            {
                _gate.Release();
            }
        }));
        return true;
    }

    /// <summary>
    /// No more devices will be added: from now on progress knows the total (the devices added so far), and with it
    /// percent complete and time remaining.
    /// </summary>
    public void EndOfInput() => _reporter.SetTotal(Volatile.Read(ref _added));

    /// <summary>
    /// Waits for every started device, then returns the summary. Throws what a callback threw (or JournalWriteFailed),
    /// or <see cref="OperationCanceledException"/> when the batch was cancelled, after in-flight devices have finished
    /// or been rolled back.
    /// </summary>
    public async Task<FleetProvisioningSummary> CompleteAsync()
    {
        _completed = true;
        await Task.WhenAll(_running.ToArray()).ConfigureAwait(false);
        WarnIfStopped();
        if (_ctx.HostFailure is Exception failure)
        {
            ExceptionDispatchInfo.Capture(failure).Throw();
        }

        _userToken.ThrowIfCancellationRequested();
        var summary = new FleetProvisioningSummary(_reporter.Results, _clock.Elapsed, _ctx.AccountId, _ctx.Region, _ctx.CaCertificateId);
        _ctx.Log.Verbose(summary.ToString());
        return summary;
    }

    /// <summary>
    /// Stops the batch (the host is stopping: Ctrl+C, an error it was asked to stop on): no further device starts, and
    /// the devices in flight are finished or rolled back (each gets CleanupTimeout to finish its steps, then
    /// CleanupTimeout for its undo) with their results reported through <see cref="FleetProvisioningOptions.DeviceCompleted"/>
    /// before this returns. Then a warning says what, if anything, is left in AWS. Call it from the one caller of
    /// <see cref="AddAsync"/>, never concurrently with it.
    /// </summary>
    public async Task StopAsync()
    {
        _ctx.RequestStop();
        _completed = true;
        await Task.WhenAll(_running.ToArray()).ConfigureAwait(false);
        WarnIfStopped();
    }

    /// <summary>Once per batch that stopped early: what the devices in flight came to, and what is left in AWS.</summary>
    private void WarnIfStopped()
    {
        if (!_ctx.Stop.IsCancellationRequested || Interlocked.Exchange(ref _stopReported, 1) == 1)
        {
            return;
        }

        var inFlight = _reporter.ReportedWhileStopping;
        var left = _reporter.Results.Where(r => r.LeftInAws.Count > 0).Select(r => $"{r.ThingName}: {string.Join(", ", r.LeftInAws)}").ToList();
        string outcomes = string.Join(", ", inFlight.GroupBy(r => r.Status).OrderBy(g => g.Key).Select(g => $"{g.Count()} {g.Key}"));
        string reason = _ctx.HostFailure?.Message ?? "the command was stopped";
        _ctx.Log.Warning(
            $"Provisioning stopped before the batch ended ({reason}): no further device was started; the {inFlight.Count} device(s) in flight were finished or rolled back first" +
            (inFlight.Count == 0 ? "." : $" ({outcomes}).") +
            (left.Count == 0
                ? " Nothing this batch started is left half-done in AWS."
                : $" Left in AWS: {string.Join("; ", left)}. Running those devices again (with or without the journal) finishes or removes them."));
    }

    /// <summary>Closes the journal. Devices still running are stopped (given CleanupTimeout to finish or roll back) and waited for.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (!_completed)
        {
            _ctx.Abort(new OperationCanceledException("The provisioning run was disposed before it completed."));
            try
            {
                Task.WhenAll(_running.ToArray()).Wait(_ctx.Options.CleanupTimeout + _ctx.Options.CleanupTimeout);
            }
            catch (AggregateException)
            {
            }
        }

        _ctx.Dispose();
        _ctx.Journal.Dispose();
        _gate.Dispose();
    }
}
