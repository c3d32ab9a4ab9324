namespace ZymAws.Engine.Provisioning;

/// <summary>When a batch reads what already exists by pages before per-device work (Invoke-ZymDeviceProvisioning -Reconcile).</summary>
public enum ReconcileMode
{
    /// <summary>
    /// Once the input reaches <see cref="FleetProvisioningOptions.ReconcileThreshold"/> devices (a smaller batch is
    /// checked device by device: a listing of the account would cost it more than it saves).
    /// </summary>
    Auto,

    /// <summary>Before the first device, whatever the batch's size.</summary>
    Always,

    /// <summary>Never: every device is checked with its own calls (as before reconcile existed).</summary>
    Never,
}
