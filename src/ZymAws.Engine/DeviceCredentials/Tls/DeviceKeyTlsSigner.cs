using System;
using Org.BouncyCastle.Tls;
using Org.BouncyCastle.Tls.Crypto;
using ZymAws.Engine.Keys;

namespace ZymAws.Engine.DeviceCredentials.Tls;

/// <summary>
/// BouncyCastle's TLS signer over an <see cref="IDeviceKey"/>: the handshake's CertificateVerify is signed wherever the
/// key lives (a software key, or inside the Zymkey — the private key never reaches this process). Only SHA-256
/// schemes are offered (the device key signs SHA-256 digests): ecdsa + sha256 (TLS 1.2; ecdsa_secp256r1_sha256 in TLS 1.3)
/// and rsa_pkcs1 + sha256 (TLS 1.2).
/// </summary>
internal sealed class DeviceKeyTlsSigner : TlsSigner
{
    private readonly IDeviceKey _key;

    public DeviceKeyTlsSigner(IDeviceKey key) => _key = key;

    /// <summary>The scheme this key signs with: ecdsa/sha256 or rsa/sha256.</summary>
    public static SignatureAndHashAlgorithm SchemeFor(IDeviceKey key) => key.Algorithm == DeviceKeyAlgorithm.Rsa
        ? SignatureAndHashAlgorithm.GetInstance(HashAlgorithm.sha256, SignatureAlgorithm.rsa)
        : SignatureAndHashAlgorithm.GetInstance(HashAlgorithm.sha256, SignatureAlgorithm.ecdsa);

    /// <summary>Whether TLS 1.3 can use this key: only P-256 (ecdsa_secp256r1_sha256); RSA would need PSS, P-384 SHA-384.</summary>
    public static bool SupportsTls13(IDeviceKey key) => key.Algorithm == DeviceKeyAlgorithm.EcP256;

    public byte[] GenerateRawSignature(SignatureAndHashAlgorithm algorithm, byte[] hash)
    {
        if (algorithm is not null && algorithm.Hash != HashAlgorithm.sha256)
        {
            throw new TlsFatalAlert(AlertDescription.internal_error, "The device key signs SHA-256 digests only.");
        }

        if (hash is null || hash.Length != 32)
        {
            throw new TlsFatalAlert(AlertDescription.internal_error, "The handshake hash to sign is not a SHA-256 digest.");
        }

        return _key.SignSha256Digest(hash);
    }

    // No stream signer: BouncyCastle then hashes the handshake itself and asks GenerateRawSignature for the digest.
    public TlsStreamSigner? GetStreamSigner(SignatureAndHashAlgorithm algorithm) => null;
}
