using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ZymAws.Engine.Aws;

namespace ZymAws.Engine.Fleet;

/// <summary>A device to act on: a thing (every certificate attached to it), or one certificate.</summary>
public sealed class DeviceSelector
{
    public DeviceSelector(string? thingName, string? certificateId, object? target)
    {
        if (string.IsNullOrWhiteSpace(thingName) && string.IsNullOrWhiteSpace(certificateId))
        {
            throw new ZymException("DeviceInputUnsupported", ZymErrorCategory.InvalidArgument,
                "Cannot tell which device this is: give a thing name or a certificate id.", target);
        }

        ThingName = string.IsNullOrWhiteSpace(thingName) ? null : thingName;
        CertificateId = string.IsNullOrWhiteSpace(certificateId) ? null : certificateId;
        Target = target;
    }

    public string? ThingName { get; }

    /// <summary>One certificate only; null for every certificate of the thing.</summary>
    public string? CertificateId { get; }

    /// <summary>The item the operator gave (error target).</summary>
    public object? Target { get; }

    public override string ToString() => ThingName ?? CertificateId!;
}

/// <summary>What happened to one certificate's status.</summary>
public sealed record CertificateStatusChange(string? ThingName, string CertificateId, string PreviousStatus, string Status, bool Changed)
{
    /// <summary>Why this certificate could not be set (the others of the device were), or null.</summary>
    public ZymException? Error { get; init; }
}

/// <summary>What happened to a CA's status, and how many device certificates it governs.</summary>
public sealed record CaStatusChange(string CaCertificateId, string PreviousStatus, string Status, bool Changed, int Certificates, int ActiveCertificates);

/// <summary>
/// Silencing and restoring: a device's certificates INACTIVE (or REVOKED, which cannot be undone) or ACTIVE again, and
/// the fleet-wide switch, a CA's status (every certificate it issued follows it at the credentials provider). Each
/// change says what it changed and what already was so; UpdateCertificate and UpdateCACertificate are idempotent.
/// </summary>
public static class DeviceSwitch
{
    /// <summary>The certificates a selector names, with their status (DescribeCertificate each).</summary>
    /// <exception cref="ZymException">ThingNotFound, CertificateNotFound.</exception>
    public static async Task<IReadOnlyList<(string? ThingName, IotCertificateDescription Certificate)>> ResolveAsync(AwsSession session, DeviceSelector device, CancellationToken cancellationToken)
    {
        var ids = new List<string>();
        if (device.CertificateId is not null)
        {
            ids.Add(device.CertificateId);
        }
        else
        {
            IReadOnlyList<string> principals;
            try
            {
                principals = await session.Iot.ListAllThingPrincipalsAsync(device.ThingName!, 250, cancellationToken).ConfigureAwait(false);
            }
            catch (AwsServiceException e) when (e.IsNotFound)
            {
                throw new ZymException("ThingNotFound", ZymErrorCategory.ObjectNotFound, $"There is no thing '{device.ThingName}' in the account.", device.Target ?? device.ThingName, e);
            }

            ids.AddRange(principals.Where(p => p.IndexOf(":cert/", StringComparison.Ordinal) > 0).Select(p => p.Substring(p.LastIndexOf('/') + 1)));
        }

        var found = new List<(string?, IotCertificateDescription)>();
        foreach (string id in ids)
        {
            try
            {
                found.Add((device.ThingName, await session.Iot.DescribeCertificateAsync(id, cancellationToken).ConfigureAwait(false)));
            }
            catch (AwsServiceException e) when (e.IsNotFound)
            {
                throw new ZymException("CertificateNotFound", ZymErrorCategory.ObjectNotFound, $"Certificate {id} is not registered in the account.", device.Target ?? id, e);
            }
        }

        return found;
    }

    /// <summary>
    /// Sets every certificate the selector names to <paramref name="status"/> (ACTIVE, INACTIVE or REVOKED), asking
    /// <paramref name="shouldProcess"/> before each change; each certificate on its own. A REVOKED certificate is already
    /// silenced (disabling it changes nothing) and cannot be made ACTIVE again: that one is an error
    /// (<see cref="CertificateStatusChange.Error"/>, CertificateRevoked) and the others go on.
    /// </summary>
    /// <exception cref="ZymException">ThingNotFound, CertificateNotFound, DeviceHasNoCertificate.</exception>
    public static async Task<IReadOnlyList<CertificateStatusChange>> SetStatusAsync(AwsSession session, DeviceSelector device, string status,
        Func<string, string, Task<bool>>? shouldProcess, CancellationToken cancellationToken = default)
    {
        var certificates = await ResolveAsync(session, device, cancellationToken).ConfigureAwait(false);
        if (certificates.Count == 0)
        {
            throw new ZymException("DeviceHasNoCertificate", ZymErrorCategory.ObjectNotFound, $"No certificate is attached to thing '{device.ThingName}'.", device.Target ?? device.ThingName);
        }

        var changes = new List<CertificateStatusChange>();
        foreach (var (thing, certificate) in certificates)
        {
            string previous = certificate.Status ?? "UNKNOWN";
            bool alreadySilenced = previous == IotCertificateStatus.Revoked && status == IotCertificateStatus.Inactive;
            if (string.Equals(previous, status, StringComparison.Ordinal) || alreadySilenced)
            {
                changes.Add(new CertificateStatusChange(thing, certificate.CertificateId, previous, previous, false));
                continue;
            }

            if (previous == IotCertificateStatus.Revoked)
            {
                changes.Add(new CertificateStatusChange(thing, certificate.CertificateId, previous, previous, false)
                {
                    Error = new ZymException("CertificateRevoked", ZymErrorCategory.InvalidOperation,
                        $"Certificate {certificate.CertificateId} of '{device}' is REVOKED, which cannot be undone: the device needs a new certificate (New-ZymDeviceCsr, Approve-ZymDeviceCsr, Invoke-ZymDeviceProvisioning).",
                        device.Target ?? certificate.CertificateId),
                });
                continue;
            }

            if (shouldProcess is not null && !await shouldProcess(device.ToString(), $"Set certificate {certificate.CertificateId} from {previous} to {status}").ConfigureAwait(false))
            {
                continue;
            }

            await session.Iot.UpdateCertificateAsync(certificate.CertificateId, status, cancellationToken).ConfigureAwait(false);
            changes.Add(new CertificateStatusChange(thing, certificate.CertificateId, previous, status, true));
        }

        return changes;
    }

    /// <summary>
    /// Sets a registered CA's status: INACTIVE refuses every certificate it issued at the credentials provider (the
    /// fleet-wide switch), ACTIVE restores them. Counts the device certificates it governs (ListCertificatesByCA pages).
    /// </summary>
    /// <exception cref="ZymException">CaCertificateNotRegistered, AWS errors.</exception>
    public static async Task<CaStatusChange?> SetCaStatusAsync(AwsSession session, string caCertificateId, string status,
        Func<string, string, Task<bool>>? shouldProcess, CancellationToken cancellationToken = default)
    {
        IotCaCertificateDescription ca;
        try
        {
            ca = await session.Iot.DescribeCaCertificateAsync(caCertificateId, cancellationToken).ConfigureAwait(false);
        }
        catch (AwsServiceException e) when (e.IsNotFound)
        {
            throw new ZymException("CaCertificateNotRegistered", ZymErrorCategory.ObjectNotFound, $"CA certificate {caCertificateId} is not registered with AWS IoT in {session.Region}.", caCertificateId, e);
        }

        var issued = await session.Iot.ListAllCertificatesByCaAsync(caCertificateId, 250, cancellationToken).ConfigureAwait(false);
        int active = issued.Count(c => c.Status == IotCertificateStatus.Active);
        string previous = ca.Status ?? "UNKNOWN";
        if (string.Equals(previous, status, StringComparison.Ordinal))
        {
            return new CaStatusChange(caCertificateId, previous, previous, false, issued.Count, active);
        }

        string effect = status == IotCertificateStatus.Inactive
            ? $"every one of its {issued.Count} device certificates ({active} ACTIVE) is refused credentials"
            : $"its {active} ACTIVE device certificates get credentials again";
        if (shouldProcess is not null && !await shouldProcess(caCertificateId, $"Set CA certificate from {previous} to {status}: {effect}").ConfigureAwait(false))
        {
            return null;
        }

        await session.Iot.UpdateCaCertificateAsync(new IotUpdateCaCertificateRequest(caCertificateId) { NewStatus = status }, cancellationToken).ConfigureAwait(false);
        return new CaStatusChange(caCertificateId, previous, status, true, issued.Count, active);
    }
}
