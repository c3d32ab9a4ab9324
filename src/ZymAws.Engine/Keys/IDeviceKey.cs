using System;

namespace ZymAws.Engine.Keys;

/// <summary>The key algorithms a device key may have.</summary>
public enum DeviceKeyAlgorithm
{
    EcP256,
    EcP384,
    Rsa,
}

/// <summary>
/// A device's private key, wherever it lives: a software key file, or a Zymkey slot whose key never leaves
/// the hardware. PKI (CSR signing) and TLS (the credentials-provider handshake) use only this interface.
/// </summary>
public interface IDeviceKey : IDisposable
{
    /// <summary>Human-readable, secret-free description, e.g. "software key /etc/zym/device.key" or "Zymkey slot 0".</summary>
    string Description { get; }

    DeviceKeyAlgorithm Algorithm { get; }

    /// <summary>The public key as DER-encoded SubjectPublicKeyInfo.</summary>
    byte[] GetSubjectPublicKeyInfo();

    /// <summary>
    /// Signs a 32-byte SHA-256 digest. ECDSA keys return a DER-encoded Ecdsa-Sig-Value (SEQUENCE { r, s });
    /// RSA keys return a PKCS#1 v1.5 signature with the SHA-256 DigestInfo.
    /// </summary>
    byte[] SignSha256Digest(byte[] digest);
}
