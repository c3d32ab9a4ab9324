using System;
using System.Collections.Generic;
using System.Management.Automation;
using EngineProvisioning = ZymAws.Engine.Provisioning;

namespace ZymAws.Provisioning;

/// <summary>How one device's provisioning ended.</summary>
public enum ProvisioningStatus
{
    /// <summary>Certificate, thing and policy are in place, made by this run.</summary>
    Provisioned,

    /// <summary>Everything was already in place; nothing changed.</summary>
    AlreadyProvisioned,

    /// <summary>The device failed before any AWS change, or a step failed with -NoRollback and nothing was undone.</summary>
    Failed,

    /// <summary>A step failed and what this run had created for the device was undone.</summary>
    RolledBack,

    /// <summary>
    /// A step failed and undoing it did not finish: RollbackError says why, LeftInAws what is left. Running the device
    /// again (with or without the journal) finishes or removes it.
    /// </summary>
    RollbackFailed,

    /// <summary>Not done: -WhatIf, declined at -Confirm, or the batch was stopping.</summary>
    Skipped,
}

/// <summary>One device's outcome from Invoke-ZymDeviceProvisioning.</summary>
public sealed class DeviceProvisioningResult
{
    internal DeviceProvisioningResult(EngineProvisioning.DeviceProvisioningOutcome result, string? certificatePath, ErrorRecord? error)
    {
        ThingName = result.ThingName;
        Status = result.Status switch
        {
            EngineProvisioning.DeviceProvisioningStatus.Provisioned => ProvisioningStatus.Provisioned,
            EngineProvisioning.DeviceProvisioningStatus.AlreadyProvisioned => ProvisioningStatus.AlreadyProvisioned,
            EngineProvisioning.DeviceProvisioningStatus.RolledBack => ProvisioningStatus.RolledBack,
            EngineProvisioning.DeviceProvisioningStatus.RollbackFailed => ProvisioningStatus.RollbackFailed,
            EngineProvisioning.DeviceProvisioningStatus.Skipped => ProvisioningStatus.Skipped,
            _ => ProvisioningStatus.Failed,
        };
        CertificateId = result.CertificateId;
        CertificateArn = result.CertificateArn;
        ThingArn = result.ThingArn;
        Policy = result.PolicyName;
        Duration = result.Duration;
        Error = error;
        RollbackError = result.RollbackError is null ? null : Infrastructure.ErrorRecords.From(result.RollbackError, result.ThingName);
        LeftInAws = result.LeftInAws;
        Actions = result.Actions;
        PlannedActions = result.PlannedActions;
        FromJournal = result.FromJournal;
        FromListing = result.FromListing;
        CertificatePem = result.CertificatePem;
        CertificatePath = certificatePath;
    }

    private DeviceProvisioningResult(string thingName, ErrorRecord error)
    {
        ThingName = thingName;
        Status = ProvisioningStatus.Failed;
        Error = error;
        Actions = PlannedActions = LeftInAws = new string[0];
    }

    /// <summary>The result of an input that could not be read as a device (no AWS call was made for it).</summary>
    internal static DeviceProvisioningResult Unreadable(string? thingName, ErrorRecord error) => new(thingName ?? string.Empty, error);

    public string ThingName { get; }

    public ProvisioningStatus Status { get; }

    public string? CertificateId { get; }

    public string? CertificateArn { get; }

    public string? ThingArn { get; }

    /// <summary>The IoT policy attached to the certificate.</summary>
    public string? Policy { get; }

    public TimeSpan Duration { get; }

    /// <summary>Why the device failed (also written to the error stream), or null.</summary>
    public ErrorRecord? Error { get; }

    /// <summary>Why undoing a failed device's changes failed too (Status RollbackFailed), or null.</summary>
    public ErrorRecord? RollbackError { get; }

    /// <summary>With Status RollbackFailed: what the unfinished undo left in AWS (a later run finishes or removes it).</summary>
    public IReadOnlyList<string> LeftInAws { get; }

    /// <summary>The AWS changes this run made for the device, in order.</summary>
    public IReadOnlyList<string> Actions { get; }

    /// <summary>With -WhatIf: what would have been done.</summary>
    public IReadOnlyList<string> PlannedActions { get; }

    /// <summary>True when the outcome came from the journal of an earlier run.</summary>
    public bool FromJournal { get; }

    /// <summary>True when the run's listing of the fleet (-Reconcile) showed the device complete: no AWS call was made for it.</summary>
    public bool FromListing { get; }

    /// <summary>The certificate AWS IoT issued (-CertificateAuthority AwsIot), else null.</summary>
    public string? CertificatePem { get; }

    /// <summary>Where that certificate was written (-OutDirectory), else null.</summary>
    public string? CertificatePath { get; }

    public override string ToString() => $"{ThingName}: {Status}";
}
