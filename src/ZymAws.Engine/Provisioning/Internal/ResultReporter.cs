using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ZymAws.Engine.IO;

namespace ZymAws.Engine.Provisioning.Internal;

/// <summary>Collects results and calls the host's DeviceCompleted and Progress callbacks one at a time.</summary>
internal sealed class ResultReporter
{
    private readonly BatchContext _ctx;
    private int _total;
    private readonly Stopwatch _clock;
    private readonly SemaphoreSlim _one = new(1, 1);
    private readonly List<DeviceProvisioningOutcome> _results = new();
    private readonly List<DeviceProvisioningOutcome> _whileStopping = new();
    private int _inFlight;
    private int _succeeded;
    private int _failed;
    private int _skipped;

    public ResultReporter(BatchContext ctx, int? total, Stopwatch clock)
    {
        _ctx = ctx;
        _total = total ?? -1;
        _clock = clock;
    }

    public IReadOnlyList<DeviceProvisioningOutcome> Results
    {
        get
        {
            lock (_results)
            {
                return _results.ToList();
            }
        }
    }

    /// <summary>Results of devices that ended after the batch began to stop (they were in flight then).</summary>
    public IReadOnlyList<DeviceProvisioningOutcome> ReportedWhileStopping
    {
        get
        {
            lock (_results)
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
            lock (_results)
            {
                _results.Add(result);
                completed = _results.Count;
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
                lock (_results)
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
