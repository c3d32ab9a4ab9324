using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ZymAws.Engine.Aws;
using ZymAws.Engine.CredentialProvider.Internal;
using ZymAws.Engine.Diagnostics;
using ZymAws.Engine.Pki;
using ZymAws.Engine.Provisioning.Internal;
using ZymAws.Engine.Registration;

namespace ZymAws.Engine.Provisioning;

/// <summary>
/// Provisions devices in bulk (Invoke-ZymDeviceProvisioning): for each device, its certificate (registered with the
/// CA, without a CA, or issued by AWS IoT from a CSR), its thing, the certificate attached to the thing and the IoT
/// policy attached to the certificate. Idempotent, all-or-nothing per device (rollback), resumable from a journal,
/// <see cref="FleetProvisioningOptions.ThrottleLimit"/> devices in parallel under the session's rate limits.
/// </summary>
/// <remarks>
/// Preflight (throws before any device is touched): credentials (STS GetCallerIdentity), the CA registered and ACTIVE
/// (mode WithCa), the IoT policies exist, the journal readable and of the same account, region and mode.
/// Errors thrown: ThrottleLimitInvalid, CleanupTimeoutInvalid, CaCertificateMissing, CaCertificateInvalid,
/// CaCertificateNotRegistered, CaCertificateNotActive, PolicyNameInvalid, ProvisioningPolicyNotFound,
/// JournalPathInvalid, JournalInUse, JournalCorrupt, JournalMismatch, JournalWriteFailed, an AwsServiceException from
/// preflight, <see cref="OperationCanceledException"/> after cancellation (once in-flight devices have finished or
/// been rolled back), or whatever a callback threw (rethrown once the batch has wound down).
/// Per-device errors (in <see cref="DeviceProvisioningOutcome.Error"/>): ThingNameInvalid, PolicyNameMissing,
/// PolicyNameInvalid, ThingTypeNameInvalid, ThingAttributeInvalid, CertificateMissing, CertificateInvalid,
/// CertificateExpired, CertificateNotIssuedByCa, CsrMissing, CsrInvalid, DeviceDuplicate, JournalMismatch,
/// ProvisioningPolicyNotFound, CertificateNotActive, CertificateFromCsrUnresolved, CertificateRegistrationUnresolved,
/// CertificateSearchTooLarge, ProvisioningCancelled, DeviceProvisioningFailed, JournalWriteFailed, or an AwsServiceException.
/// </remarks>
public sealed class FleetProvisioner
{
    private readonly AwsSession _session;
    private readonly FleetProvisioningOptions _options;
    private readonly IEngineLog _log;

    /// <summary>Creates a provisioner; nothing is checked or called until <see cref="RunAsync(IEnumerable{DeviceProvisioningRequest}, CancellationToken)"/>.</summary>
    public FleetProvisioner(AwsSession session, FleetProvisioningOptions options, IEngineLog? log = null)
    {
        _session = session ?? throw new ArgumentNullException(nameof(session));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _log = log ?? NullEngineLog.Instance;
    }

    /// <summary>
    /// Every IoT action the provisioner may call in <paramref name="mode"/> (for the provisioning user's IAM policy),
    /// e.g. "iot:RegisterCertificate".
    /// </summary>
    public static IReadOnlyList<string> IotActions(CertificateRegistrationMode mode)
    {
        var actions = ProvisioningOperations.Always.Select(a => "iot:" + a.Action).ToList();
        if (mode == CertificateRegistrationMode.FromCsr)
        {
            actions.Add("iot:" + ProvisioningOperations.CreateCertificateFromCsr);
        }
        else if (mode == CertificateRegistrationMode.WithoutCa)
        {
            actions.Add("iot:" + ProvisioningOperations.RegisterCertificateWithoutCa);
        }

        return actions;
    }

    /// <summary>
    /// Provisions a known list of devices: every policy they name is checked at preflight, progress knows the total.
    /// Returns when every device has finished; per-device results also go to <see cref="FleetProvisioningOptions.DeviceCompleted"/> as they finish.
    /// </summary>
    public async Task<FleetProvisioningSummary> RunAsync(IEnumerable<DeviceProvisioningRequest> devices, CancellationToken cancellationToken = default)
    {
        if (devices is null)
        {
            throw new ArgumentNullException(nameof(devices));
        }

        var list = devices.ToList();
        var policies = list.Select(d => d?.PolicyName ?? _options.PolicyName).Where(p => p is not null).Select(p => p!).Distinct(StringComparer.Ordinal).ToList();
        using var run = await StartCoreAsync(list.Count, policies, keepResults: true, cancellationToken).ConfigureAwait(false);
        foreach (var device in list)
        {
            if (!await run.AddAsync(device).ConfigureAwait(false))
            {
                break;
            }
        }

        return await run.CompleteAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Runs preflight and opens the journal, then returns a run that devices are added to as they arrive (e.g. one per
    /// ProcessRecord): <see cref="FleetProvisioningRun.AddAsync"/> waits for a free slot and starts the device,
    /// <see cref="FleetProvisioningRun.CompleteAsync"/> waits for the rest. Only <see cref="FleetProvisioningOptions.PolicyName"/>
    /// is checked at preflight; other policies are checked once each before their first device is touched.
    /// </summary>
    public Task<FleetProvisioningRun> StartAsync(int? expectedCount = null, CancellationToken cancellationToken = default)
    {
        var policies = _options.PolicyName is null ? new List<string>() : new List<string> { _options.PolicyName };
        return StartCoreAsync(expectedCount, policies, keepResults: false, cancellationToken);
    }

    private async Task<FleetProvisioningRun> StartCoreAsync(int? total, IReadOnlyList<string> policies, bool keepResults, CancellationToken cancellationToken)
    {
        ValidateOptions();
        var clock = Stopwatch.StartNew();

        // ---- preflight: nothing is touched before all of it passes ----
        var identity = await _session.Sts.GetCallerIdentityAsync(cancellationToken).ConfigureAwait(false);
        CertificateFacts? ca = null;
        string? caId = null;
        if (_options.Mode == CertificateRegistrationMode.WithCa)
        {
            (ca, caId) = await CheckCaAsync(cancellationToken).ConfigureAwait(false);
        }

        var missing = new List<string>();
        foreach (string policy in policies)
        {
            if (!AwsNames.IsPolicyName(policy))
            {
                throw new ZymException("PolicyNameInvalid", ZymErrorCategory.InvalidArgument, $"'{policy}' is not a valid IoT policy name.", policy);
            }

            try
            {
                await _session.Iot.GetPolicyAsync(policy, cancellationToken).ConfigureAwait(false);
            }
            catch (AwsServiceException ex) when (ex.IsNotFound)
            {
                missing.Add(policy);
            }
        }

        if (missing.Count > 0)
        {
            throw new ZymException("ProvisioningPolicyNotFound", ZymErrorCategory.ObjectNotFound,
                $"IoT {(missing.Count == 1 ? "policy" : "policies")} {string.Join(", ", missing.Select(m => "'" + m + "'"))} not found in {_session.Region}; no device was touched. Create it first (New-ZymIotPolicy).",
                missing.Count == 1 ? missing[0] : missing);
        }

        var journal = _options.JournalPath is null ? ProvisioningJournal.InMemory() : ProvisioningJournal.Open(_options.JournalPath, _log);
        try
        {
            foreach (var previous in journal.PreviousRuns)
            {
                if (previous.Account != identity.Account || previous.Region != _session.Region || previous.Mode != _options.Mode.ToString())
                {
                    throw new ZymException("JournalMismatch", ZymErrorCategory.InvalidData,
                        $"The journal '{journal.Path}' belongs to a batch in account {previous.Account}, region {previous.Region}, mode {previous.Mode}; this run is account {identity.Account}, region {_session.Region}, mode {_options.Mode}. Use another journal.",
                        journal.Path);
                }
            }

            if (journal.RecordsRead > 0)
            {
                _log.Verbose($"Resuming from the journal '{journal.Path}': {journal.RecordsRead} records, {journal.DeviceCount} devices.");
            }

            journal.Append(new JournalRecord(JournalEvents.RunStarted, null) { Mode = _options.Mode.ToString(), Account = identity.Account, Region = _session.Region, CaCertificateId = caId });
        }
        catch
        {
            journal.Dispose();
            throw;
        }

        var ctx = new BatchContext(_session, _options, journal, _log, identity.Account, ca, caId, cancellationToken);
        foreach (string policy in policies)
        {
            ctx.KnownPolicy(policy);
        }

        return new FleetProvisioningRun(ctx, total, clock, cancellationToken, keepResults);
    }

    private void ValidateOptions()
    {
        if (_options.ThrottleLimit < FleetProvisioningOptions.MinThrottleLimit || _options.ThrottleLimit > FleetProvisioningOptions.MaxThrottleLimit)
        {
            throw new ZymException("ThrottleLimitInvalid", ZymErrorCategory.InvalidArgument,
                $"ThrottleLimit must be {FleetProvisioningOptions.MinThrottleLimit}-{FleetProvisioningOptions.MaxThrottleLimit} (was {_options.ThrottleLimit}).", _options.ThrottleLimit);
        }

        if (_options.CleanupTimeout <= TimeSpan.Zero)
        {
            throw new ZymException("CleanupTimeoutInvalid", ZymErrorCategory.InvalidArgument, "CleanupTimeout must be positive.", _options.CleanupTimeout);
        }

        if (_options.Mode == CertificateRegistrationMode.WithCa && string.IsNullOrWhiteSpace(_options.CaCertificatePem))
        {
            throw new ZymException("CaCertificateMissing", ZymErrorCategory.InvalidArgument, "Mode WithCa needs the CA certificate (PEM) the device certificates are signed by.", null);
        }
    }

    /// <summary>The CA must be registered with AWS IoT (<see cref="CaRegistrar.FindAsync"/>, the rule registration uses too) and ACTIVE.</summary>
    private async Task<(CertificateFacts Ca, string CaId)> CheckCaAsync(CancellationToken cancellationToken)
    {
        var ca = CertificateFacts.TryParse(_options.CaCertificatePem, out string? problem)
            ?? throw new ZymException("CaCertificateInvalid", ZymErrorCategory.InvalidData, $"The CA certificate is unusable: {problem}.", null);
        var description = await new CaRegistrar(_session, _log).FindAsync(ca, cancellationToken).ConfigureAwait(false)
            ?? throw new ZymException("CaCertificateNotRegistered", ZymErrorCategory.ObjectNotFound,
                $"The CA certificate ({ca.Subject}, id {ca.CertificateId}) is not registered with AWS IoT in {_session.Region}; register it first (Register-ZymCaWithAws).", ca.CertificateId);
        if (!string.Equals(description.Status, IotCertificateStatus.Active, StringComparison.Ordinal))
        {
            throw new ZymException("CaCertificateNotActive", ZymErrorCategory.InvalidOperation,
                $"The CA certificate {description.CertificateId} is registered with AWS IoT but {description.Status}; AWS IoT refuses certificates it signed until it is ACTIVE. " +
                "Activate it with Enable-ZymCertificateAuthority (or run Register-ZymCaWithAws -SetActive again), then run this again.", description.CertificateId);
        }

        return (ca, description.CertificateId);
    }
}
