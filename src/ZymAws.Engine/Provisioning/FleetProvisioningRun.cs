using System;
using System.Collections.Concurrent;
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
/// <remarks>
/// Memory does not grow with the fleet: devices are taken one at a time (at most ThrottleLimit in flight, plus up to
/// <see cref="FleetProvisioningOptions.ReconcileThreshold"/> held while Auto reconcile decides), finished devices are
/// forgotten (a 16-byte key per name, for DeviceDuplicate), results go to the callback and are counted, not kept
/// (unless <see cref="FleetProvisioner.RunAsync(IEnumerable{DeviceProvisioningRequest}, CancellationToken)"/> asked
/// for them), and the journal keeps a few dozen bytes per finished device.
/// </remarks>
public sealed class FleetProvisioningRun : IDisposable
{
    private readonly BatchContext _ctx;
    private readonly ResultReporter _reporter;
    private int _added;
    private readonly Stopwatch _clock;
    private readonly CancellationToken _userToken;
    private readonly SemaphoreSlim _gate;
    private readonly HashSet<FactKey> _seen = new();
    private readonly ConcurrentDictionary<Task, byte> _running = new();
    private readonly List<DeviceProvisioningRequest> _held = new();
    private bool _reconcileDecided;
    private bool _completed;
    private bool _disposed;
    private int _stopReported;

    internal FleetProvisioningRun(BatchContext ctx, int? total, Stopwatch clock, CancellationToken userToken, bool keepResults)
    {
        _ctx = ctx;
        _clock = clock;
        _userToken = userToken;
        _reporter = new ResultReporter(ctx, total, clock, keepResults);
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
    /// With <see cref="ReconcileMode.Auto"/> the first <see cref="FleetProvisioningOptions.ReconcileThreshold"/> devices
    /// are held (returning at once) until the batch reaches that size, then the listing is read and they start;
    /// with <see cref="ReconcileMode.Always"/> the listing is read before the first device starts.
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

        // Counted when added, held or not: EndOfInput's total includes devices Auto reconcile still holds.
        Interlocked.Increment(ref _added);
        if (!_reconcileDecided)
        {
            var options = _ctx.Options;
            bool listable = options.Mode != CertificateRegistrationMode.FromCsr && options.Reconcile != ReconcileMode.Never;
            if (listable && options.Reconcile == ReconcileMode.Auto && _held.Count + 1 < Math.Max(1, options.ReconcileThreshold))
            {
                _held.Add(device);
                return true;
            }

            _reconcileDecided = true;
            if (listable && !await ReadSnapshotAsync().ConfigureAwait(false))
            {
                _held.Add(device);
                NotStarted(_held);
                return false;
            }

            if (!await StartHeldAsync().ConfigureAwait(false))
            {
                NotStarted(new[] { device });
                return false;
            }
        }

        return await StartAsync(device).ConfigureAwait(false);
    }

    /// <summary>Reads the reconcile listing (its failure is the per-device path's business); false once the batch is stopping.</summary>
    private async Task<bool> ReadSnapshotAsync()
    {
        try
        {
            var policies = _ctx.Options.PolicyName is null ? Array.Empty<string>() : new[] { _ctx.Options.PolicyName };
            string? ca = _ctx.Options.Mode == CertificateRegistrationMode.WithCa ? _ctx.CaCertificateId : null;
            _ctx.Snapshot = await ReconcileSnapshot.ReadAsync(_ctx.Session, ca, policies, _ctx.Log, _ctx.Stop.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (_ctx.Stop.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>Starts the devices held while Auto reconcile decided; false (the rest not started) once the batch is stopping.</summary>
    private async Task<bool> StartHeldAsync()
    {
        for (int i = 0; i < _held.Count; i++)
        {
            if (!await StartAsync(_held[i]).ConfigureAwait(false))
            {
                NotStarted(_held.Skip(i));
                _held.Clear();
                return false;
            }
        }

        _held.Clear();
        return true;
    }

    private void NotStarted(IEnumerable<DeviceProvisioningRequest> devices)
    {
        foreach (var device in devices)
        {
            _ctx.Log.Verbose($"{device.ThingName}: not started, the batch is stopping.");
        }

        _held.Clear();
    }

    private async Task<bool> StartAsync(DeviceProvisioningRequest device)
    {
        try
        {
            await _gate.WaitAsync(_ctx.Stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_ctx.Stop.IsCancellationRequested)
        {
            return false;
        }

        if (!_seen.Add(FactKey.Of(device.ThingName ?? string.Empty)))
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
        var task = Task.Run(async () =>
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
        });

        // Only devices in flight are held on to: each forgets itself when done.
        _running.TryAdd(task, 0);
        _ = task.ContinueWith(t => _running.TryRemove(t, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return true;
    }

    /// <summary>Whatever is still running.</summary>
    private Task AllRunning() => Task.WhenAll(_running.Keys.ToArray());

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
        if (!_reconcileDecided && !_completed && !_disposed)
        {
            // Auto reconcile, and the batch ended below the threshold: its devices are checked one by one.
            _reconcileDecided = true;
            await StartHeldAsync().ConfigureAwait(false);
        }

        _completed = true;
        await AllRunning().ConfigureAwait(false);
        WarnIfStopped();
        if (_ctx.HostFailure is Exception failure)
        {
            ExceptionDispatchInfo.Capture(failure).Throw();
        }

        _userToken.ThrowIfCancellationRequested();
        var summary = new FleetProvisioningSummary(_reporter.Results, _reporter.Counts, _reporter.FromListing, _clock.Elapsed, _ctx.AccountId, _ctx.Region, _ctx.CaCertificateId);
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
        NotStarted(_held);
        await AllRunning().ConfigureAwait(false);
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
        var (left, more) = _reporter.LeftInAws;
        string outcomes = string.Join(", ", inFlight.GroupBy(r => r.Status).OrderBy(g => g.Key).Select(g => $"{g.Count()} {g.Key}"));
        string reason = _ctx.HostFailure?.Message ?? "the command was stopped";
        _ctx.Log.Warning(
            $"Provisioning stopped before the batch ended ({reason}): no further device was started; the {inFlight.Count} device(s) in flight were finished or rolled back first" +
            (inFlight.Count == 0 ? "." : $" ({outcomes}).") +
            (left.Count == 0
                ? " Nothing this batch started is left half-done in AWS."
                : $" Left in AWS: {string.Join("; ", left)}{(more > 0 ? $"; and {more} more device(s)" : string.Empty)}. Running those devices again (with or without the journal) finishes or removes them."));
    }

    /// <summary>Closes the journal. Devices still running are stopped (given CleanupTimeout to finish or roll back) and waited for.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_held.Count > 0)
        {
            NotStarted(_held);
        }

        if (!_completed)
        {
            _ctx.Abort(new OperationCanceledException("The provisioning run was disposed before it completed."));
            try
            {
                AllRunning().Wait(_ctx.Options.CleanupTimeout + _ctx.Options.CleanupTimeout);
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
