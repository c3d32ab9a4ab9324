using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ZymAws.Engine.IO;

namespace ZymAws.Engine.Provisioning.Internal;

/// <summary>
/// Counts results and calls the host's DeviceCompleted and Progress callbacks one at a time. Results themselves are
/// kept only when asked (<see cref="FleetProvisioner.RunAsync(IEnumerable{DeviceProvisioningRequest}, CancellationToken)"/>,
/// whose caller holds the whole list anyway); a streamed run keeps counts and, for the stop warning, at most
/// <see cref="MaxLeftReported"/> descriptions of what was left in AWS, so its memory does not grow with the fleet.
/// </summary>
internal sealed class ResultReporter
{
    /// <summary>How many devices' leftovers the stop warning names (the rest are counted).</summary>
    public const int MaxLeftReported = 100;

    private readonly BatchContext _ctx;
    private int _total;
    private readonly Stopwatch _clock;
    private readonly SemaphoreSlim _one = new(1, 1);
    private readonly List<DeviceProvisioningOutcome>? _results;
    private readonly List<DeviceProvisioningOutcome> _whileStopping = new();
    private readonly List<string> _left = new();
    private readonly int[] _byStatus = new int[Enum.GetValues(typeof(DeviceProvisioningStatus)).Length];
    private int _completed;
    private int _leftMore;
    private int _fromListing;
    private int _inFlight;
    private int _succeeded;
    private int _failed;
    private int _skipped;

    public ResultReporter(BatchContext ctx, int? total, Stopwatch clock, bool keepResults)
    {
        _ctx = ctx;
        _total = total ?? -1;
        _clock = clock;
        _results = keepResults ? new List<DeviceProvisioningOutcome>() : null;
    }

    /// <summary>Results reported so far, per status.</summary>
    public IReadOnlyDictionary<DeviceProvisioningStatus, int> Counts
    {
        get
        {
            lock (_whileStopping)
            {
                var counts = new Dictionary<DeviceProvisioningStatus, int>();
                foreach (DeviceProvisioningStatus status in Enum.GetValues(typeof(DeviceProvisioningStatus)))
                {
                    counts[status] = _byStatus[(int)status];
                }

                return counts;
            }
        }
    }

    /// <summary>Devices the reconcile listing showed complete.</summary>
    public int FromListing => Volatile.Read(ref _fromListing);

    /// <summary>What devices' undos left in AWS ("thing: what"), at most <see cref="MaxLeftReported"/>, and how many more.</summary>
    public (IReadOnlyList<string> Left, int More) LeftInAws
    {
        get
        {
            lock (_whileStopping)
            {
                return (_left.ToList(), _leftMore);
            }
        }
    }

    /// <summary>Every result in the order reported, when kept; else empty.</summary>
    public IReadOnlyList<DeviceProvisioningOutcome> Results
    {
        get
        {
            lock (_whileStopping)
            {
                return _results?.ToList() ?? new List<DeviceProvisioningOutcome>();
            }
        }
    }

    /// <summary>Results of devices that ended after the batch began to stop (they were in flight then).</summary>
    public IReadOnlyList<DeviceProvisioningOutcome> ReportedWhileStopping
    {
        get
        {
            lock (_whileStopping)
            {
                return _whileStopping.ToList();
            }
        }
    }

    /// <summary>The number of devices in the batch, once known (the input has ended).</summary>
    public void SetTotal(int total) => Volatile.Write(ref _total, total);

    public void Started() => Interlocked.Increment(ref _inFlight);

    public void Ended() => Interlocked.Decrement(ref _inFlight);

    public async Task ReportAsync(DeviceProvisioningOutcome result)
    {
        await _one.WaitAsync().ConfigureAwait(false);
        try
        {
            WriteCertificateFile(result);
            int completed;
            lock (_whileStopping)
            {
                _results?.Add(result);
                completed = ++_completed;
                _byStatus[(int)result.Status]++;
                if (result.LeftInAws.Count > 0)
                {
                    if (_left.Count < MaxLeftReported)
                    {
                        _left.Add($"{result.ThingName}: {string.Join(", ", result.LeftInAws)}");
                    }
                    else
                    {
                        _leftMore++;
                    }
                }
            }

            if (result.FromListing)
            {
                Interlocked.Increment(ref _fromListing);
            }

            switch (result.Status)
            {
                case DeviceProvisioningStatus.Provisioned:
                case DeviceProvisioningStatus.AlreadyProvisioned:
                    _succeeded++;
                    break;
                case DeviceProvisioningStatus.Skipped:
                    _skipped++;
                    break;
                default:
                    _failed++;
                    break;
            }

            if (_ctx.Stop.IsCancellationRequested)
            {
                lock (_whileStopping)
                {
                    _whileStopping.Add(result);
                }
            }

            if (_ctx.CallbacksStopped)
            {
                return;
            }

            try
            {
                if (_ctx.Options.DeviceCompleted is { } completedCallback)
                {
                    await completedCallback(result).ConfigureAwait(false);
                }

                if (_ctx.Options.Progress is { } progress)
                {
                    var elapsed = _clock.Elapsed;
                    double rate = elapsed.TotalSeconds > 0 ? completed / elapsed.TotalSeconds : 0;
                    int? total = Volatile.Read(ref _total) is var t && t >= 0 ? t : null;
                    TimeSpan? remaining = total is int known && rate > 0 ? TimeSpan.FromSeconds(Math.Max(0, known - completed) / rate) : null;
                    progress(new ProvisioningProgress(completed, _succeeded, _failed, _skipped, Math.Max(0, Volatile.Read(ref _inFlight)), total, elapsed, rate, remaining, result.ThingName));
                }
            }
            catch (Exception ex)
            {
                _ctx.CallbackFailed(ex);
            }
        }
        finally
        {
            _one.Release();
        }
    }

    /// <summary>Whether the file already holds this certificate (a rerun): nothing to write, nothing to refuse.</summary>
    private static bool HoldsSameCertificate(string path, string pem)
    {
        try
        {
            return File.Exists(path) && string.Equals(
                Pki.CertificateFacts.IdFromPem(File.ReadAllText(path)), Pki.CertificateFacts.IdFromPem(pem), StringComparison.Ordinal)
                && Pki.CertificateFacts.IdFromPem(pem) is not null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Writes the certificate AWS IoT issued to the batch's certificate folder; a failure is the result's, not the device's.</summary>
    private void WriteCertificateFile(DeviceProvisioningOutcome result)
    {
        if (_ctx.Options.CertificateDirectory is not string folder || result.CertificatePem is null)
        {
            return;
        }

        string path = Path.Combine(folder, result.ThingName + ".pem");
        try
        {
            result.CertificatePath = HoldsSameCertificate(path, result.CertificatePem)
                ? Path.GetFullPath(path)
                : PemFile.Write(path, result.CertificatePem, _ctx.Options.OverwriteCertificateFiles);
        }
        catch (Exception ex) when (ex is ZymException or IOException or UnauthorizedAccessException)
        {
            result.CertificateFileError = ex;
            result.CertificateFileTarget = path;
        }
    }
}
