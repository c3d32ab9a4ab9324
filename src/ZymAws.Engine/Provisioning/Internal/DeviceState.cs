using System;

namespace ZymAws.Engine.Provisioning.Internal;

/// <summary>
/// What exists for one device according to the journal (or, without a journal, this run's own records): the result of
/// replaying its records in order. "Owned" means the batch created it, so a rollback may remove it; an intent without
/// its result means the call may or may not have taken effect. Only <see cref="ProvisioningJournal"/> makes and replaces
/// these (a device whose input changed is forgotten there, as a whole).
/// </summary>
internal sealed class DeviceState
{
    public string? Input { get; private set; }

    public string? CertificateId { get; private set; }

    public string? CertificateArn { get; private set; }

    public string? CertificatePem { get; private set; }

    public bool CertificateOwned { get; private set; }

    /// <summary>False after our rollback deactivated the certificate (and before it was deleted or re-activated).</summary>
    public bool CertificateActive { get; private set; } = true;

    /// <summary>Time of a RegisterCertificate / CreateCertificateFromCsr intent still without its result.</summary>
    public DateTimeOffset? CertificateIntentAt { get; private set; }

    /// <summary>The CSR hash of a pending CreateCertificateFromCsr intent.</summary>
    public string? PendingCsr { get; private set; }

    public bool ActivationIntent { get; private set; }

    public string? ThingArn { get; private set; }

    public bool ThingOwned { get; private set; }

    public bool ThingIntent { get; private set; }

    /// <summary>The certificate id the device's thing's marker names (<see cref="ThingMarker"/>), when the thing carries one.</summary>
    public string? ThingMarker { get; private set; }

    public bool PrincipalAttached { get; private set; }

    public bool PrincipalOwned { get; private set; }

    public bool PrincipalIntent { get; private set; }

    public string? Policy { get; private set; }

    public bool PolicyAttached { get; private set; }

    public bool PolicyOwned { get; private set; }

    public bool PolicyIntent { get; private set; }

    public bool Provisioned { get; private set; }

    /// <summary>Where in the journal file the record carrying <see cref="CertificatePem"/> starts (-1: none, or no file): a settled device's PEM is read back from there.</summary>
    public long PemRecordAt { get; set; } = -1;

    /// <summary>Whether an AWS call of the device may be pending (an intent without its result).</summary>
    public bool HasIntent => CertificateIntentAt is not null || ActivationIntent || ThingIntent || PrincipalIntent || PolicyIntent;

    /// <summary>Nothing known: equivalent to a device the journal never saw (a later run starts it afresh).</summary>
    public bool IsBlank =>
        !HasIntent && !Provisioned && CertificateId is null && ThingArn is null && !PrincipalAttached && !PolicyAttached && CertificateActive;

    /// <summary>Whether anything the batch may have created still exists (or may exist).</summary>
    public bool HasLiveResources =>
        (CertificateId is not null && CertificateOwned) || CertificateIntentAt is not null || ThingOwned || ThingIntent ||
        PrincipalOwned || PrincipalIntent || PolicyOwned || PolicyIntent;

    /// <summary>Whether the batch created any of the device's resources that still exist.</summary>
    public bool OwnsAnything => (CertificateId is not null && CertificateOwned) || ThingOwned || PrincipalOwned || PolicyOwned;

    public void Apply(JournalRecord r)
    {
        if (r.Input is not null)
        {
            Input = r.Input;
        }

        switch (r.Event)
        {
            case JournalEvents.CertificateRegistering:
                CertificateIntentAt = r.At;
                break;
            case JournalEvents.CertificateIssuing:
                CertificateIntentAt = r.At;
                PendingCsr = r.Csr;
                break;
            case JournalEvents.CertificateIssueAbsent:
                CertificateIntentAt = null;
                PendingCsr = null;
                break;
            case JournalEvents.IntentVoid:
                switch (r.Step)
                {
                    case "Thing":
                        ThingIntent = false;
                        break;
                    case "Principal":
                        PrincipalIntent = false;
                        break;
                    case "Policy":
                        PolicyIntent = false;
                        break;
                    case "Activation":
                        ActivationIntent = false;
                        break;
                }

                break;
            case JournalEvents.CertificateReady:
                CertificateId = r.CertificateId;
                CertificateArn = r.CertificateArn;
                CertificatePem = r.CertificatePem ?? CertificatePem;
                CertificateOwned = r.Owned == true;
                CertificateActive = true;
                CertificateIntentAt = null;
                PendingCsr = null;
                break;
            case JournalEvents.CertificateActivating:
                ActivationIntent = true;
                break;
            case JournalEvents.CertificateActivated:
                ActivationIntent = false;
                CertificateActive = true;
                break;
            case JournalEvents.ThingCreating:
                ThingIntent = true;
                break;
            case JournalEvents.ThingReady:
                ThingArn = r.ThingArn;
                ThingOwned = r.Owned == true;
                ThingMarker = r.Marker;
                ThingIntent = false;
                break;
            case JournalEvents.PrincipalAttaching:
                PrincipalIntent = true;
                break;
            case JournalEvents.PrincipalReady:
                PrincipalAttached = true;
                PrincipalOwned = r.Owned == true;
                PrincipalIntent = false;
                break;
            case JournalEvents.PolicyAttaching:
                PolicyIntent = true;
                Policy = r.Policy ?? Policy;
                break;
            case JournalEvents.PolicyReady:
                Policy = r.Policy ?? Policy;
                PolicyAttached = true;
                PolicyOwned = r.Owned == true;
                PolicyIntent = false;
                break;
            case JournalEvents.Provisioned:
                Provisioned = true;
                break;
            case JournalEvents.PolicyDetached:
                PolicyAttached = false;
                PolicyOwned = false;
                PolicyIntent = false;
                Provisioned = false;
                break;
            case JournalEvents.PrincipalDetached:
                PrincipalAttached = false;
                PrincipalOwned = false;
                PrincipalIntent = false;
                Provisioned = false;
                break;
            case JournalEvents.ThingDeleted:
                ThingArn = null;
                ThingOwned = false;
                ThingMarker = null;
                ThingIntent = false;
                Provisioned = false;
                break;
            case JournalEvents.CertificateDeactivated:
                CertificateActive = false;
                ActivationIntent = false;
                Provisioned = false;
                break;
            case JournalEvents.CertificateDeleted:
                CertificateId = null;
                CertificateArn = null;
                CertificatePem = null;
                CertificateOwned = false;
                CertificateActive = true;
                CertificateIntentAt = null;
                PendingCsr = null;
                Provisioned = false;
                break;
        }
    }
}
