using System;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using ZymAws.Engine.Fleet;

namespace ZymAws.Provisioning.Infrastructure;

/// <summary>
/// Base of the cmdlets that act on devices (Disable-, Enable-, Remove-ZymDevice): a device is a thing name (every
/// certificate attached to it) or a certificate id, piped as names or as objects carrying ThingName and/or
/// CertificateId (Get-ZymDevice, Invoke-ZymDeviceProvisioning and Test-ZymDevice results).
/// </summary>
public abstract class DeviceCmdlet : AwsCmdlet
{
    /// <summary>The devices' thing names (every certificate attached to each).</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ThingNameCompleter))]
    [ThingNameInput]
    public string[] ThingName { get; set; } = Array.Empty<string>();

    /// <summary>One certificate (by its id) instead of all of a thing's.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? CertificateId { get; set; }

    /// <summary>No client-side rate limit (emulators, tests); by default each operation adapts from its documented quota.</summary>
    [Parameter]
    public SwitchParameter NoRateLimit { get; set; }

    protected override ZymAws.Engine.Aws.AwsClientSettings ClientSettings => RateLimitParameters.Settings(null, NoRateLimit.IsPresent);

    private BatchProgress? _progress;

    /// <summary>What the progress bar says the cmdlet is doing ("Disabling devices").</summary>
    protected abstract string ProgressActivity { get; }

    /// <summary>
    /// Runs <paramref name="each"/> for every device this record names, with progress: percent complete and seconds
    /// remaining when the devices are given as a parameter (the count is known), the count done and the current device
    /// when they are piped.
    /// </summary>
    protected async Task ForEachDeviceAsync(Func<DeviceSelector, Task> each)
    {
        var devices = Selectors();
        if (_progress is null)
        {
            _progress = new BatchProgress(Pipeline, ProgressActivity);
            if (!MyInvocation.ExpectingInput)
            {
                _progress.Total = devices.Length;
            }
        }

        foreach (var device in devices)
        {
            _progress.Starting(device.ToString() ?? string.Empty);
            try
            {
                await each(device).ConfigureAwait(false);
            }
            finally
            {
                _progress.Finished();
            }
        }
    }

    protected override Task EndProcessingAsync(CancellationToken cancellationToken)
    {
        _progress?.Complete();
        return Task.CompletedTask;
    }

    /// <summary>The devices this record names; an error (and none) when it names none.</summary>
    internal DeviceSelector[] Selectors()
    {
        if (ThingName.Length == 0)
        {
            return string.IsNullOrEmpty(CertificateId)
                ? throw Terminate(ErrorRecords.InvalidArgument("DeviceInputUnsupported", "Give -ThingName or -CertificateId (or pipe devices).", null))
                : new[] { new DeviceSelector(null, CertificateId, CertificateId) };
        }

        return Array.ConvertAll(ThingName, thing => new DeviceSelector(thing, CertificateId, thing));
    }
}
