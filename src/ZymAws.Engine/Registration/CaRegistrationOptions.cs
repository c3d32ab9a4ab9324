namespace ZymAws.Engine.Registration;

/// <summary>How a CA is registered with AWS IoT (Register-ZymCaWithAws's parameters).</summary>
public sealed class CaRegistrationOptions
{
    /// <summary>Register the CA ACTIVE, or activate an INACTIVE one that is already registered.</summary>
    public bool SetActive { get; set; }

    /// <summary>Let device certificates signed by the CA register themselves on first connection.</summary>
    public bool AllowAutoRegistration { get; set; }

    /// <summary>
    /// SNI_ONLY: register without a verification certificate (AWS registers such a CA INACTIVE; <see cref="SetActive"/>
    /// then activates it in a second call). False: DEFAULT mode, possession of the CA key proven with a verification
    /// certificate whose CN is the account's registration code.
    /// </summary>
    public bool SniOnly { get; set; }
}
