using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using ZymAws.Engine.Aws;
using ZymAws.Engine.Pki;

namespace ZymAws.Engine.Provisioning.Internal;

/// <summary>
/// One device being provisioned, as every part of its run sees it: the validated request, its journal state, the AWS
/// changes made so far, and the one way each part records what it did (<see cref="Append"/>, <see cref="Done"/>).
/// </summary>
internal sealed class DeviceContext
{
    private readonly List<string> _actions = new();
    private IotThing? _thing;
    private bool _thingRead;

    public DeviceContext(BatchContext batch, DeviceProvisioningRequest request)
    {
        Batch = batch;
        Request = request;
        Thing = request.ThingName ?? string.Empty;
    }

    public BatchContext Batch { get; }

    public DeviceProvisioningRequest Request { get; }

    public string Thing { get; }

    public IotClient Iot => Batch.Iot;

    public CertificateRegistrationMode Mode => Batch.Options.Mode;

    /// <summary>Errors name the item the caller gave, else the thing name.</summary>
    public object ErrorTarget => Request.SourceItem ?? Thing;

    /// <summary>The IoT policy to attach (set by validation).</summary>
    public string Policy { get; set; } = string.Empty;

    /// <summary>What the journal knows the device by: "cert:" or "csr:" and the SHA-256 of the DER (set by validation).</summary>
    public string Input { get; set; } = string.Empty;

    /// <summary>The device certificate (modes WithCa and WithoutCa; set by validation).</summary>
    public CertificateFacts? Certificate { get; set; }

    /// <summary>The device CSR, its signature checked (mode FromCsr; set by validation).</summary>
    public SigningRequest? Csr { get; set; }

    /// <summary>The device's state in the journal, kept current by every <see cref="Append"/>.</summary>
    public DeviceState State { get; set; } = new();

    /// <summary>The AWS changes made for the device in this run, in order.</summary>
    public IReadOnlyList<string> Actions => _actions;

    /// <summary>
    /// The device's thing as AWS described it the first time a step asked (null: there is none), read once per run of
    /// the device: the certificate step may read its <see cref="ThingMarker"/> before the thing step decides to create it.
    /// </summary>
    public async Task<IotThing?> ExistingThingAsync(CancellationToken token)
    {
        if (!_thingRead)
        {
            _thing = await DevicePlan.TryAsync(() => Iot.DescribeThingAsync(Thing, token)).ConfigureAwait(false);
            _thingRead = true;
        }

        return _thing;
    }

    /// <summary>Journals a record durably (an intent before its AWS call); a failure to write stops the device.</summary>
    public void Append(JournalRecord record) => Batch.Journal.Append(record);

    /// <summary>Journals a record whose loss must not hide the device's own error: a failure to write stops the batch instead.</summary>
    public void AppendQuietly(JournalRecord record)
    {
        try
        {
            Batch.Journal.Append(record);
        }
        catch (ZymException ex)
        {
            Batch.Abort(ex);
        }
    }

    /// <summary>Counts an AWS change made for the device and tells the host.</summary>
    public void Done(string action)
    {
        _actions.Add(action);
        Batch.ReportStep(new ProvisioningStepEvent(Thing, action, State.CertificateId, Request.SourceItem));
    }

    public ZymException Invalid(string errorId, string message) => new(errorId, ZymErrorCategory.InvalidArgument, message, ErrorTarget);

    /// <summary>Any failure as the device's error: cancellation is ProvisioningCancelled, the unexpected DeviceProvisioningFailed.</summary>
    public ZymException ToZym(Exception ex) => ex switch
    {
        ZymException zym => zym,
        OperationCanceledException => new ZymException("ProvisioningCancelled", ZymErrorCategory.OperationStopped,
            $"Provisioning of '{Thing}' was stopped before it finished.", ErrorTarget, ex),
        _ => new ZymException("DeviceProvisioningFailed", ZymErrorCategory.NotSpecified,
            string.Format(CultureInfo.InvariantCulture, "Provisioning of '{0}' failed: {1}: {2}", Thing, ex.GetType().Name, ex.Message), ErrorTarget, ex),
    };
}
