using System;
using System.Collections.Generic;
using System.Linq;
using EngineFleet = ZymAws.Engine.Fleet;

namespace ZymAws.Provisioning;

/// <summary>One certificate of a device, as Get-ZymDevice reports it.</summary>
public sealed class FleetDeviceCertificate
{
    internal FleetDeviceCertificate(EngineFleet.FleetEntryCertificate certificate)
    {
        CertificateId = certificate.CertificateId;
        Status = certificate.Status;
        CaCertificateId = certificate.CaCertificateId;
        CaStatus = certificate.CaStatus;
        Policies = Joined.List(certificate.Policies);
        NotAfter = certificate.NotAfter?.UtcDateTime;
        CredentialsReady = certificate.Decision?.Allowed;
        var failure = certificate.Decision?.FirstFailure;
        FailedCheck = failure?.Check.ToString();
        Reason = failure?.Detail;
    }

    public string CertificateId { get; }

    /// <summary>ACTIVE, INACTIVE, REVOKED, ...</summary>
    public string Status { get; }

    /// <summary>The registered CA that issued it, or null.</summary>
    public string? CaCertificateId { get; }

    public string? CaStatus { get; }

    public IReadOnlyList<string> Policies { get; }

    /// <summary>End of validity (with -Detailed).</summary>
    public DateTime? NotAfter { get; }

    /// <summary>Whether the credentials provider would hand it credentials; null when it cannot be told (no role alias known).</summary>
    public bool? CredentialsReady { get; }

    /// <summary>The check it would fail, or null.</summary>
    public string? FailedCheck { get; }

    public string? Reason { get; }

    public override string ToString() => $"{CertificateId} ({Status})";
}

/// <summary>One device (a thing and its certificates), as Get-ZymDevice lists it. Pipe it to Disable-, Enable-, Remove- or Test-ZymDevice.</summary>
public sealed class FleetDevice
{
    internal FleetDevice(EngineFleet.FleetEntry entry)
    {
        ThingName = entry.ThingName;
        ThingArn = entry.ThingArn;
        ThingTypeName = entry.ThingTypeName;
        Attributes = new JoinedMap(entry.Attributes);
        Certificates = Joined.List(entry.Certificates.Select(c => new FleetDeviceCertificate(c)));
        CredentialsReady = entry.CredentialsReady;
    }

    public string ThingName { get; }

    public string ThingArn { get; }

    public string? ThingTypeName { get; }

    public IReadOnlyDictionary<string, string> Attributes { get; }

    public IReadOnlyList<FleetDeviceCertificate> Certificates { get; }

    /// <summary>The statuses of its certificates, joined ("ACTIVE", "INACTIVE", "ACTIVE,REVOKED", or "" for none).</summary>
    public string Status => string.Join(",", Certificates.Select(c => c.Status));

    /// <summary>The IoT policies attached to its certificates, joined.</summary>
    public string Policies => string.Join(",", Certificates.SelectMany(c => c.Policies).Distinct());

    /// <summary>True when a certificate of it would get credentials; false when none would; null when it cannot be told.</summary>
    public bool? CredentialsReady { get; }

    /// <summary>Why not, for the first certificate that would be refused.</summary>
    public string? FailedCheck => CredentialsReady == false ? Certificates.FirstOrDefault(c => c.FailedCheck is not null)?.FailedCheck ?? "Certificate" : null;

    /// <summary>What that check found (or that no certificate is attached).</summary>
    public string? Reason => CredentialsReady == false ? Certificates.FirstOrDefault(c => c.Reason is not null)?.Reason ?? "no certificate is attached" : null;

    public override string ToString() => ThingName;
}

/// <summary>A certificate's status set by Disable-/Enable-ZymDevice: what changed, or that it already was so.</summary>
public sealed class DeviceStatusChange
{
    internal DeviceStatusChange(EngineFleet.CertificateStatusChange change)
    {
        ThingName = change.ThingName;
        CertificateId = change.CertificateId;
        PreviousStatus = change.PreviousStatus;
        Status = change.Status;
        Changed = change.Changed;
    }

    public string? ThingName { get; }

    public string CertificateId { get; }

    public string PreviousStatus { get; }

    public string Status { get; }

    /// <summary>False when it already was so.</summary>
    public bool Changed { get; }

    public override string ToString() => $"{ThingName ?? CertificateId}: {PreviousStatus} -> {Status}";
}

/// <summary>A CA's status set by Disable-/Enable-ZymCertificateAuthority, and how many device certificates it governs.</summary>
public sealed class CaStatusChange
{
    internal CaStatusChange(EngineFleet.CaStatusChange change)
    {
        CertificateId = change.CaCertificateId;
        PreviousStatus = change.PreviousStatus;
        Status = change.Status;
        Changed = change.Changed;
        Certificates = change.Certificates;
        ActiveCertificates = change.ActiveCertificates;
    }

    /// <summary>The CA certificate's id.</summary>
    public string CertificateId { get; }

    public string PreviousStatus { get; }

    public string Status { get; }

    public bool Changed { get; }

    /// <summary>Device certificates it issued that are registered.</summary>
    public int Certificates { get; }

    /// <summary>Of those, ACTIVE ones: the devices the switch affects.</summary>
    public int ActiveCertificates { get; }

    public override string ToString() => $"{CertificateId}: {PreviousStatus} -> {Status}";
}

/// <summary>What Remove-ZymDevice removed, and what is left when a call failed (run it again to finish).</summary>
public sealed class DeviceRemovalResult
{
    internal DeviceRemovalResult(EngineFleet.DeviceRemoval removal)
    {
        ThingName = removal.ThingName;
        CertificatesDeleted = Joined.List(removal.CertificatesDeleted);
        PoliciesDetached = Joined.List(removal.PoliciesDetached);
        ThingDeleted = removal.ThingDeleted;
        ThingKept = removal.ThingKept;
        Left = Joined.List(removal.Left);
    }

    public string? ThingName { get; }

    public IReadOnlyList<string> CertificatesDeleted { get; }

    public IReadOnlyList<string> PoliciesDetached { get; }

    public bool ThingDeleted { get; }

    /// <summary>Why the thing was kept, or null.</summary>
    public string? ThingKept { get; }

    /// <summary>What is still in AWS (empty when the removal is complete).</summary>
    public IReadOnlyList<string> Left { get; }

    /// <summary>True when nothing is left.</summary>
    public bool Complete => Left.Count == 0;

    public override string ToString() => ThingName ?? string.Join(",", CertificatesDeleted);
}

/// <summary>What Unregister-ZymCaWithAws did.</summary>
public sealed class CaUnregistrationResult
{
    internal CaUnregistrationResult(EngineFleet.CaUnregistration result)
    {
        CertificateId = result.CaCertificateId;
        Deleted = result.Deleted;
        CertificatesRemoved = result.CertificatesRemoved;
        WasNotRegistered = result.WasNotRegistered;
        Left = Joined.List(result.Left);
    }

    /// <summary>The CA certificate's id.</summary>
    public string CertificateId { get; }

    /// <summary>Whether the registration is gone.</summary>
    public bool Deleted { get; }

    /// <summary>True when it was not registered to begin with (nothing was done).</summary>
    public bool WasNotRegistered { get; }

    /// <summary>Device certificates it issued that were removed (with -RemoveDevices), with their things when nothing else was attached.</summary>
    public int CertificatesRemoved { get; }

    public IReadOnlyList<string> Left { get; }

    public override string ToString() => CertificateId;
}

/// <summary>One part of the credentials provider's AWS side, as Remove-ZymCredentialProvider left it.</summary>
public sealed class CredentialProviderRemoval
{
    internal CredentialProviderRemoval(EngineFleet.TearDownStep step)
    {
        Kind = step.Kind;
        Name = step.Name;
        Outcome = step.Outcome;
        Detail = step.Detail;
    }

    /// <summary>IotPolicy, RoleAlias or IamRole.</summary>
    public string Kind { get; }

    public string Name { get; }

    /// <summary>Removed, NotFound, Refused or Skipped.</summary>
    public string Outcome { get; }

    public string Detail { get; }

    public override string ToString() => $"{Kind} {Name}: {Outcome}";
}
