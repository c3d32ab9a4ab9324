using System;
using System.Security.Cryptography;
using System.Threading;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Nist;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Encodings;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Security;
using ZymAws.Engine.Pki;

namespace ZymAws.Engine.Keys;

/// <summary>
/// Signs digests with a private key held in memory. Thread-safe: each thread gets its own platform key object
/// (OpenSSL/CNG), created on first use; BouncyCastle (deterministic RFC 6979 ECDSA, PKCS#1 v1.5 RSA) when the
/// platform cannot or <see cref="PkiCrypto.UsePlatform"/> is off. ECDSA signatures come back DER-encoded.
/// </summary>
internal sealed class KeySigner : IDisposable
{
    private readonly AsymmetricKeyParameter _key;
    private readonly DeviceKeyAlgorithm _algorithm;
    private readonly ThreadLocal<AsymmetricAlgorithm> _platform;
    private volatile bool _platformUnavailable;

    internal KeySigner(AsymmetricKeyParameter key, DeviceKeyAlgorithm algorithm)
    {
        _key = key;
        _algorithm = algorithm;
        _platform = new ThreadLocal<AsymmetricAlgorithm>(CreatePlatformKey, trackAllValues: true);
    }

    internal int FieldBytes => _algorithm == DeviceKeyAlgorithm.EcP384 ? 48 : 32;

    /// <summary>Signs a digest made with <paramref name="hash"/>.</summary>
    internal byte[] SignDigest(byte[] digest, HashAlgorithmName hash)
    {
        if (PkiCrypto.UsePlatform && !_platformUnavailable)
        {
            try
            {
                var platform = _platform.Value!;
                if (platform is RSA rsa)
                {
                    return rsa.SignHash(digest, hash, RSASignaturePadding.Pkcs1);
                }

                return PkiCrypto.P1363ToDer(((ECDsa)platform).SignHash(digest));
            }
            catch (PlatformNotSupportedException)
            {
                _platformUnavailable = true;
            }
        }

        return SignManaged(digest, hash);
    }

    public void Dispose()
    {
        try
        {
            foreach (var key in _platform.Values)
            {
                key?.Dispose();
            }
        }
        catch (ObjectDisposedException)
        {
            return;
        }

        _platform.Dispose();
    }

    private byte[] SignManaged(byte[] digest, HashAlgorithmName hash)
    {
        if (_key is RsaPrivateCrtKeyParameters)
        {
            var oid = hash == HashAlgorithmName.SHA384 ? NistObjectIdentifiers.IdSha384
                : hash == HashAlgorithmName.SHA512 ? NistObjectIdentifiers.IdSha512
                : NistObjectIdentifiers.IdSha256;
            byte[] digestInfo = new Org.BouncyCastle.Asn1.X509.DigestInfo(new AlgorithmIdentifier(oid, DerNull.Instance), digest).GetDerEncoded();
            var engine = new Pkcs1Encoding(new RsaBlindedEngine());
            engine.Init(true, new ParametersWithRandom(_key, new SecureRandom()));
            return engine.ProcessBlock(digestInfo, 0, digestInfo.Length);
        }

        var digestForK = hash == HashAlgorithmName.SHA384 ? (IDigest)new Org.BouncyCastle.Crypto.Digests.Sha384Digest()
            : hash == HashAlgorithmName.SHA512 ? new Org.BouncyCastle.Crypto.Digests.Sha512Digest()
            : new Org.BouncyCastle.Crypto.Digests.Sha256Digest();
        var signer = new ECDsaSigner(new HMacDsaKCalculator(digestForK));
        signer.Init(true, _key);
        BigInteger[] rs = signer.GenerateSignature(digest);
        return new DerSequence(new DerInteger(rs[0]), new DerInteger(rs[1])).GetDerEncoded();
    }

    private AsymmetricAlgorithm CreatePlatformKey()
    {
        if (_key is RsaPrivateCrtKeyParameters rsa)
        {
            byte[] modulus = rsa.Modulus.ToByteArrayUnsigned();
            int half = (modulus.Length + 1) / 2;
            var parameters = new RSAParameters
            {
                Modulus = modulus,
                Exponent = rsa.PublicExponent.ToByteArrayUnsigned(),
                D = Pad(rsa.Exponent, modulus.Length),
                P = Pad(rsa.P, half),
                Q = Pad(rsa.Q, half),
                DP = Pad(rsa.DP, half),
                DQ = Pad(rsa.DQ, half),
                InverseQ = Pad(rsa.QInv, half),
            };
            var platformRsa = RSA.Create();
            try
            {
                platformRsa.ImportParameters(parameters);
            }
            catch
            {
                platformRsa.Dispose();
                throw;
            }
            finally
            {
                Array.Clear(parameters.D, 0, parameters.D.Length);
                Array.Clear(parameters.P, 0, parameters.P.Length);
                Array.Clear(parameters.Q, 0, parameters.Q.Length);
                Array.Clear(parameters.DP, 0, parameters.DP.Length);
                Array.Clear(parameters.DQ, 0, parameters.DQ.Length);
                Array.Clear(parameters.InverseQ, 0, parameters.InverseQ.Length);
            }

            return platformRsa;
        }

        var ec = (ECPrivateKeyParameters)_key;
        var q = ec.Parameters.G.Multiply(ec.D).Normalize();
        int n = FieldBytes;
        var ecParameters = new ECParameters
        {
            Curve = _algorithm == DeviceKeyAlgorithm.EcP384 ? ECCurve.NamedCurves.nistP384 : ECCurve.NamedCurves.nistP256,
            D = Pad(ec.D, n),
            Q = new System.Security.Cryptography.ECPoint { X = Pad(q.AffineXCoord.ToBigInteger(), n), Y = Pad(q.AffineYCoord.ToBigInteger(), n) },
        };
        try
        {
            return ECDsa.Create(ecParameters);
        }
        finally
        {
            Array.Clear(ecParameters.D, 0, ecParameters.D.Length);
        }
    }

    private static byte[] Pad(BigInteger value, int length)
    {
        byte[] raw = value.ToByteArrayUnsigned();
        if (raw.Length == length)
        {
            return raw;
        }

        var padded = new byte[length];
        Buffer.BlockCopy(raw, 0, padded, length - raw.Length, raw.Length);
        Array.Clear(raw, 0, raw.Length);
        return padded;
    }
}
