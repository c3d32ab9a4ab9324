using System;
using System.Collections;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using ZymAws.Engine;
using ZymAws.Engine.Aws;
using ZymAws.Provisioning.Infrastructure;
using EnginePki = ZymAws.Engine.Pki;
using EngineProvisioning = ZymAws.Engine.Provisioning;

namespace ZymAws.Provisioning.Commands;

/// <summary>
/// Provisions devices into AWS IoT — certificate, thing, the certificate attached to the thing, the IoT policy
/// attached to the certificate — one or ten thousand at a time from the pipeline. Idempotent, all or nothing per
/// device, resumable from a journal, parallel under AWS's rate limits.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "ZymDeviceProvisioning", HelpUri = HelpLinks.DocsBaseUri + "Invoke-ZymDeviceProvisioning.md", SupportsShouldProcess = true)]
[OutputType(typeof(DeviceProvisioningResult))]
public sealed class InvokeZymDeviceProvisioningCommand : AwsCmdlet
{
    private EngineProvisioning.FleetProvisioningRun? _run;
    private FileSystemPaths? _paths;
    private Dictionary<string, string>? _attributes;
    private readonly Stopwatch _progressClock = Stopwatch.StartNew();
    private long _lastProgressMs = -1000;

    /// <summary>
    /// Devices: certificate objects from Approve-ZymDeviceCsr, CSR objects (with -CertificateAuthority AwsIot),
    /// certificate or CSR files (FileInfo or path), PEM text, or rows with ThingName and CertificatePath
    /// (or CertificatePem, CsrPath, CsrPem) — e.g. from Import-Csv, or this cmdlet's results re-imported. Given as an
    /// array (not piped), the count is known and progress shows percent complete and time remaining.
    /// </summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [Alias("Certificate", "Csr")]
    public PSObject[] InputObject { get; set; } = null!;

    /// <summary>The thing name; default: the certificate's (or CSR's) CN.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("DeviceId")]
    public string? ThingName { get; set; }

    /// <summary>The IoT policy to attach; default: the certificate's ST= (seed layout).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("IotPolicy")]
    [ArgumentCompleter(typeof(IotPolicyCompleter))]
    public string? PolicyName { get; set; }

    /// <summary>
    /// Who issued the certificates: the CA's certificate (a CA object, Register-ZymCaWithAws's output, a certificate
    /// file or PEM text; registered with AWS IoT and ACTIVE; sent with RegisterCertificate; its key is not needed),
    /// "AwsIot" (the input is CSRs, AWS IoT issues the certificates), or "None" (RegisterCertificateWithoutCA).
    /// </summary>
    [Parameter(Mandatory = true)]
    [ArgumentCompleter(typeof(CertificateAuthorityModeCompleter))]
    public PSObject CertificateAuthority { get; set; } = null!;

    /// <summary>The thing type of new things.</summary>
    [Parameter]
    public string? ThingType { get; set; }

    /// <summary>Attributes of new things: @{ name = value }.</summary>
    [Parameter]
    public Hashtable? Attribute { get; set; }

    /// <summary>Devices provisioned at once (1-256).</summary>
    [Parameter]
    [ValidateRange(EngineProvisioning.FleetProvisioningOptions.MinThrottleLimit, EngineProvisioning.FleetProvisioningOptions.MaxThrottleLimit)]
    public int ThrottleLimit { get; set; } = EngineProvisioning.FleetProvisioningOptions.DefaultThrottleLimit;

    /// <summary>Leaves a failed device's resources in place instead of undoing what this run created.</summary>
    [Parameter]
    public SwitchParameter NoRollback { get; set; }

    /// <summary>
    /// Provisions devices whose certificate subject contradicts the run (CN, L=, O=, OU=, ST=) instead of refusing them:
    /// for devices configured otherwise on purpose.
    /// </summary>
    [Parameter]
    public SwitchParameter AllowSubjectMismatch { get; set; }

    /// <summary>A journal file (JSON lines): records every step durably; run again with the same journal to resume.</summary>
    [Parameter]
    public string? JournalPath { get; set; }

    /// <summary>
    /// With -CertificateAuthority AwsIot: writes each issued certificate to &lt;ThingName&gt;.pem here. A file that holds
    /// something else is left as it is (FileExists for that device) unless -Force.
    /// </summary>
    [Parameter]
    public string? OutDirectory { get; set; }

    /// <summary>With -OutDirectory: replaces a &lt;ThingName&gt;.pem that holds another certificate or anything else.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>
    /// When to read what already exists by pages before per-device work: Auto (default: once the input reaches 250
    /// devices), Always, or Never (every device checked with its own calls, including that its certificate is still
    /// attached to its thing). A device the listing shows complete is reported AlreadyProvisioned (FromListing) with no
    /// AWS call of its own. Certificates registered with a CA or without one; not with -CertificateAuthority AwsIot.
    /// </summary>
    [Parameter]
    [ValidateSet("Auto", "Always", "Never", IgnoreCase = true)]
    public string Reconcile { get; set; } = "Auto";

    /// <summary>
    /// Fixed client-side rate limits in calls per second, e.g. @{ 'iot:AttachPolicy' = 5 }; 0 = unlimited. Operations
    /// left out adapt: they start at the documented quota and follow AWS's throttling answers.
    /// </summary>
    [Parameter]
    public Hashtable? RateLimit { get; set; }

    /// <summary>No client-side rate limit at all (emulators, tests): AWS's throttling answers are retried with backoff.</summary>
    [Parameter]
    public SwitchParameter NoRateLimit { get; set; }

    protected override AwsClientSettings ClientSettings => RateLimitParameters.Settings(RateLimit, NoRateLimit.IsPresent);

    protected override async Task BeginProcessingAsync(CancellationToken cancellationToken)
    {
        _paths = new FileSystemPaths(this);
        _attributes = PSValues.ToStrings(Attribute);
        var whatIf = MyInvocation.BoundParameters.ContainsKey("WhatIf");
        if (whatIf && JournalPath is not null)
        {
            Pipeline.WriteVerbose("-WhatIf: the journal is neither read nor written.");
        }

        var options = new EngineProvisioning.FleetProvisioningOptions
        {
            PolicyName = MyInvocation.BoundParameters.ContainsKey(nameof(PolicyName)) ? PolicyName : null,
            ThrottleLimit = ThrottleLimit,
            NoRollback = NoRollback.IsPresent,
            AllowSubjectMismatch = AllowSubjectMismatch.IsPresent,
            Reconcile = (EngineProvisioning.ReconcileMode)Enum.Parse(typeof(EngineProvisioning.ReconcileMode), Reconcile, ignoreCase: true),
            JournalPath = JournalPath is null || whatIf ? null : _paths.ResolveOutputPath(JournalPath),
            CertificateDirectory = OutDirectory is null ? null : _paths.ResolveOutputPath(OutDirectory),
            OverwriteCertificateFiles = Force.IsPresent,
            ShouldProcess = (target, action) => Pipeline.ShouldProcessAsync(target, action),
            ShouldProcessAsksUser = Confirmation.WouldAsk(this, ConfirmImpact.Medium),
            Progress = ReportProgress,
            DeviceCompleted = DeviceCompleted,
        };

        var authority = CertificateAuthority.BaseObject;
        if (authority is string s && s.Equals("AwsIot", StringComparison.OrdinalIgnoreCase))
        {
            options.Mode = EngineProvisioning.CertificateRegistrationMode.FromCsr;
        }
        else if (authority is string n && n.Equals("None", StringComparison.OrdinalIgnoreCase))
        {
            options.Mode = EngineProvisioning.CertificateRegistrationMode.WithoutCa;
        }
        else
        {
            string? pem;
            try
            {
                pem = CaCertificateInput.TryGetPem(authority, _paths.ResolveOutputPath);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw Terminate(e, authority);
            }

            options.Mode = EngineProvisioning.CertificateRegistrationMode.WithCa;
            options.CaCertificatePem = pem ?? throw Terminate(CaCertificateInput.Unusable(authority, withModes: true), authority);
        }

        try
        {
            // Given as a parameter, the input is all there: progress knows the total from the start. Piped, it learns
            // the total when the input ends (EndOfInput).
            int? expected = MyInvocation.BoundParameters.ContainsKey(nameof(InputObject)) && InputObject is not null ? InputObject.Length : null;
            var provisioner = new EngineProvisioning.FleetProvisioner(GetSession(), options, Log);
            _run = await provisioner.StartAsync(expected, cancellationToken).ConfigureAwait(false);
            Pipeline.WriteVerbose($"Preflight passed: account {_run.AccountId}, region {GetSession().Region}" +
                (_run.CaCertificateId is null ? "." : $", CA {_run.CaCertificateId} registered and ACTIVE."));
        }
        catch (ZymException e)
        {
            throw Terminate(e, null);
        }
    }

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        foreach (var item in InputObject ?? Array.Empty<PSObject>())
        {
            if (item is null)
            {
                continue;
            }

            await ProcessItemAsync(item).ConfigureAwait(false);
        }
    }

    private async Task ProcessItemAsync(PSObject item)
    {
        EngineProvisioning.DeviceProvisioningRequest request;
        var input = Locate(item);
        try
        {
            request = EngineProvisioning.DeviceRequests.Build(input, ThingName, PolicyName, ThingType, _attributes, item);
        }
        catch (Exception e) when (e is ZymException or ItemNotFoundException or IOException or UnauthorizedAccessException)
        {
            // An input that cannot be read still gets its Failed result, so Where-Object Status finds it (written
            // before its error, which the user may have asked to stop on), with the paths it named for a retry.
            var error = ErrorRecords.From(e, item);
            Pipeline.WriteObject(DeviceProvisioningResult.Unreadable(ThingName ?? PSValues.Text(item, "ThingName"), error, input));
            Pipeline.WriteError(error);
            return;
        }

        if (_run is null || !await _run.AddAsync(request).ConfigureAwait(false))
        {
            Pipeline.WriteVerbose($"{request.ThingName}: not started, the batch is stopping.");
        }
    }

    protected override async Task EndProcessingAsync(CancellationToken cancellationToken)
    {
        if (_run is null)
        {
            // Already wound down (the command was stopping).
            return;
        }

        try
        {
            // (The engine writes the batch summary to the verbose stream.) The input has ended: progress now knows the total.
            _run.EndOfInput();
            await _run!.CompleteAsync().ConfigureAwait(false);
            foreach (var limit in GetSession().RateLimitStates())
            {
                // Where each adaptive limit settled, and what AWS throttled (retried, never surfaced while under the budget).
                if (limit.Throttles > 0 || (limit.Adaptive && Math.Abs(limit.Rate - limit.StartRate) >= 0.05 * limit.StartRate))
                {
                    Pipeline.WriteVerbose("Client-side rate limit: " + limit);
                }
            }

            Pipeline.WriteProgress(new ProgressRecord(1, "Provisioning devices", "Done") { RecordType = ProgressRecordType.Completed });
        }
        catch (ZymException e)
        {
            throw Terminate(e, null);
        }
        finally
        {
            _run?.Dispose();
            _run = null;
        }
    }

    /// <summary>
    /// The command is stopping (Ctrl+C, an error or warning the user asked to stop on, another command of the pipeline
    /// failed): no further device starts; those in flight are finished or rolled back (CleanupTimeout each, then as long
    /// for their undo), their results are written while the pipeline still takes them, and a warning says what, if
    /// anything, is left in AWS — all before the stop or the error surfaces.
    /// </summary>
    protected override async Task StopWorkAsync()
    {
        var run = _run;
        if (run is null)
        {
            return;
        }

        _run = null;
        try
        {
            await run.StopAsync().ConfigureAwait(false);
        }
        finally
        {
            run.Dispose();
        }
    }

    protected override void Dispose(bool disposing)
    {
        // The base winds down a run still in flight (StopWorkAsync) before anything is disposed.
        base.Dispose(disposing);
        if (disposing)
        {
            _run?.Dispose();
        }
    }

    /// <summary>Where the item's certificate or CSR is; the engine's <see cref="EngineProvisioning.DeviceRequests"/> does the rest.</summary>
    private EngineProvisioning.DeviceInput Locate(PSObject item)
    {
        var input = new EngineProvisioning.DeviceInput { ResolvePath = _paths!.ResolveInputPath };
        switch (item.BaseObject)
        {
            case DeviceCertificate certificate:
                input.CertificatePem = certificate.CertificatePem;
                input.CertificatePath = certificate.Path;
                break;
            case DeviceCsr csr:
                input.CsrPem = csr.CsrPem;
                input.CsrPath = csr.Path;
                break;
            case FileInfo file:
                input.FullPath = file.FullName;
                break;
            case string text when EnginePki.Pem.ContainsPem(text):
                input.Text = text;
                break;
            case string path:
                input.Path = path;
                break;
            default:
                input.CertificatePem = PSValues.Text(item, "CertificatePem");
                input.CertificatePath = PSValues.Text(item, "CertificatePath");
                input.CsrPem = PSValues.Text(item, "CsrPem");
                input.CsrPath = PSValues.Text(item, "CsrPath");
                input.Path = PSValues.Text(item, "FullName") ?? PSValues.Text(item, "Path");
                input.Columns = item.Properties.Select(p => p.Name).ToArray();
                break;
        }

        return input;
    }

    private Task DeviceCompleted(EngineProvisioning.DeviceProvisioningOutcome result)
    {
        // The result first: an error the user asked to stop on (-ErrorAction Stop) must not keep the result from the
        // pipeline (-OutVariable, a downstream Export-Csv).
        var error = result.Error is null ? null : ErrorRecords.From(result.Error, result.SourceItem ?? result.ThingName);
        Pipeline.WriteObject(new DeviceProvisioningResult(result, error));
        if (error is not null)
        {
            Pipeline.WriteError(error);
        }

        if (result.CertificateFileError is not null)
        {
            Pipeline.WriteError(result.CertificateFileError, result.CertificateFileTarget);
        }

        return Task.CompletedTask;
    }

    private void ReportProgress(EngineProvisioning.ProvisioningProgress progress)
    {
        // At most a few updates a second: the host redraws every one.
        var now = _progressClock.ElapsedMilliseconds;
        if (now - Interlocked.Read(ref _lastProgressMs) < 250)
        {
            return;
        }

        Interlocked.Exchange(ref _lastProgressMs, now);
        var status = $"{progress.Completed}{(progress.Total is int t ? $" of {t}" : string.Empty)} done, {progress.Failed} failed, " +
                     $"{progress.InFlight} in flight, {progress.DevicesPerSecond:0.0}/s";
        var record = new ProgressRecord(1, "Provisioning devices", status)
        {
            CurrentOperation = progress.LastThingName,
        };
        if (progress.PercentComplete is int percent)
        {
            record.PercentComplete = percent;
        }

        if (progress.EstimatedRemaining is TimeSpan remaining)
        {
            record.SecondsRemaining = (int)remaining.TotalSeconds;
        }

        Pipeline.WriteProgress(record);
    }
}
