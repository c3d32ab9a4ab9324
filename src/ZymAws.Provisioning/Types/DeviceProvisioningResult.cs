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

/// <summary>
/// One device's outcome from Invoke-ZymDeviceProvisioning. Its properties are text, numbers and joined lists, so
/// ConvertTo-Json and Export-Csv give what a script wants; a re-imported result (Import-Csv, ConvertFrom-Json) pipes
/// back into Invoke-ZymDeviceProvisioning: it carries the device's certificate (or CSR) and where it came from.
/// </summary>
public sealed class DeviceProvisioningResult
{
    internal DeviceProvisioningResult(EngineProvisioning.DeviceProvisioningOutcome result, ErrorRecord? error)
    {
        ThingName = result.ThingName;
        Status = (result.Status switch
        {
            EngineProvisioning.DeviceProvisioningStatus.Provisioned => ProvisioningStatus.Provisioned,
            EngineProvisioning.DeviceProvisioningStatus.AlreadyProvisioned => ProvisioningStatus.AlreadyProvisioned,
            EngineProvisioning.DeviceProvisioningStatus.RolledBack => ProvisioningStatus.RolledBack,
            EngineProvisioning.DeviceProvisioningStatus.RollbackFailed => ProvisioningStatus.RollbackFailed,
            EngineProvisioning.DeviceProvisioningStatus.Skipped => ProvisioningStatus.Skipped,
            _ => ProvisioningStatus.Failed,
        }).ToString();
        CertificateId = result.CertificateId;
        CertificateArn = result.CertificateArn;
        ThingArn = result.ThingArn;
        Policy = result.PolicyName;
        DurationSeconds = Math.Round(result.Duration.TotalSeconds, 3);
        ErrorId = IdOf(error);
        Reason = ReasonOf(error);
        if (result.RollbackError is not null)
        {
            RollbackErrorId = result.RollbackError.ErrorId;
            RollbackReason = OneLine(result.RollbackError.Message);
        }

        LeftInAws = Joined.List(result.LeftInAws);
        Actions = Joined.List(result.Actions);
        PlannedActions = Joined.List(result.PlannedActions);
        FromJournal = result.FromJournal;
        FromListing = result.FromListing;
        var request = result.Request;
        CertificatePem = result.CertificatePem ?? request?.CertificatePem;
        CertificatePath = result.CertificatePath ?? request?.CertificatePath;
        CsrPem = request?.CsrPem;
        CsrPath = request?.CsrPath;
    }

    private DeviceProvisioningResult(string thingName, ErrorRecord error, EngineProvisioning.DeviceInput? input)
    {
        ThingName = thingName;
        Status = nameof(ProvisioningStatus.Failed);
        ErrorId = IdOf(error);
        Reason = ReasonOf(error);
        Actions = PlannedActions = LeftInAws = Joined.List<string>(null);
        CertificatePem = input?.CertificatePem;
        CertificatePath = input?.CertificatePath ?? input?.FullPath ?? input?.Path;
        CsrPem = input?.CsrPem;
        CsrPath = input?.CsrPath;
    }

    /// <summary>The result of an input that could not be read as a device (no AWS call was made for it).</summary>
    internal static DeviceProvisioningResult Unreadable(string? thingName, ErrorRecord error, EngineProvisioning.DeviceInput? input) =>
        new(thingName ?? string.Empty, error, input);

    public string ThingName { get; }

    /// <summary>
    /// How the device ended, as text (one of <see cref="ProvisioningStatus"/>'s names: Provisioned, AlreadyProvisioned,
    /// Failed, RolledBack, RollbackFailed, Skipped), so `$_.Status -eq 'Failed'` works and JSON says the name.
    /// </summary>
    public string Status { get; }

    public string? CertificateId { get; }

    public string? CertificateArn { get; }

    public string? ThingArn { get; }

    /// <summary>The IoT policy attached to the certificate.</summary>
    public string? Policy { get; }

    /// <summary>Time spent on this device, in seconds.</summary>
    public double DurationSeconds { get; }

    /// <summary>The error id of why the device failed (e.g. ProvisioningPolicyNotFound), or null. The whole error is in the error stream.</summary>
    public string? ErrorId { get; }

    /// <summary>Why the device failed, in one line (the error's message), or null.</summary>
    public string? Reason { get; }

    /// <summary>The error id of why undoing a failed device's changes failed too (Status RollbackFailed), or null.</summary>
    public string? RollbackErrorId { get; }

    /// <summary>Why undoing a failed device's changes failed too (Status RollbackFailed), in one line, or null.</summary>
    public string? RollbackReason { get; }

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

    /// <summary>The device certificate's file: where AWS IoT's certificate was written (-OutDirectory), else the file it was given as, else null.</summary>
    public string? CertificatePath { get; }

    /// <summary>The device certificate: the one given, or the one AWS IoT issued (-CertificateAuthority AwsIot); null when there is none.</summary>
    public string? CertificatePem { get; }

    /// <summary>The CSR's file, when the device was given as one (-CertificateAuthority AwsIot), else null.</summary>
    public string? CsrPath { get; }

    /// <summary>The CSR the device was given as (-CertificateAuthority AwsIot), else null.</summary>
    public string? CsrPem { get; }

    public override string ToString() => $"{ThingName}: {Status}";

    private static string? IdOf(ErrorRecord? error)
    {
        if (error is null)
        {
            return null;
        }

        // Before WriteError the fully qualified id is the id itself; after it, "Id,Command".
        var id = error.FullyQualifiedErrorId;
        var comma = id.IndexOf(',');
        return comma < 0 ? id : id.Substring(0, comma);
    }

    private static string? ReasonOf(ErrorRecord? error) => error is null ? null : OneLine(error.ErrorDetails?.Message ?? error.Exception.Message);

    /// <summary>The text on one line: runs of white space (line breaks included) become one space.</summary>
    internal static string OneLine(string text) => System.Text.RegularExpressions.Regex.Replace(text, @"\s+", " ").Trim();
}
