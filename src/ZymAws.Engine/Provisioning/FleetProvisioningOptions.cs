using System;
using System.Threading.Tasks;

namespace ZymAws.Engine.Provisioning;

/// <summary>How a batch runs (Invoke-ZymDeviceProvisioning's parameters).</summary>
public sealed class FleetProvisioningOptions
{
    /// <summary>How certificates get into AWS IoT (default WithCa).</summary>
    public CertificateRegistrationMode Mode { get; set; } = CertificateRegistrationMode.WithCa;

    /// <summary>The CA certificate PEM (mode WithCa): must be registered with AWS IoT and ACTIVE; sent with every RegisterCertificate.</summary>
    public string? CaCertificatePem { get; set; }

    /// <summary>The IoT policy for devices whose request names none.</summary>
    public string? PolicyName { get; set; }

    /// <summary>The fewest devices in flight at once.</summary>
    public const int MinThrottleLimit = 1;

    /// <summary>The most devices in flight at once.</summary>
    public const int MaxThrottleLimit = 256;

    /// <summary>Devices in flight when not told otherwise.</summary>
    public const int DefaultThrottleLimit = 4;

    /// <summary>
    /// Devices in flight at once (<see cref="MinThrottleLimit"/>-<see cref="MaxThrottleLimit"/>, default
    /// <see cref="DefaultThrottleLimit"/>). Each AWS operation also stays under the session's rate limit.
    /// </summary>
    public int ThrottleLimit { get; set; } = DefaultThrottleLimit;

    /// <summary>
    /// Mode FromCsr: each certificate AWS IoT issued is written (PEM, replacing an older file) to &lt;ThingName&gt;.pem in
    /// this folder, created when missing, before the device's result is reported. Null: no files.
    /// </summary>
    public string? CertificateDirectory { get; set; }

    /// <summary>
    /// Replaces a file in <see cref="CertificateDirectory"/> that holds something else (-Force). Off: such a file is left
    /// as it is and the device's result carries FileExists (the device itself is provisioned). A file that already holds
    /// the same certificate is never rewritten.
    /// </summary>
    public bool OverwriteCertificateFiles { get; set; }

    /// <summary>
    /// When to read what already exists by pages before per-device work (modes WithCa and WithoutCa): the CA's
    /// certificates with their status, every thing with its attributes, each policy's targets. A device whose listed
    /// state is complete — its certificate ACTIVE, its thing marked (<c>zymaws_certificate</c>) with that certificate,
    /// the policy attached to it — is reported AlreadyProvisioned without a call of its own; every other device takes
    /// the per-device path. Default <see cref="ReconcileMode.Auto"/>.
    /// </summary>
    public ReconcileMode Reconcile { get; set; } = ReconcileMode.Auto;

    /// <summary>Devices that make <see cref="ReconcileMode.Auto"/> read the listing.</summary>
    public const int DefaultReconcileThreshold = 250;

    /// <summary>
    /// With <see cref="ReconcileMode.Auto"/>: the listing is read once the input reaches this many devices (the first
    /// ones wait for it); a batch that ends before is checked device by device. Default <see cref="DefaultReconcileThreshold"/>.
    /// </summary>
    public int ReconcileThreshold { get; set; } = DefaultReconcileThreshold;

    /// <summary>Leave a failed device's resources in place instead of undoing what the batch created (status Failed).</summary>
    public bool NoRollback { get; set; }

    /// <summary>
    /// Provision devices whose certificate subject contradicts the run (CN, L=, O=, OU=, ST=; see the device's
    /// SubjectThingMismatch and kin) instead of refusing them: for devices configured otherwise on purpose.
    /// </summary>
    public bool AllowSubjectMismatch { get; set; }

    /// <summary>
    /// An append-only JSON-lines journal (created if missing). Every step is recorded (with an intent record before each
    /// AWS-mutating call) and flushed to disk; running the same batch again with the same journal finishes it without
    /// duplicates. Null: no journal.
    /// </summary>
    public string? JournalPath { get; set; }

    /// <summary>
    /// Asked once per device, before its first AWS change: (target = thing name, action = what will be done). False:
    /// nothing is changed for that device (status Skipped, or AlreadyProvisioned when read-only checks find it complete).
    /// Null: always yes.
    /// </summary>
    public Func<string, string, Task<bool>>? ShouldProcess { get; set; }

    /// <summary>
    /// <see cref="ShouldProcess"/> asks a person (-Confirm): each device is first checked read-only (the -WhatIf plan),
    /// and one that needs no change is reported AlreadyProvisioned without a question. Off by default: the check costs a
    /// few read calls per device, which a run nobody is asked about need not pay.
    /// </summary>
    public bool ShouldProcessAsksUser { get; set; }

    /// <summary>Called (one call at a time) after each device finishes, before <see cref="DeviceCompleted"/>'s next call.</summary>
    public Action<ProvisioningProgress>? Progress { get; set; }

    /// <summary>Called (one call at a time) with each device's result as soon as it is known.</summary>
    public Func<DeviceProvisioningOutcome, Task>? DeviceCompleted { get; set; }

    /// <summary>Called (possibly concurrently from several devices) after each AWS step is done and journaled.</summary>
    public Action<ProvisioningStepEvent>? StepCompleted { get; set; }

    /// <summary>
    /// After cancellation (or a callback throwing), how long devices already in flight get to finish their remaining steps;
    /// also the time allowed to roll one device back. Default 60 s.
    /// </summary>
    public TimeSpan CleanupTimeout { get; set; } = TimeSpan.FromSeconds(60);
}
