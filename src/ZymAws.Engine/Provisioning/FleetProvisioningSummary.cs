using System;
using System.Collections.Generic;
using System.Linq;

namespace ZymAws.Engine.Provisioning;

/// <summary>The outcome of a whole batch.</summary>
public sealed class FleetProvisioningSummary
{
    internal FleetProvisioningSummary(IReadOnlyList<DeviceProvisioningOutcome> results, TimeSpan duration, string accountId, string region, string? caCertificateId)
    {
        Results = results;
        Duration = duration;
        AccountId = accountId;
        Region = region;
        CaCertificateId = caCertificateId;
    }

    /// <summary>Every device's result, in the order they finished.</summary>
    public IReadOnlyList<DeviceProvisioningOutcome> Results { get; }

    public TimeSpan Duration { get; }

    public string AccountId { get; }

    public string Region { get; }

    /// <summary>The registered CA's id in AWS IoT (mode WithCa).</summary>
    public string? CaCertificateId { get; }

    public int Total => Results.Count;

    public int Provisioned => Count(DeviceProvisioningStatus.Provisioned);

    public int AlreadyProvisioned => Count(DeviceProvisioningStatus.AlreadyProvisioned);

    public int Failed => Count(DeviceProvisioningStatus.Failed);

    public int RolledBack => Count(DeviceProvisioningStatus.RolledBack);

    public int RollbackFailed => Count(DeviceProvisioningStatus.RollbackFailed);

    public int Skipped => Count(DeviceProvisioningStatus.Skipped);

    /// <summary>Finished devices per second.</summary>
    public double DevicesPerSecond => Duration.TotalSeconds > 0 ? Total / Duration.TotalSeconds : 0;

    public override string ToString() =>
        $"{Total} devices in {Duration.TotalSeconds:F1} s: {Provisioned} provisioned, {AlreadyProvisioned} already provisioned, {RolledBack} rolled back, {RollbackFailed} not fully rolled back, {Failed} failed, {Skipped} skipped";

    private int Count(DeviceProvisioningStatus status) => Results.Count(r => r.Status == status);
}
