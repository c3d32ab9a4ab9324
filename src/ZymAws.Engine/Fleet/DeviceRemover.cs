using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ZymAws.Engine.Aws;
using ZymAws.Engine.Diagnostics;

namespace ZymAws.Engine.Fleet;

/// <summary>What removing a device did, and what (if anything) is left.</summary>
public sealed class DeviceRemoval
{
    internal DeviceRemoval(string? thingName) => ThingName = thingName;

    public string? ThingName { get; }

    /// <summary>Certificates deleted.</summary>
    public List<string> CertificatesDeleted { get; } = new();

    /// <summary>Policy detachments made ("policy from certificate").</summary>
    public List<string> PoliciesDetached { get; } = new();

    /// <summary>Whether the thing was deleted.</summary>
    public bool ThingDeleted { get; internal set; }

    /// <summary>Why the thing was kept (another certificate is attached, or it was never asked to go), or null.</summary>
    public string? ThingKept { get; internal set; }

    /// <summary>What is still in AWS because a call failed (empty when the removal is complete).</summary>
    public List<string> Left { get; } = new();

    /// <summary>The failure that stopped it, or null.</summary>
    public ZymException? Error { get; internal set; }

    /// <summary>True when there was nothing to remove.</summary>
    public bool NothingToDo => CertificatesDeleted.Count == 0 && PoliciesDetached.Count == 0 && !ThingDeleted && Error is null && !Declined;

    /// <summary>True when the removal was not confirmed (-WhatIf, or answered No): nothing was done.</summary>
    public bool Declined { get; internal set; }
}

/// <summary>
/// Remove-ZymDevice's engine: a device's certificates (all of the thing's, or the one named) silenced first (INACTIVE, so a
/// half-removed device is already cut off), their policies and things detached, the certificates deleted, then the thing
/// (when one is named) deleted when no other certificate is attached. Every step reads AWS before it acts, so removal is idempotent and needs no journal: an interrupted or
/// failed removal is finished by running it again, and the result names what is left meanwhile. A REVOKED certificate is
/// deleted too (REVOKED is not ACTIVE).
/// </summary>
public static class DeviceRemover
{
    /// <summary>How long a deletion waits for AWS to see a detachment (DetachThingPrincipal is eventually consistent).</summary>
    public static TimeSpan DetachSettle { get; set; } = TimeSpan.FromSeconds(20);

    public static async Task<DeviceRemoval> RemoveAsync(AwsSession session, DeviceSelector device, Func<string, string, Task<bool>>? shouldProcess,
        IEngineLog? log = null, CancellationToken cancellationToken = default)
    {
        log ??= NullEngineLog.Instance;
        var iot = session.Iot;
        var removal = new DeviceRemoval(device.ThingName);
        IReadOnlyList<(string? ThingName, IotCertificateDescription Certificate)> certificates;
        try
        {
            certificates = await DeviceSwitch.ResolveAsync(session, device, cancellationToken).ConfigureAwait(false);
        }
        catch (ZymException e) when (e.ErrorId is "ThingNotFound" or "CertificateNotFound")
        {
            // Already gone: removal is idempotent.
            return removal;
        }

        string what = device.CertificateId is not null
            ? $"Delete certificate {device.CertificateId} (deactivated first, policies and things detached)" + (device.ThingName is null ? string.Empty : $", then thing '{device.ThingName}' when nothing else is attached")
            : $"Delete thing '{device.ThingName}' and its {certificates.Count} certificate(s) (deactivated first, policies detached)";
        if (shouldProcess is not null && !await shouldProcess(device.ToString(), what).ConfigureAwait(false))
        {
            removal.Declined = true;
            return removal;
        }

        foreach (var (_, certificate) in certificates)
        {
            string id = certificate.CertificateId;
            string arn = certificate.CertificateArn;
            var detachedFrom = new List<string>();
            try
            {
                if (certificate.Status == IotCertificateStatus.Active)
                {
                    await iot.UpdateCertificateAsync(id, IotCertificateStatus.Inactive, cancellationToken).ConfigureAwait(false);
                    log.Verbose($"Certificate {id} deactivated.");
                }

                foreach (var policy in await iot.ListAllAttachedPoliciesAsync(arn, null, 250, cancellationToken).ConfigureAwait(false))
                {
                    await Gone(() => iot.DetachPolicyAsync(policy.PolicyName, arn, cancellationToken)).ConfigureAwait(false);
                    removal.PoliciesDetached.Add($"{policy.PolicyName} from {id}");
                }

                foreach (string thing in await iot.ListAllPrincipalThingsAsync(arn, 250, cancellationToken).ConfigureAwait(false))
                {
                    await Gone(() => iot.DetachThingPrincipalAsync(thing, arn, cancellationToken)).ConfigureAwait(false);
                    detachedFrom.Add(thing);
                    log.Verbose($"Certificate {id} detached from thing '{thing}'.");
                }

                await DeleteWhenDetachedAsync(iot, id, cancellationToken).ConfigureAwait(false);
                removal.CertificatesDeleted.Add(id);
            }
            catch (ZymException e)
            {
                // Keep the device findable by its thing name: attach the (deactivated) certificate back to the things it
                // was taken from, so that running the removal again finds and finishes it.
                foreach (string thing in detachedFrom)
                {
                    try
                    {
                        await iot.AttachThingPrincipalAsync(thing, arn, CancellationToken.None).ConfigureAwait(false);
                    }
                    catch (ZymException)
                    {
                        removal.Left.Add($"certificate {id} is no longer attached to thing '{thing}': remove it by its id");
                    }
                }

                removal.Error ??= e;
                removal.Left.Add($"certificate {id} (INACTIVE)");
            }
        }

        if (device.ThingName is null)
        {
            removal.ThingKept = "only the certificate was named; the things it was attached to are kept";
            return removal;
        }

        if (removal.Error is not null)
        {
            removal.Left.Add($"thing '{device.ThingName}'");
            return removal;
        }

        try
        {
            var remaining = await iot.ListAllThingPrincipalsAsync(device.ThingName!, 250, cancellationToken).ConfigureAwait(false);
            if (remaining.Count > 0)
            {
                removal.ThingKept = $"{remaining.Count} other principal(s) still attached";
                return removal;
            }

            await DeleteThingWhenDetachedAsync(iot, device.ThingName!, cancellationToken).ConfigureAwait(false);
            removal.ThingDeleted = true;
        }
        catch (AwsServiceException e) when (e.IsNotFound)
        {
            removal.ThingDeleted = true;
        }
        catch (ZymException e)
        {
            removal.Error = e;
            removal.Left.Add($"thing '{device.ThingName}'");
        }

        return removal;
    }

    private static async Task Gone(Func<Task> call)
    {
        try
        {
            await call().ConfigureAwait(false);
        }
        catch (AwsServiceException e) when (e.IsNotFound)
        {
            // Already detached.
        }
    }

    private static async Task DeleteWhenDetachedAsync(IotClient iot, string id, CancellationToken cancellationToken)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                await iot.DeleteCertificateAsync(id, cancellationToken: cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (AwsServiceException e) when (e.IsNotFound)
            {
                return;
            }
            catch (AwsServiceException e) when (e.ErrorCode.StartsWith("DeleteConflict", StringComparison.Ordinal) && waited.Elapsed < DetachSettle)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(2000, 100 * attempt * attempt)), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static async Task DeleteThingWhenDetachedAsync(IotClient iot, string thing, CancellationToken cancellationToken)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                await iot.DeleteThingAsync(thing, cancellationToken: cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (AwsServiceException e) when ((e.ErrorCode.StartsWith("InvalidRequest", StringComparison.Ordinal) || e.ErrorCode.StartsWith("DeleteConflict", StringComparison.Ordinal))
                && waited.Elapsed < DetachSettle)
            {
                // "The thing still has principals attached" until the detachment has propagated.
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(2000, 100 * attempt * attempt)), cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
