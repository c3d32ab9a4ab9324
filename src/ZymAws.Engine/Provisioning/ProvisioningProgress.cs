using System;

namespace ZymAws.Engine.Provisioning;

/// <summary>A snapshot of a running batch, reported after each device finishes.</summary>
public sealed class ProvisioningProgress
{
    internal ProvisioningProgress(int completed, int succeeded, int failed, int skipped, int inFlight, int? total, TimeSpan elapsed, double devicesPerSecond, TimeSpan? estimatedRemaining, string? lastThingName)
    {
        Completed = completed;
        Succeeded = succeeded;
        Failed = failed;
        Skipped = skipped;
        InFlight = inFlight;
        Total = total;
        Elapsed = elapsed;
        DevicesPerSecond = devicesPerSecond;
        EstimatedRemaining = estimatedRemaining;
        LastThingName = lastThingName;
    }

    /// <summary>Devices finished, whatever their status.</summary>
    public int Completed { get; }

    /// <summary>Provisioned or AlreadyProvisioned.</summary>
    public int Succeeded { get; }

    /// <summary>Failed or RolledBack.</summary>
    public int Failed { get; }

    /// <summary>Skipped (declined by shouldProcess).</summary>
    public int Skipped { get; }

    /// <summary>Devices being worked on now.</summary>
    public int InFlight { get; }

    /// <summary>Devices in the batch, when known.</summary>
    public int? Total { get; }

    public TimeSpan Elapsed { get; }

    /// <summary>Completed devices per second so far.</summary>
    public double DevicesPerSecond { get; }

    /// <summary>Estimated time left at the current rate (null when the total or the rate is unknown).</summary>
    public TimeSpan? EstimatedRemaining { get; }

    /// <summary>0-100 when the total is known.</summary>
    public int? PercentComplete => Total is int t && t > 0 ? (int)Math.Min(100, Completed * 100L / t) : null;

    /// <summary>The device that just finished.</summary>
    public string? LastThingName { get; }
}
