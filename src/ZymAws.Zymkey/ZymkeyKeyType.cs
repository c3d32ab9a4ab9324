namespace ZymAws.Zymkey;

/// <summary>Key types of <c>zkGenKeyPair</c> (values are the C enum <c>ZK_EC_KEY_TYPE</c>). HSM6 / SCM only.</summary>
public enum ZymkeyKeyType
{
    /// <summary>NIST P-256 (secp256r1), the only type <see cref="ZymkeyDeviceKey"/> signs with.</summary>
    NistP256 = 0,

    /// <summary>secp256k1.</summary>
    Secp256k1 = 1,

    /// <summary>Ed25519.</summary>
    Ed25519 = 2,

    /// <summary>X25519.</summary>
    X25519 = 3,
}
