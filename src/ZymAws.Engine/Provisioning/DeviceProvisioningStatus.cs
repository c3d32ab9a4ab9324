namespace ZymAws.Engine.Provisioning;

/// <summary>How one device's provisioning ended.</summary>
public enum DeviceProvisioningStatus
{
    /// <summary>Certificate, thing, attachment and policy are in place, and this batch (this run or an earlier run of the same journal) created at least one of them.</summary>
    Provisioned,

    /// <summary>Everything was already in place (certificate ACTIVE, thing, principal and policy attached): nothing was changed.</summary>
    AlreadyProvisioned,

    /// <summary>The device failed before any AWS change (its input, its policy), or a step failed with NoRollback and nothing was undone.</summary>
    Failed,

    /// <summary>A step failed and everything this batch created for the device was undone.</summary>
    RolledBack,

    /// <summary>
    /// A step failed and the undo did not finish: <see cref="DeviceProvisioningOutcome.RollbackError"/> says why and
    /// <see cref="DeviceProvisioningOutcome.LeftInAws"/> what is left. Running the device again (with or without the
    /// journal) finishes or removes it.
    /// </summary>
    RollbackFailed,

    /// <summary>The shouldProcess callback declined (-WhatIf / -Confirm "No"): nothing was changed; <see cref="DeviceProvisioningOutcome.PlannedActions"/> says what would be done.</summary>
    Skipped,
}
