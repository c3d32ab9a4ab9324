using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using ZymAws.Engine.Aws;
using ZymAws.Engine.Diagnostics;
using ZymAws.Engine.Pki;

namespace ZymAws.Engine.Provisioning.Internal;

/// <summary>What every device of one batch shares: the session, options, journal, preflight results and the stop switch.</summary>
internal sealed class BatchContext : IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<Task<bool>>> _policies = new(StringComparer.Ordinal);
    private Exception? _hostFailure;
    private int _keyMismatchWarned;

    public BatchContext(AwsSession session, FleetProvisioningOptions options, ProvisioningJournal journal, IEngineLog log, string accountId, CertificateFacts? ca, string? caCertificateId, CancellationToken userToken)
    {
        Session = session;
        Options = options;
        Journal = journal;
        Log = log;
        AccountId = accountId;
        Ca = ca;
        CaCertificateId = caCertificateId;
        Finder = new CertificateFinder(session.Iot, log);
        Stop = CancellationTokenSource.CreateLinkedTokenSource(userToken);
    }

    public AwsSession Session { get; }

    public IotClient Iot => Session.Iot;

    public FleetProvisioningOptions Options { get; }

    public ProvisioningJournal Journal { get; }

    public IEngineLog Log { get; }

    public string AccountId { get; }

    public string Region => Session.Region;

    public CertificateFacts? Ca { get; }

    public string? CaCertificateId { get; }

    public CertificateFinder Finder { get; }

    /// <summary>Cancelled when the user cancels, a host callback throws or the journal cannot be written: no new device starts.</summary>
    public CancellationTokenSource Stop { get; }

    /// <summary>The first exception a host callback threw (or a journal write failure), rethrown when the batch ends.</summary>
    public Exception? HostFailure => Volatile.Read(ref _hostFailure);

    /// <summary>Records that the batch must stop because of <paramref name="exception"/> (the first one wins).</summary>
    public void Abort(Exception exception)
    {
        if (Interlocked.CompareExchange(ref _hostFailure, exception, null) is null)
        {
            Log.Warning($"Provisioning is stopping: {exception.Message}");
        }

        try
        {
            Stop.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>Marks policies as known to exist (checked at preflight).</summary>
    public void KnownPolicy(string name) => _policies[name] = new Lazy<Task<bool>>(() => Task.FromResult(true));

    /// <summary>Whether an IoT policy exists (GetPolicy once per name per batch).</summary>
    public Task<bool> PolicyExistsAsync(string name, CancellationToken cancellationToken)
    {
        var lazy = _policies.GetOrAdd(name, n => new Lazy<Task<bool>>(() => CheckPolicyAsync(n, cancellationToken)));
        return lazy.Value;
    }

    /// <summary>Certificate ids the journal gives to devices other than <paramref name="thingName"/>.</summary>
    public HashSet<string> CertificateIdsClaimedBesides(string thingName)
    {
        var claimed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var device in Journal.Devices)
        {
            if (device.Key != thingName && device.Value.CertificateId is string id)
            {
                claimed.Add(id);
            }
        }

        return claimed;
    }

    /// <summary>Reports a step to the host; a throwing callback stops the batch (the device itself goes on).</summary>
    public void ReportStep(ProvisioningStepEvent step)
    {
        var callback = Options.StepCompleted;
        if (callback is null || HostFailure is not null)
        {
            return;
        }

        try
        {
            callback(step);
        }
        catch (Exception ex)
        {
            Abort(ex);
        }
    }

    /// <summary>Warns once per batch that a certificate issued from a CSR does not carry the CSR's public key.</summary>
    public void WarnKeyMismatch(string thingName)
    {
        if (Interlocked.Exchange(ref _keyMismatchWarned, 1) == 0)
        {
            Log.Warning($"The certificate AWS IoT issued for '{thingName}' does not carry the CSR's public key; the device's key will not match it.");
        }
    }

    public void Dispose() => Stop.Dispose();

    private async Task<bool> CheckPolicyAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            await Iot.GetPolicyAsync(name, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (AwsServiceException ex) when (ex.IsNotFound)
        {
            return false;
        }
        catch
        {
            // Not cached: the next device asks again.
            _policies.TryRemove(name, out _);
            throw;
        }
    }
}
