using System;
using System.Collections;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
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
[Cmdlet(VerbsLifecycle.Invoke, "ZymDeviceProvisioning", SupportsShouldProcess = true)]
[OutputType(typeof(DeviceProvisioningResult))]
public sealed class InvokeZymDeviceProvisioningCommand : AwsCmdlet
{
    private EngineProvisioning.FleetProvisioningRun? _run;
    private string? _outDirectory;
    private readonly Stopwatch _progressClock = Stopwatch.StartNew();
    private long _lastProgressMs = -1000;

    /// <summary>
    /// A device: a certificate object from Approve-ZymDeviceCsr, a CSR object (with -CertificateAuthority AwsIot),
    /// a certificate or CSR file (FileInfo or path), PEM text, or a row with ThingName and CertificatePath
    /// (or CertificatePem, CsrPath, CsrPem) — e.g. from Import-Csv.
    /// </summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [Alias("Certificate", "Csr")]
    public PSObject InputObject { get; set; } = null!;

    /// <summary>The thing name; default: the certificate's (or CSR's) CN.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("DeviceId")]
    public string? ThingName { get; set; }

    /// <summary>The IoT policy to attach; default: the certificate's ST= (seed layout).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("IotPolicy")]
    public string? PolicyName { get; set; }

    /// <summary>
    /// Who issued the certificates: the CA's certificate (a CA object, Register-ZymCaWithAws's output, a certificate
    /// file or PEM text; registered with AWS IoT and ACTIVE; sent with RegisterCertificate; its key is not needed),
    /// "AwsIot" (the input is CSRs, AWS IoT issues the certificates), or "None" (RegisterCertificateWithoutCA).
    /// </summary>
    [Parameter(Mandatory = true)]
    public PSObject CertificateAuthority { get; set; } = null!;

    /// <summary>The thing type of new things.</summary>
    [Parameter]
    public string? ThingType { get; set; }

    /// <summary>Attributes of new things: @{ name = value }.</summary>
    [Parameter]
    public Hashtable? Attribute { get; set; }

    /// <summary>Devices provisioned at once (1-256).</summary>
    [Parameter]
    [ValidateRange(1, 256)]
    public int ThrottleLimit { get; set; } = 4;

    /// <summary>Leaves a failed device's resources in place instead of undoing what this run created.</summary>
    [Parameter]
    public SwitchParameter NoRollback { get; set; }

    /// <summary>A journal file (JSON lines): records every step durably; run again with the same journal to resume.</summary>
    [Parameter]
    public string? JournalPath { get; set; }

    /// <summary>With -CertificateAuthority AwsIot: writes each issued certificate to &lt;ThingName&gt;.pem here.</summary>
    [Parameter]
    public string? OutDirectory { get; set; }

    /// <summary>Client-side rate limits in calls per second, e.g. @{ 'iot:AttachPolicy' = 5 }; 0 = unlimited.</summary>
    [Parameter]
    public Hashtable? RateLimit { get; set; }

    protected override AwsClientSettings ClientSettings
    {
        get
        {
            var settings = new AwsClientSettings();
            if (RateLimit is not null)
            {
                foreach (DictionaryEntry entry in RateLimit)
                {
                    settings.RateLimits[entry.Key?.ToString() ?? string.Empty] = Convert.ToDouble(entry.Value is PSObject ps ? ps.BaseObject : entry.Value, System.Globalization.CultureInfo.InvariantCulture);
                }
            }

            return settings;
        }
    }

    protected override async Task BeginProcessingAsync(CancellationToken cancellationToken)
    {
        var whatIf = MyInvocation.BoundParameters.ContainsKey("WhatIf");
        if (whatIf && JournalPath is not null)
        {
            WriteVerbose("-WhatIf: the journal is neither read nor written.");
        }

        var options = new EngineProvisioning.FleetProvisioningOptions
        {
            PolicyName = MyInvocation.BoundParameters.ContainsKey(nameof(PolicyName)) ? PolicyName : null,
            ThrottleLimit = ThrottleLimit,
            NoRollback = NoRollback.IsPresent,
            JournalPath = JournalPath is null || whatIf ? null : ResolveOutputPath(JournalPath),
            ShouldProcess = (target, action) => ShouldProcessAsync(target, action),
            Progress = ReportProgress,
            DeviceCompleted = DeviceCompleted,
        };
        _outDirectory = OutDirectory is null ? null : ResolveOutputPath(OutDirectory);

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
                pem = CaCertificateInput.TryGetPem(authority, ResolveOutputPath);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw Terminate(e, authority);
            }

            options.Mode = EngineProvisioning.CertificateRegistrationMode.WithCa;
            options.CaCertificatePem = pem ?? throw Terminate(CaCertificateInput.Unusable(authority), authority);
        }

        try
        {
            var provisioner = new EngineProvisioning.FleetProvisioner(GetSession(), options, Log);
            _run = await provisioner.StartAsync(null, cancellationToken).ConfigureAwait(false);
            WriteVerbose($"Preflight passed: account {_run.AccountId}, region {GetSession().Region}" +
                (_run.CaCertificateId is null ? "." : $", CA {_run.CaCertificateId} registered and ACTIVE."));
        }
        catch (ZymException e)
        {
            throw Terminate(e, null);
        }
    }

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        var item = InputObject;
        EngineProvisioning.DeviceProvisioningRequest request;
        try
        {
            request = BuildRequest(item);
        }
        catch (Exception e) when (e is ZymException or ItemNotFoundException or IOException or UnauthorizedAccessException)
        {
            // An input that cannot be read still gets its Failed result, so Where-Object Status finds it.
            var error = ErrorRecords.From(e, item);
            WriteError(error);
            WriteObject(DeviceProvisioningResult.Unreadable(ThingName ?? Text(item, "ThingName"), error));
            return;
        }

        if (!await _run!.AddAsync(request).ConfigureAwait(false))
        {
            WriteVerbose($"{request.ThingName}: not started, the batch is stopping.");
        }
    }

    protected override async Task EndProcessingAsync(CancellationToken cancellationToken)
    {
        try
        {
            // (The engine writes the batch summary to the verbose stream.)
            await _run!.CompleteAsync().ConfigureAwait(false);
            WriteProgress(new ProgressRecord(1, "Provisioning devices", "Done") { RecordType = ProgressRecordType.Completed });
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

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _run?.Dispose();
        }

        base.Dispose(disposing);
    }

    private EngineProvisioning.DeviceProvisioningRequest BuildRequest(PSObject item)
    {
        string? certificatePem = null;
        string? csrPem = null;
        switch (item.BaseObject)
        {
            case DeviceCertificate certificate:
                certificatePem = certificate.CertificatePem;
                break;
            case DeviceCsr csr:
                csrPem = csr.CsrPem;
                break;
            case FileInfo file:
                Classify(File.ReadAllText(file.FullName), ref certificatePem, ref csrPem);
                break;
            case string text when EnginePki.Pem.ContainsPem(text):
                Classify(text, ref certificatePem, ref csrPem);
                break;
            case string path:
                Classify(File.ReadAllText(ResolveInputPath(path)), ref certificatePem, ref csrPem);
                break;
            default:
                certificatePem = Text(item, "CertificatePem") ?? ReadIfNamed(item, "CertificatePath");
                csrPem = Text(item, "CsrPem") ?? ReadIfNamed(item, "CsrPath");
                if (certificatePem is null && csrPem is null && (Text(item, "FullName") ?? Text(item, "Path")) is { } anyPath)
                {
                    Classify(File.ReadAllText(ResolveInputPath(anyPath)), ref certificatePem, ref csrPem);
                }

                break;
        }

        if (certificatePem is null && csrPem is null)
        {
            throw new ZymException("DeviceInputUnsupported", ZymErrorCategory.InvalidArgument,
                "Cannot find a certificate or CSR in this input: give a certificate or CSR object, PEM text, a file, or a row with " +
                "CertificatePath / CertificatePem / CsrPath / CsrPem.", item);
        }

        // Thing name and policy: parameters first, then the subject (seed layout: CN = thing, ST = policy).
        string? subjectThing = null;
        string? subjectPolicy = null;
        try
        {
            if (certificatePem is not null)
            {
                var info = EnginePki.CertificateFacts.Parse(certificatePem);
                subjectThing = info.ThingName;
                subjectPolicy = info.IotPolicy;
            }
            else
            {
                var csr = EnginePki.SigningRequest.Parse(csrPem!);
                subjectThing = csr.ThingName;
                subjectPolicy = csr.DeviceSubject.IotPolicy;
            }
        }
        catch (ZymException)
        {
            // Unreadable: the engine reports it per device (CertificateInvalid / CsrInvalid) with the thing name.
        }

        var thing = !string.IsNullOrEmpty(ThingName) ? ThingName! : subjectThing;
        if (string.IsNullOrEmpty(thing))
        {
            throw new ZymException("ThingNameMissing", ZymErrorCategory.InvalidArgument,
                "No thing name: give -ThingName (or a ThingName property), or a certificate whose subject has a CN.", item);
        }

        var request = new EngineProvisioning.DeviceProvisioningRequest(thing!)
        {
            CertificatePem = certificatePem,
            CsrPem = csrPem,
            PolicyName = !string.IsNullOrEmpty(PolicyName) ? PolicyName : subjectPolicy,
            ThingTypeName = ThingType,
            SourceItem = item,
        };
        if (Attribute is not null)
        {
            var attributes = new Dictionary<string, string>();
            foreach (DictionaryEntry entry in Attribute)
            {
                attributes[entry.Key?.ToString() ?? string.Empty] = entry.Value?.ToString() ?? string.Empty;
            }

            request.Attributes = attributes;
        }

        return request;
    }

    private static void Classify(string text, ref string? certificatePem, ref string? csrPem)
    {
        if (text.IndexOf("CERTIFICATE REQUEST-----", StringComparison.Ordinal) >= 0)
        {
            csrPem = text;
        }
        else
        {
            certificatePem = text;
        }
    }

    private static string? Text(PSObject item, string name) =>
        item.Properties[name]?.Value is { } value && (value is PSObject ps ? ps.BaseObject : value) is string s && s.Length > 0 ? s : null;

    private string? ReadIfNamed(PSObject item, string name) =>
        Text(item, name) is { } path ? File.ReadAllText(ResolveInputPath(path)) : null;

    private Task DeviceCompleted(EngineProvisioning.DeviceProvisioningOutcome result)
    {
        ErrorRecord? error = null;
        if (result.Error is not null)
        {
            error = ErrorRecords.From(result.Error, result.SourceItem ?? result.ThingName);
            WriteError(error);
        }

        string? path = null;
        if (_outDirectory is not null && result.CertificatePem is not null)
        {
            path = Path.Combine(_outDirectory, result.ThingName + ".pem");
            try
            {
                Directory.CreateDirectory(_outDirectory);
                Engine.IO.SecureFile.WriteAllText(path, result.CertificatePem, overwrite: true, ownerOnly: false);
            }
            catch (Exception e) when (e is ZymException or IOException or UnauthorizedAccessException)
            {
                WriteError(e, path);
                path = null;
            }
        }

        WriteObject(new DeviceProvisioningResult(result, path, error));
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

        WriteProgress(record);
    }
}
