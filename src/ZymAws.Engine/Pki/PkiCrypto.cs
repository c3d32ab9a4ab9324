using System;
using System.Security.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Security;
using ZymAws.Engine.Keys;
using SysECPoint = System.Security.Cryptography.ECPoint;

namespace ZymAws.Engine.Pki;

/// <summary>
/// Raw signature operations. BouncyCastle builds and parses every ASN.1 structure; the ECDSA/RSA arithmetic
/// runs on the platform's implementation (OpenSSL on Linux, CNG on Windows) when available, because
/// BouncyCastle's managed ECDSA is several times slower. Falls back to BouncyCastle when the platform
/// lacks an algorithm, and can be forced to BouncyCastle (<see cref="UsePlatform"/>) for comparison.
/// </summary>
internal static class PkiCrypto
{
    internal static readonly DerObjectIdentifier EcPublicKey = X9ObjectIdentifiers.IdECPublicKey;
    internal static readonly DerObjectIdentifier P256 = X9ObjectIdentifiers.Prime256v1;
    internal static readonly DerObjectIdentifier P384 = new("1.3.132.0.34");
    internal static readonly DerObjectIdentifier RsaEncryption = new("1.2.840.113549.1.1.1");
    internal static readonly DerObjectIdentifier EcdsaSha256 = X9ObjectIdentifiers.ECDsaWithSha256;
    internal static readonly DerObjectIdentifier EcdsaSha384 = X9ObjectIdentifiers.ECDsaWithSha384;
    internal static readonly DerObjectIdentifier EcdsaSha512 = X9ObjectIdentifiers.ECDsaWithSha512;
    internal static readonly DerObjectIdentifier RsaSha256 = new("1.2.840.113549.1.1.11");
    internal static readonly DerObjectIdentifier RsaSha384 = new("1.2.840.113549.1.1.12");
    internal static readonly DerObjectIdentifier RsaSha512 = new("1.2.840.113549.1.1.13");

    [ThreadStatic]
    private static SHA1? t_sha1;

    [ThreadStatic]
    private static SHA256? t_sha256;

    [ThreadStatic]
    private static SHA384? t_sha384;

    [ThreadStatic]
    private static SHA512? t_sha512;

    [ThreadStatic]
    private static bool? t_usePlatform;

    private static volatile bool s_usePlatform = true;

    /// <summary>
    /// True (default): platform ECDSA/RSA; false: BouncyCastle only. Setting it changes the process default;
    /// <see cref="OverrideOnThisThread"/> changes it for the calling thread only (tests, benchmarks).
    /// </summary>
    internal static bool UsePlatform
    {
        get => t_usePlatform ?? s_usePlatform;
        set => s_usePlatform = value;
    }

    /// <summary>Uses (or avoids) the platform on this thread until the result is disposed.</summary>
    internal static IDisposable OverrideOnThisThread(bool usePlatform)
    {
        bool? previous = t_usePlatform;
        t_usePlatform = usePlatform;
        return new Restore(previous);
    }

    /// <summary>The outcome of checking a signature.</summary>
    internal enum VerifyResult
    {
        Valid,
        Invalid,
        AlgorithmUnsupported,
    }

    internal static byte[] Hash(HashAlgorithmName hash, byte[] data) => Hash(hash, data, 0, data.Length);

    /// <summary>
    /// SHA-256 in managed code (BouncyCastle), for identifiers: certificate ids, credential cache keys. Reading a
    /// certificate then never loads the platform's crypto library, which costs a fresh process several milliseconds
    /// (libssl, libcrypto, openssl.cnf) — most of the native zymaws-credential helper's answer from its cache.
    /// </summary>
    internal static byte[] Sha256(byte[] data)
    {
        var digest = new Org.BouncyCastle.Crypto.Digests.Sha256Digest();
        digest.BlockUpdate(data, 0, data.Length);
        var result = new byte[digest.GetDigestSize()];
        digest.DoFinal(result, 0);
        return result;
    }

    internal static byte[] Hash(HashAlgorithmName hash, byte[] data, int offset, int count)
    {
        HashAlgorithm h = hash == HashAlgorithmName.SHA384 ? (t_sha384 ??= SHA384.Create())
            : hash == HashAlgorithmName.SHA512 ? (t_sha512 ??= SHA512.Create())
            : hash == HashAlgorithmName.SHA256 ? (t_sha256 ??= SHA256.Create())
            : hash == HashAlgorithmName.SHA1 ? (t_sha1 ??= SHA1.Create())
            : throw new ArgumentOutOfRangeException(nameof(hash));
        return h.ComputeHash(data, offset, count);
    }

    /// <summary>The signature algorithm a key of <paramref name="algorithm"/> uses with <paramref name="hash"/>.</summary>
    internal static AlgorithmIdentifier SignatureAlgorithm(DeviceKeyAlgorithm algorithm, HashAlgorithmName hash)
    {
        if (algorithm == DeviceKeyAlgorithm.Rsa)
        {
            var oid = hash == HashAlgorithmName.SHA384 ? RsaSha384 : hash == HashAlgorithmName.SHA512 ? RsaSha512 : RsaSha256;
            return new AlgorithmIdentifier(oid, DerNull.Instance);
        }

        return new AlgorithmIdentifier(hash == HashAlgorithmName.SHA384 ? EcdsaSha384 : hash == HashAlgorithmName.SHA512 ? EcdsaSha512 : EcdsaSha256);
    }

    /// <summary>Maps a signature algorithm to (is EC, hash); false for anything we do not accept (SHA-1, PSS, EdDSA…).</summary>
    internal static bool TryParseSignatureAlgorithm(AlgorithmIdentifier alg, out bool isEc, out HashAlgorithmName hash)
    {
        var oid = alg.Algorithm;
        isEc = true;
        hash = HashAlgorithmName.SHA256;
        if (oid.Equals(EcdsaSha256))
        {
            return true;
        }

        if (oid.Equals(EcdsaSha384))
        {
            hash = HashAlgorithmName.SHA384;
            return true;
        }

        if (oid.Equals(EcdsaSha512))
        {
            hash = HashAlgorithmName.SHA512;
            return true;
        }

        isEc = false;
        if (oid.Equals(RsaSha256))
        {
            return true;
        }

        if (oid.Equals(RsaSha384))
        {
            hash = HashAlgorithmName.SHA384;
            return true;
        }

        if (oid.Equals(RsaSha512))
        {
            hash = HashAlgorithmName.SHA512;
            return true;
        }

        return false;
    }

    /// <summary>Checks <paramref name="signature"/> over <paramref name="data"/>[offset..offset+count) with the key in <paramref name="key"/>.</summary>
    internal static VerifyResult Verify(PublicKeyFacts key, AlgorithmIdentifier algorithm, byte[] data, int offset, int count, byte[] signature)
    {
        if (!TryParseSignatureAlgorithm(algorithm, out bool isEc, out var hashName) || key.Algorithm is null
            || isEc != (key.Algorithm != DeviceKeyAlgorithm.Rsa))
        {
            return VerifyResult.AlgorithmUnsupported;
        }

        if (UsePlatform)
        {
            try
            {
                byte[] hash = Hash(hashName, data, offset, count);
                return VerifyPlatform(key, hashName, hash, signature) ? VerifyResult.Valid : VerifyResult.Invalid;
            }
            catch (PlatformNotSupportedException)
            {
                // fall through to BouncyCastle
            }
            catch (CryptographicException)
            {
                // The platform refused the key (e.g. a point not on the curve).
                return VerifyResult.Invalid;
            }
        }

        try
        {
            var signer = SignerUtilities.GetSigner(algorithm.Algorithm);
            signer.Init(false, PublicKeyFactory.CreateKey(key.Info));
            signer.BlockUpdate(data, offset, count);
            return signer.VerifySignature(signature) ? VerifyResult.Valid : VerifyResult.Invalid;
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.IO.IOException or Org.BouncyCastle.Crypto.CryptoException or FormatException)
        {
            return VerifyResult.Invalid;
        }
    }

    private static bool VerifyPlatform(PublicKeyFacts key, HashAlgorithmName hashName, byte[] hash, byte[] signature)
    {
        if (key.Algorithm == DeviceKeyAlgorithm.Rsa)
        {
            using var rsa = RSA.Create();
            rsa.ImportParameters(new RSAParameters { Modulus = key.RsaModulus, Exponent = key.RsaExponent });
            return rsa.VerifyHash(hash, signature, hashName, RSASignaturePadding.Pkcs1);
        }

        byte[]? p1363 = DerToP1363(signature, key.FieldBytes);
        if (p1363 is null)
        {
            return false;
        }

        using var ecdsa = ECDsa.Create(new ECParameters
        {
            Curve = key.Algorithm == DeviceKeyAlgorithm.EcP384 ? ECCurve.NamedCurves.nistP384 : ECCurve.NamedCurves.nistP256,
            Q = new SysECPoint { X = key.EcX, Y = key.EcY },
        });
        return ecdsa.VerifyHash(hash, p1363);
    }

    /// <summary>Strict DER Ecdsa-Sig-Value to r‖s (each <paramref name="fieldBytes"/> long); null if not canonical DER or out of range.</summary>
    internal static byte[]? DerToP1363(byte[] der, int fieldBytes)
    {
        int pos = 0;
        if (der.Length < 8 || der[pos++] != 0x30)
        {
            return null;
        }

        if (!ReadLength(der, ref pos, out int seqLen) || pos + seqLen != der.Length)
        {
            return null;
        }

        var result = new byte[2 * fieldBytes];
        for (int i = 0; i < 2; i++)
        {
            if (pos >= der.Length || der[pos++] != 0x02 || !ReadLength(der, ref pos, out int len) || len == 0 || pos + len > der.Length)
            {
                return null;
            }

            // Minimal, positive encoding only.
            if ((der[pos] & 0x80) != 0 || (len > 1 && der[pos] == 0 && (der[pos + 1] & 0x80) == 0))
            {
                return null;
            }

            int start = pos;
            int n = len;
            if (der[start] == 0)
            {
                start++;
                n--;
            }

            if (n > fieldBytes)
            {
                return null;
            }

            Buffer.BlockCopy(der, start, result, (i * fieldBytes) + fieldBytes - n, n);
            pos += len;
        }

        return pos == der.Length ? result : null;
    }

    /// <summary>r‖s to DER Ecdsa-Sig-Value.</summary>
    internal static byte[] P1363ToDer(byte[] p1363)
    {
        int half = p1363.Length / 2;
        int rLen = IntegerLength(p1363, 0, half, out int rStart);
        int sLen = IntegerLength(p1363, half, half, out int sStart);
        int body = 2 + rLen + 2 + sLen;
        bool longForm = body > 127;
        var der = new byte[(longForm ? 3 : 2) + body];
        int pos = 0;
        der[pos++] = 0x30;
        if (longForm)
        {
            der[pos++] = 0x81;
        }

        der[pos++] = (byte)body;
        pos = WriteInteger(der, pos, p1363, rStart, half - (rStart - 0), rLen);
        WriteInteger(der, pos, p1363, sStart, (2 * half) - sStart, sLen);
        return der;
    }

    private static int IntegerLength(byte[] src, int offset, int count, out int start)
    {
        start = offset;
        while (start < offset + count - 1 && src[start] == 0)
        {
            start++;
        }

        int n = offset + count - start;
        return (src[start] & 0x80) != 0 ? n + 1 : n;
    }

    private static int WriteInteger(byte[] der, int pos, byte[] src, int start, int count, int encodedLen)
    {
        der[pos++] = 0x02;
        der[pos++] = (byte)encodedLen;
        if (encodedLen > count)
        {
            der[pos++] = 0;
        }

        Buffer.BlockCopy(src, start, der, pos, count);
        return pos + count;
    }

    private static bool ReadLength(byte[] der, ref int pos, out int length)
    {
        length = 0;
        if (pos >= der.Length)
        {
            return false;
        }

        byte b = der[pos++];
        if (b < 0x80)
        {
            length = b;
            return true;
        }

        if (b != 0x81 || pos >= der.Length || der[pos] < 0x80)
        {
            return false; // ECDSA signatures up to P-521 need at most one length byte
        }

        length = der[pos++];
        return true;
    }

    private sealed class Restore : IDisposable
    {
        private readonly bool? _previous;

        public Restore(bool? previous) => _previous = previous;

        public void Dispose() => t_usePlatform = _previous;
    }
}
