using System;
using System.Collections.Generic;

namespace ZymAws.Engine.Provisioning;

/// <summary>What happened to one device.</summary>
public sealed class DeviceProvisioningOutcome
{
    internal DeviceProvisioningOutcome(string thingName, DeviceProvisioningRequest? request)
    {
        ThingName = thingName;
        Request = request;
        SourceItem = request?.SourceItem;
    }

    public string ThingName { get; }

    public DeviceProvisioningStatus Status { get; internal set; }

    /// <summary>The certificate id AWS IoT uses (null when no certificate was registered or it was rolled back).</summary>
    public string? CertificateId { get; internal set; }

    public string? CertificateArn { get; internal set; }

    public string? ThingArn { get; internal set; }

    /// <summary>The IoT policy attached (or that would be).</summary>
    public string? PolicyName { get; internal set; }

    /// <summary>The certificate PEM when AWS IoT issued it (mode FromCsr); the device needs it.</summary>
    public string? CertificatePem { get; internal set; }

    /// <summary>Where <see cref="CertificatePem"/> was written (<see cref="FleetProvisioningOptions.CertificateDirectory"/>), else null.</summary>
    public string? CertificatePath { get; internal set; }

    /// <summary>
    /// Why writing <see cref="CertificatePem"/> to <see cref="FleetProvisioningOptions.CertificateDirectory"/> failed
    /// (a <see cref="ZymException"/> from <see cref="IO.PemFile"/>, or an I/O error creating the folder); the device's
    /// status is not affected. Its target is <see cref="CertificateFileTarget"/>.
    /// </summary>
    public Exception? CertificateFileError { get; internal set; }

    /// <summary>The file that could not be written (with <see cref="CertificateFileError"/>).</summary>
    public string? CertificateFileTarget { get; internal set; }

    /// <summary>Time spent on this device.</summary>
    public TimeSpan Duration { get; internal set; }

    /// <summary>Why the device failed or was rolled back (a <see cref="ZymException"/>, often an <see cref="Aws.AwsServiceException"/>); null on success.</summary>
    public ZymException? Error { get; internal set; }

    /// <summary>When the rollback itself failed (status RollbackFailed): its error; <see cref="Error"/> is the step's.</summary>
    public ZymException? RollbackError { get; internal set; }

    /// <summary>
    /// With status RollbackFailed: what the unfinished undo left in AWS, e.g. "certificate 0b60… (INACTIVE)",
    /// "thing 'dev-1'". Empty otherwise.
    /// </summary>
    public IReadOnlyList<string> LeftInAws { get; internal set; } = Array.Empty<string>();

    /// <summary>AWS-mutating steps done for this device in this run, e.g. "RegisterCertificate", "CreateThing", "DetachPolicy".</summary>
    public IReadOnlyList<string> Actions { get; internal set; } = Array.Empty<string>();

    /// <summary>For Skipped: the steps that would be done (from read-only checks).</summary>
    public IReadOnlyList<string> PlannedActions { get; internal set; } = Array.Empty<string>();

    /// <summary>True when the result comes from the journal of an earlier run (no AWS call was made for the device).</summary>
    public bool FromJournal { get; internal set; }

    /// <summary>The request the outcome is for: its certificate or CSR and where they came from (a retry needs them).</summary>
    public DeviceProvisioningRequest? Request { get; }

    /// <summary>
    /// True when the batch's reconcile listing showed the device complete (certificate ACTIVE, thing marked with it,
    /// policy attached), so no AWS call was made for it (<see cref="FleetProvisioningOptions.Reconcile"/>).
    /// </summary>
    public bool FromListing { get; internal set; }

    /// <summary>The request's <see cref="DeviceProvisioningRequest.SourceItem"/>.</summary>
    public object? SourceItem { get; }

    public override string ToString() => $"{ThingName}: {Status}" + (Error is null ? string.Empty : $" ({Error.ErrorId})");
}
