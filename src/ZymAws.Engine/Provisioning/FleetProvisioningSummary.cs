using System;
using System.Collections.Generic;

namespace ZymAws.Engine.Provisioning;

/// <summary>The outcome of a whole batch.</summary>
public sealed class FleetProvisioningSummary
{
    private readonly IReadOnlyDictionary<DeviceProvisioningStatus, int> _counts;

    internal FleetProvisioningSummary(IReadOnlyList<DeviceProvisioningOutcome> results, IReadOnlyDictionary<DeviceProvisioningStatus, int> counts, int fromListing, TimeSpan duration, string accountId, string region, string? caCertificateId)
    {
        Results = results;
        _counts = counts;
        FromListing = fromListing;
        Duration = duration;
        AccountId = accountId;
        Region = region;
        CaCertificateId = caCertificateId;
    }

    /// <summary>
    /// Every device's result, in the order they finished, from <see cref="FleetProvisioner.RunAsync(IEnumerable{DeviceProvisioningRequest}, System.Threading.CancellationToken)"/>.
    /// Empty for a run fed with <see cref="FleetProvisioner.StartAsync"/>: a stream of any size keeps no results (they
    /// went to <see cref="FleetProvisioningOptions.DeviceCompleted"/>); the counts below cover every device either way.
    /// </summary>
    public IReadOnlyList<DeviceProvisioningOutcome> Results { get; }

    public TimeSpan Duration { get; }

    public string AccountId { get; }

    public string Region { get; }

    /// <summary>The registered CA's id in AWS IoT (mode WithCa).</summary>
    public string? CaCertificateId { get; }

    public int Total
    {
        get
        {
            int total = 0;
            foreach (var count in _counts.Values)
            {
                total += count;
            }

            return total;
        }
    }

    public int Provisioned => Count(DeviceProvisioningStatus.Provisioned);

    public int AlreadyProvisioned => Count(DeviceProvisioningStatus.AlreadyProvisioned);

    public int Failed => Count(DeviceProvisioningStatus.Failed);

    public int RolledBack => Count(DeviceProvisioningStatus.RolledBack);

    public int RollbackFailed => Count(DeviceProvisioningStatus.RollbackFailed);

    public int Skipped => Count(DeviceProvisioningStatus.Skipped);

    /// <summary>Devices the reconcile listing showed complete (no call of their own; counted in <see cref="AlreadyProvisioned"/>).</summary>
    public int FromListing { get; }

    /// <summary>Finished devices per second.</summary>
    public double DevicesPerSecond => Duration.TotalSeconds > 0 ? Total / Duration.TotalSeconds : 0;

    public override string ToString() =>
        $"{Total} devices in {Duration.TotalSeconds:F1} s: {Provisioned} provisioned, {AlreadyProvisioned} already provisioned{(FromListing > 0 ? $" ({FromListing} from the listing)" : string.Empty)}, {RolledBack} rolled back, {RollbackFailed} not fully rolled back, {Failed} failed, {Skipped} skipped";

    private int Count(DeviceProvisioningStatus status) => _counts.TryGetValue(status, out int count) ? count : 0;
}
