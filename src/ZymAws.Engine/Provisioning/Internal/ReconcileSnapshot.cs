using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ZymAws.Engine.Aws;
using ZymAws.Engine.Fleet;

namespace ZymAws.Engine.Provisioning.Internal;

/// <summary>
/// The reconcile rule: what a batch reads by pages (<see cref="FleetPages"/>) before per-device work, and the one test
/// that lets a device skip its own calls. Read once per batch, kept as compact facts (<see cref="FactKey"/>, about
/// 100 bytes a device), never the listing itself:
/// <list type="bullet">
/// <item>the certificates ACTIVE under the batch's CA (ListCertificatesByCA; ListCertificates in mode WithoutCa),</item>
/// <item>every thing whose <see cref="ThingMarker"/> names one of those certificates (ListThings returns attributes),</item>
/// <item>per IoT policy, when a device first names it, the certificates it is attached to (ListTargetsForPolicy).</item>
/// </list>
/// A device is complete when its certificate is ACTIVE, its thing is marked with that certificate, and its policy is
/// attached to that certificate. That the certificate is attached to the thing is inferred, not listed (AWS has no
/// bulk thing-to-principal listing): the module marks a thing only when it creates it for that certificate, attaches
/// the certificate before the policy, and its undo detaches the policy first, so no state the module leaves — finished,
/// interrupted or half undone — has the policy without the attachment. Only an operator detaching the certificate from
/// its thing by hand (and leaving the certificate ACTIVE with its policy) is not seen; ReconcileMode.Never checks
/// every attachment. Anything else — a certificate not ACTIVE or unknown, a thing missing, unmarked or marked with
/// another certificate, the policy not attached — sends the device down the per-device path, which reads AWS afresh.
/// </summary>
internal sealed class ReconcileSnapshot
{
    private readonly IotClient _iot;
    private readonly Dictionary<FactKey, FactKey> _markedThings;
    private readonly ConcurrentDictionary<string, Lazy<Task<HashSet<FactKey>?>>> _targets = new(StringComparer.Ordinal);
    private readonly Diagnostics.IEngineLog _log;
    private int _complete;

    private ReconcileSnapshot(IotClient iot, Dictionary<FactKey, FactKey> markedThings, Diagnostics.IEngineLog log)
    {
        _iot = iot;
        _markedThings = markedThings;
        _log = log;
    }

    /// <summary>Things whose marker names an ACTIVE certificate of the batch's kind.</summary>
    public int MarkedThings => _markedThings.Count;

    /// <summary>Devices found complete so far.</summary>
    public int Complete => Volatile.Read(ref _complete);

    /// <summary>
    /// Reads the certificates and the things (concurrently: separate operations, separate quotas) and the targets of
    /// <paramref name="policies"/>. Null when the listing failed (e.g. the provisioner may not call ListThings): every
    /// device then takes the per-device path, as without reconcile. Cancellation is thrown.
    /// </summary>
    public static async Task<ReconcileSnapshot?> ReadAsync(AwsSession session, string? caCertificateId, IEnumerable<string> policies, Diagnostics.IEngineLog log, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        long callsBefore = session.CallCount;
        var iot = session.Iot;
        var active = new HashSet<FactKey>();
        var marked = new Dictionary<FactKey, FactKey>();
        int certificates = 0;
        int things = 0;
        List<(string Policy, Task<HashSet<FactKey>?> Targets)> targets;
        try
        {
            var readCertificates = FleetPages.CertificatesAsync(iot, caCertificateId, page =>
            {
                foreach (var certificate in page)
                {
                    certificates++;
                    if (string.Equals(certificate.Status, IotCertificateStatus.Active, StringComparison.Ordinal))
                    {
                        active.Add(FactKey.Of(certificate.CertificateId));
                    }
                }

                return Task.CompletedTask;
            }, cancellationToken);
            var readThings = FleetPages.ThingsAsync(iot, page =>
            {
                foreach (var thing in page)
                {
                    things++;
                    if (thing.Attributes.TryGetValue(ThingMarker.AttributeName, out string? certificateId) && !string.IsNullOrEmpty(certificateId))
                    {
                        marked[FactKey.Of(thing.ThingName)] = FactKey.Of(certificateId);
                    }
                }

                return Task.CompletedTask;
            }, cancellationToken);
            // The batch's policy is known from the start: its targets are read alongside (another operation, another quota).
            var prefetched = policies.Distinct(StringComparer.Ordinal).Select(p => (Policy: p, Targets: ReadTargetsAsync(iot, p, log, cancellationToken))).ToList();
            await Task.WhenAll(prefetched.Select(p => (Task)p.Targets).Append(readCertificates).Append(readThings)).ConfigureAwait(false);
            targets = prefetched;
        }
        catch (Exception ex) when (ex is ZymException && !cancellationToken.IsCancellationRequested)
        {
            log.Warning($"Reading the fleet by pages failed ({ex.Message}); every device is checked with its own calls instead.");
            return null;
        }

        // Only things marked with an ACTIVE certificate can be complete: keep those, drop the certificate list.
        var kept = new Dictionary<FactKey, FactKey>(Math.Min(marked.Count, active.Count));
        foreach (var entry in marked)
        {
            if (active.Contains(entry.Value))
            {
                kept[entry.Key] = entry.Value;
            }
        }

        var snapshot = new ReconcileSnapshot(iot, kept, log);
        foreach (var (policy, read) in targets)
        {
            snapshot._targets[policy] = new Lazy<Task<HashSet<FactKey>?>>(() => read);
        }

        log.Verbose($"Reconcile: read {certificates} certificate(s){(caCertificateId is null ? string.Empty : " of CA " + caCertificateId)} ({active.Count} ACTIVE) and {things} thing(s) ({kept.Count} marked with an ACTIVE certificate) " +
            $"in {session.CallCount - callsBefore} call(s), {clock.Elapsed.TotalSeconds:F1} s; devices complete there are not called for.");
        return snapshot;
    }

    /// <summary>
    /// Whether the listing shows the device complete (see the class). False means "not known to be complete": the
    /// per-device path decides. The policy's targets are read the first time a device names it.
    /// </summary>
    public async Task<bool> IsCompleteAsync(string thingName, string certificateId, string policy, CancellationToken cancellationToken)
    {
        var certificate = FactKey.Of(certificateId);
        if (!_markedThings.TryGetValue(FactKey.Of(thingName), out var markedWith) || markedWith != certificate)
        {
            return false;
        }

        var targets = await TargetsAsync(policy, cancellationToken).ConfigureAwait(false);
        if (targets is null || !targets.Contains(certificate))
        {
            return false;
        }

        Interlocked.Increment(ref _complete);
        return true;
    }

    /// <summary>The certificates a policy is attached to (once per policy per batch); null when they could not be read.</summary>
    private Task<HashSet<FactKey>?> TargetsAsync(string policy, CancellationToken cancellationToken)
    {
        return _targets.GetOrAdd(policy, p => new Lazy<Task<HashSet<FactKey>?>>(() => ReadTargetsAsync(_iot, p, _log, cancellationToken))).Value;
    }

    private static async Task<HashSet<FactKey>?> ReadTargetsAsync(IotClient iot, string policy, Diagnostics.IEngineLog log, CancellationToken cancellationToken)
    {
        var targets = new HashSet<FactKey>();
        try
        {
            await FleetPages.PolicyTargetsAsync(iot, policy, page =>
            {
                foreach (string target in page)
                {
                    if (FleetPages.CertificateIdOf(target) is string id)
                    {
                        targets.Add(FactKey.Of(id));
                    }
                }

                return Task.CompletedTask;
            }, cancellationToken).ConfigureAwait(false);
            return targets;
        }
        catch (ZymException ex) when (!cancellationToken.IsCancellationRequested)
        {
            log.Warning($"Reading the targets of IoT policy '{policy}' failed ({ex.Message}); its devices are checked with their own calls.");
            return null;
        }
    }
}
