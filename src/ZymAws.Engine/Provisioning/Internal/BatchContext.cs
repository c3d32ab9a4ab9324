using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
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
    private readonly ConcurrentDictionary<string, Lazy<Task<bool>>> _aliases = new(StringComparer.Ordinal);
    private readonly object _endpointLock = new();
    private Task<string>? _endpointPrefix;
    private Exception? _hostFailure;
    private int _callbacksStopped;
    private int _keyMismatchWarned;
    private int _incompleteSubjectNoted;

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

    /// <summary>The reconcile listing, once read (null: every device takes the per-device path).</summary>
    public ReconcileSnapshot? Snapshot { get; set; }

    /// <summary>Cancelled when the user cancels, a host callback throws or the journal cannot be written: no new device starts.</summary>
    public CancellationTokenSource Stop { get; }

    /// <summary>The first exception a host callback threw (or a journal write failure), rethrown when the batch ends.</summary>
    public Exception? HostFailure => Volatile.Read(ref _hostFailure);

    /// <summary>True once a host callback has thrown: no further callback is made.</summary>
    public bool CallbacksStopped => Volatile.Read(ref _callbacksStopped) == 1;

    /// <summary>Records that the batch must stop because of <paramref name="exception"/> (the first one wins).</summary>
    public void Abort(Exception exception)
    {
        if (Interlocked.CompareExchange(ref _hostFailure, exception, null) is null)
        {
            Log.Warning($"Provisioning is stopping: {exception.Message}");
        }

        RequestStop();
    }

    /// <summary>A host callback threw: the batch stops (as <see cref="Abort"/>) and the host is not called again.</summary>
    public void CallbackFailed(Exception exception)
    {
        Interlocked.Exchange(ref _callbacksStopped, 1);
        Abort(exception);
    }

    /// <summary>Starts no further device; devices in flight finish or roll back. Results are still reported.</summary>
    public void RequestStop()
    {
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

    /// <summary>The account's credentials-provider endpoint prefix in this region (DescribeEndpoint once per batch).</summary>
    public Task<string> CredentialEndpointPrefixAsync(CancellationToken cancellationToken)
    {
        lock (_endpointLock)
        {
            return _endpointPrefix ??= ReadPrefixAsync(cancellationToken);
        }

        async Task<string> ReadPrefixAsync(CancellationToken token)
        {
            string host = await Iot.DescribeEndpointAsync(IotEndpointType.CredentialProvider, token).ConfigureAwait(false);
            return CredentialEndpointName.Parse(host)!.Prefix;
        }
    }

    /// <summary>Whether a role alias exists (DescribeRoleAlias once per name per batch).</summary>
    public Task<bool> RoleAliasExistsAsync(string name, CancellationToken cancellationToken)
    {
        var lazy = _aliases.GetOrAdd(name, n => new Lazy<Task<bool>>(async () =>
        {
            try
            {
                await Iot.DescribeRoleAliasAsync(n, cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (AwsServiceException e) when (e.IsNotFound)
            {
                return false;
            }
        }));
        return lazy.Value;
    }

    /// <summary>Says once per batch that subjects lack the fields devices read their configuration from.</summary>
    public void NoteIncompleteSubject(string thingName, DeviceSubject subject)
    {
        if (Interlocked.Exchange(ref _incompleteSubjectNoted, 1) == 0)
        {
            Log.Warning($"The certificate of '{thingName}' has no {string.Join(", ", new[] { subject.CredentialEndpoint is null ? "O= (endpoint prefix)" : null, subject.RoleAlias is null ? "OU= (role alias)" : null, subject.Region is null ? "L= (region)" : null }.Where(f => f is not null))}: " +
                "the seed's credentials.sh cannot use it, and Get-ZymAwsCredential needs those values given. Further devices like it are not reported.");
        }
    }

    /// <summary>Whether the journal gives a certificate id to a device other than <paramref name="thingName"/>.</summary>
    public Func<string, bool> CertificateIdsClaimedBesides(string thingName) => id => Journal.IsCertificateClaimedBesides(thingName, id);

    /// <summary>Reports a step to the host; a throwing callback stops the batch (the device itself goes on).</summary>
    public void ReportStep(ProvisioningStepEvent step)
    {
        var callback = Options.StepCompleted;
        if (callback is null || CallbacksStopped)
        {
            return;
        }

        try
        {
            callback(step);
        }
        catch (Exception ex)
        {
            CallbackFailed(ex);
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
