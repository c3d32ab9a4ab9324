using System;
using System.IO;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Nist;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.Sec;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;
using ZymAws.Engine.Pki;

namespace ZymAws.Engine.Keys;

/// <summary>
/// Reads and writes private keys. Reads: encrypted PKCS#8 (PBES2 natively; other schemes through BouncyCastle),
/// PKCS#8, SEC1 "EC PRIVATE KEY" (with or without a separate "EC PARAMETERS" block), PKCS#1 "RSA PRIVATE KEY",
/// legacy OpenSSL-encrypted PEM (Proc-Type/DEK-Info), and the same as DER. Writes PKCS#8, encrypted with
/// PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC) when a passphrase is given. No error message carries key material.
/// </summary>
internal static class PrivateKeyCodec
{
    internal const int MaxIterations = 10_000_000;

    private static readonly DerObjectIdentifier s_pbes2 = PkcsObjectIdentifiers.IdPbeS2;
    private static readonly DerObjectIdentifier s_pbkdf2 = PkcsObjectIdentifiers.IdPbkdf2;
    private static readonly DerObjectIdentifier s_hmacSha1 = PkcsObjectIdentifiers.IdHmacWithSha1;
    private static readonly DerObjectIdentifier s_hmacSha256 = PkcsObjectIdentifiers.IdHmacWithSha256;
    private static readonly DerObjectIdentifier s_hmacSha384 = PkcsObjectIdentifiers.IdHmacWithSha384;
    private static readonly DerObjectIdentifier s_hmacSha512 = PkcsObjectIdentifiers.IdHmacWithSha512;
    private static readonly Func<byte[], byte[], int, HashAlgorithmName, int, byte[]>? s_platformPbkdf2 = FindPlatformPbkdf2();

    internal sealed class Decoded
    {
        public Decoded(AsymmetricKeyParameter key, DeviceKeyAlgorithm algorithm, int bits, bool wasEncrypted)
        {
            Key = key;
            Algorithm = algorithm;
            Bits = bits;
            WasEncrypted = wasEncrypted;
        }

        public AsymmetricKeyParameter Key { get; }

        public DeviceKeyAlgorithm Algorithm { get; }

        public int Bits { get; }

        public bool WasEncrypted { get; }
    }

    internal static Decoded Decode(byte[] data, char[]? passphrase, string source)
    {
        string? text = Pem.AsText(data);
        if (text is null)
        {
            return Classify(DecodeDer(data, passphrase, source, out bool enc), enc, source);
        }

        var blocks = Pem.Decode(text, (label, reason) => Malformed(source, $"its PEM block '{label}' is corrupt ({reason})"));
        PemBlock? key = null;
        PemBlock? ecParameters = null;
        foreach (var block in blocks)
        {
            if (block.Label == "EC PARAMETERS")
            {
                ecParameters ??= block;
            }
            else if (key is null && block.Label is "ENCRYPTED PRIVATE KEY" or "PRIVATE KEY" or "EC PRIVATE KEY" or "RSA PRIVATE KEY")
            {
                key = block;
            }
        }

        if (key is null)
        {
            string what = blocks.Count > 0 ? $"it holds {blocks[0].Label}, not a private key"
                : Pem.ContainsPem(text) ? "its PEM block is incomplete (truncated?)"
                : "it holds no PEM private key";
            throw Malformed(source, what);
        }

        bool encrypted = key.Label == "ENCRYPTED PRIVATE KEY";
        AsymmetricKeyParameter parameter;
        if (key.Headers.TryGetValue("Proc-Type", out var procType) && procType.IndexOf("ENCRYPTED", StringComparison.OrdinalIgnoreCase) >= 0)
        {
            parameter = DecodeLegacyEncrypted(key, passphrase, source);
            encrypted = true;
        }
        else
        {
            try
            {
                parameter = key.Label switch
                {
                    "ENCRYPTED PRIVATE KEY" => DecryptPkcs8(EncryptedPrivateKeyInfo.GetInstance(Asn1Object.FromByteArray(key.Data)), passphrase, source),
                    "PRIVATE KEY" => PrivateKeyFactory.CreateKey(PrivateKeyInfo.GetInstance(Asn1Object.FromByteArray(key.Data))),
                    "EC PRIVATE KEY" => FromSec1(key.Data, ecParameters?.Data),
                    _ => FromPkcs1(key.Data),
                };
            }
            catch (ZymException)
            {
                throw;
            }
            catch (Exception ex) when (IsDecodeFailure(ex))
            {
                throw Malformed(source, $"its {key.Label} block is not a valid key");
            }
        }

        return Classify(parameter, encrypted, source);
    }

    /// <summary>PKCS#8 PEM, encrypted when <paramref name="protection"/> says so.</summary>
    internal static string EncodePkcs8Pem(AsymmetricKeyParameter key, KeyProtection protection)
    {
        byte[] der = PrivateKeyInfoFactory.CreatePrivateKeyInfo(key).GetDerEncoded();
        try
        {
            if (!protection.IsEncrypted)
            {
                return Pem.Encode("PRIVATE KEY", der);
            }

            byte[] salt = Random(16);
            byte[] iv = Random(16);
            byte[] aesKey = Pbkdf2(protection.Passphrase!, salt, protection.Iterations, HashAlgorithmName.SHA256, 32);
            byte[] encrypted;
            try
            {
                var cipher = CipherUtilities.GetCipher("AES/CBC/PKCS7PADDING");
                cipher.Init(true, new ParametersWithIV(new KeyParameter(aesKey), iv));
                encrypted = cipher.DoFinal(der);
            }
            finally
            {
                Array.Clear(aesKey, 0, aesKey.Length);
            }

            var kdf = new KeyDerivationFunc(s_pbkdf2, new Pbkdf2Params(salt, protection.Iterations, new AlgorithmIdentifier(s_hmacSha256, DerNull.Instance)));
            var scheme = new EncryptionScheme(NistObjectIdentifiers.IdAes256Cbc, new DerOctetString(iv));
            var info = new EncryptedPrivateKeyInfo(new AlgorithmIdentifier(s_pbes2, new PbeS2Parameters(kdf, scheme)), encrypted);
            return Pem.Encode("ENCRYPTED PRIVATE KEY", info.GetDerEncoded());
        }
        finally
        {
            Array.Clear(der, 0, der.Length);
        }
    }

    /// <summary>PBKDF2 on the platform when it offers SHA-2 PRFs (about 8x faster), else BouncyCastle.</summary>
    internal static byte[] Pbkdf2(char[] passphrase, byte[] salt, int iterations, HashAlgorithmName prf, int length)
    {
        byte[] password = Encoding.UTF8.GetBytes(passphrase);
        try
        {
            if (s_platformPbkdf2 is not null)
            {
                try
                {
                    return s_platformPbkdf2(password, salt, iterations, prf, length);
                }
                catch (Exception ex) when (ex is TargetInvocationException or CryptographicException or PlatformNotSupportedException)
                {
                    // fall back
                }
            }

            IDigest digest = prf == HashAlgorithmName.SHA1 ? new Sha1Digest()
                : prf == HashAlgorithmName.SHA384 ? new Sha384Digest()
                : prf == HashAlgorithmName.SHA512 ? new Sha512Digest()
                : new Sha256Digest();
            var generator = new Pkcs5S2ParametersGenerator(digest);
            generator.Init(password, salt, iterations);
            return ((KeyParameter)generator.GenerateDerivedMacParameters(length * 8)).GetKey();
        }
        finally
        {
            Array.Clear(password, 0, password.Length);
        }
    }

    internal static ZymException Malformed(string source, string reason)
        => new(PkiErrorIds.KeyMalformed, ZymErrorCategory.InvalidData, $"'{source}' is not a usable private key: {reason}.", source);

    private static ZymException PassphraseRequired(string source)
        => new(PkiErrorIds.KeyPassphraseRequired, ZymErrorCategory.SecurityError, $"The key '{source}' is encrypted; a passphrase is required.", source);

    private static ZymException PassphraseIncorrect(string source)
        => new(PkiErrorIds.KeyPassphraseIncorrect, ZymErrorCategory.AuthenticationError, $"The passphrase does not decrypt the key '{source}'.", source);

    private static bool IsDecodeFailure(Exception ex) => ex is ArgumentException or InvalidCastException or IOException
        or FormatException or InvalidOperationException or CryptoException or SecurityUtilityException or NotSupportedException;

    private static AsymmetricKeyParameter DecodeDer(byte[] der, char[]? passphrase, string source, out bool encrypted)
    {
        encrypted = false;
        Asn1Sequence seq;
        try
        {
            seq = Asn1Sequence.GetInstance(Asn1Object.FromByteArray(der));
        }
        catch (Exception ex) when (IsDecodeFailure(ex))
        {
            throw Malformed(source, "it is neither PEM nor DER");
        }

        try
        {
            if (seq.Count == 2 && seq[0] is Asn1Sequence && seq[1] is Asn1OctetString)
            {
                encrypted = true;
                return DecryptPkcs8(EncryptedPrivateKeyInfo.GetInstance(seq), passphrase, source);
            }

            if (seq.Count >= 3 && seq[0] is DerInteger version)
            {
                if (seq[1] is Asn1Sequence)
                {
                    return PrivateKeyFactory.CreateKey(PrivateKeyInfo.GetInstance(seq));
                }

                if (version.HasValue(1) && seq[1] is Asn1OctetString)
                {
                    return FromSec1(der, null);
                }

                if (seq.Count >= 9)
                {
                    return FromPkcs1(der);
                }
            }
        }
        catch (ZymException)
        {
            throw;
        }
        catch (Exception ex) when (IsDecodeFailure(ex))
        {
        }

        throw Malformed(source, "its DER content is not a private key");
    }

    private static AsymmetricKeyParameter FromSec1(byte[] der, byte[]? separateParameters)
    {
        var sec1 = ECPrivateKeyStructure.GetInstance(Asn1Object.FromByteArray(der));
        Asn1Encodable? parameters = sec1.Parameters;
        if (parameters is null)
        {
            if (separateParameters is null)
            {
                throw new ArgumentException("The EC key names no curve.");
            }

            parameters = Asn1Object.FromByteArray(separateParameters);
        }

        var algorithm = new AlgorithmIdentifier(X9ObjectIdentifiers.IdECPublicKey, X962Parameters.GetInstance(parameters));
        return PrivateKeyFactory.CreateKey(new PrivateKeyInfo(algorithm, sec1));
    }

    private static AsymmetricKeyParameter FromPkcs1(byte[] der)
    {
        var rsa = RsaPrivateKeyStructure.GetInstance(Asn1Object.FromByteArray(der));
        return new RsaPrivateCrtKeyParameters(rsa);
    }

    private static AsymmetricKeyParameter DecryptPkcs8(EncryptedPrivateKeyInfo info, char[]? passphrase, string source)
    {
        if (passphrase is null || passphrase.Length == 0)
        {
            throw PassphraseRequired(source);
        }

        byte[]? der = null;
        try
        {
            var alg = info.EncryptionAlgorithm;
            if (alg.Algorithm.Equals(s_pbes2))
            {
                var pbes2 = PbeS2Parameters.GetInstance(alg.Parameters);
                if (pbes2.KeyDerivationFunc.Algorithm.Equals(s_pbkdf2) && TryCipher(pbes2.EncryptionScheme, out string cipherName, out int keyLength))
                {
                    var kdf = Pbkdf2Params.GetInstance(pbes2.KeyDerivationFunc.Parameters);
                    if (kdf.IterationCount.BitLength > 31 || kdf.IterationCount.IntValue > MaxIterations || kdf.IterationCount.IntValue < 1)
                    {
                        throw Malformed(source, "its PBKDF2 iteration count is out of range");
                    }

                    var prfOid = kdf.Prf?.Algorithm ?? s_hmacSha1;
                    HashAlgorithmName prf = prfOid.Equals(s_hmacSha256) ? HashAlgorithmName.SHA256
                        : prfOid.Equals(s_hmacSha384) ? HashAlgorithmName.SHA384
                        : prfOid.Equals(s_hmacSha512) ? HashAlgorithmName.SHA512
                        : prfOid.Equals(s_hmacSha1) ? HashAlgorithmName.SHA1
                        : throw Malformed(source, "its PBKDF2 PRF is not supported");
                    byte[] iv = Asn1OctetString.GetInstance(pbes2.EncryptionScheme.Parameters).GetOctets();
                    byte[] key = Pbkdf2(passphrase, kdf.GetSalt(), kdf.IterationCount.IntValue, prf, keyLength);
                    try
                    {
                        var cipher = CipherUtilities.GetCipher(cipherName);
                        cipher.Init(false, new ParametersWithIV(new KeyParameter(key), iv));
                        der = cipher.DoFinal(info.GetEncryptedData());
                    }
                    finally
                    {
                        Array.Clear(key, 0, key.Length);
                    }

                    return PrivateKeyFactory.CreateKey(PrivateKeyInfo.GetInstance(Asn1Object.FromByteArray(der)));
                }
            }

            return PrivateKeyFactory.DecryptKey(passphrase, info);
        }
        catch (ZymException)
        {
            throw;
        }
        catch (Exception ex) when (IsDecodeFailure(ex))
        {
            // A wrong passphrase shows up as bad padding or as garbage that is not a PrivateKeyInfo.
            throw PassphraseIncorrect(source);
        }
        finally
        {
            if (der is not null)
            {
                Array.Clear(der, 0, der.Length);
            }
        }
    }

    private static bool TryCipher(EncryptionScheme scheme, out string cipher, out int keyLength)
    {
        var oid = scheme.Algorithm;
        (cipher, keyLength) = oid.Equals(NistObjectIdentifiers.IdAes256Cbc) ? ("AES/CBC/PKCS7PADDING", 32)
            : oid.Equals(NistObjectIdentifiers.IdAes192Cbc) ? ("AES/CBC/PKCS7PADDING", 24)
            : oid.Equals(NistObjectIdentifiers.IdAes128Cbc) ? ("AES/CBC/PKCS7PADDING", 16)
            : oid.Equals(PkcsObjectIdentifiers.DesEde3Cbc) ? ("DESEDE/CBC/PKCS7PADDING", 24)
            : (string.Empty, 0);
        return keyLength > 0;
    }

    private static AsymmetricKeyParameter DecodeLegacyEncrypted(PemBlock block, char[]? passphrase, string source)
    {
        if (passphrase is null || passphrase.Length == 0)
        {
            throw PassphraseRequired(source);
        }

        try
        {
            using var reader = new StringReader(block.Text);
            object? obj = new Org.BouncyCastle.OpenSsl.PemReader(reader, new PasswordFinder(passphrase)).ReadObject();
            return obj switch
            {
                AsymmetricCipherKeyPair pair => pair.Private,
                AsymmetricKeyParameter { IsPrivate: true } p => p,
                _ => throw PassphraseIncorrect(source),
            };
        }
        catch (ZymException)
        {
            throw;
        }
        catch (Exception ex) when (IsDecodeFailure(ex) || ex is Org.BouncyCastle.OpenSsl.PemException)
        {
            throw PassphraseIncorrect(source);
        }
    }

    private static Decoded Classify(AsymmetricKeyParameter key, bool encrypted, string source)
    {
        switch (key)
        {
            case ECPrivateKeyParameters ec:
                {
                    DerObjectIdentifier? curve = ec.PublicKeyParamSet;
                    if (curve is null)
                    {
                        // Explicit parameters: recognise P-256 / P-384 by value.
                        if (ec.Parameters.Equals(DomainOf(PkiCrypto.P256)))
                        {
                            curve = PkiCrypto.P256;
                        }
                        else if (ec.Parameters.Equals(DomainOf(PkiCrypto.P384)))
                        {
                            curve = PkiCrypto.P384;
                        }
                    }

                    if (curve is not null && (curve.Equals(PkiCrypto.P256) || curve.Equals(PkiCrypto.P384)))
                    {
                        bool p384 = curve.Equals(PkiCrypto.P384);
                        var named = new ECPrivateKeyParameters("EC", ec.D, curve);
                        return new Decoded(named, p384 ? DeviceKeyAlgorithm.EcP384 : DeviceKeyAlgorithm.EcP256, p384 ? 384 : 256, encrypted);
                    }

                    string name = curve is null ? "explicit parameters" : (ECNamedCurveTable.GetName(curve) ?? curve.Id);
                    throw Unsupported(source, $"the curve {name} is not supported (use P-256 or P-384)");
                }

            case RsaPrivateCrtKeyParameters rsa:
                if (rsa.Modulus.BitLength < 2048)
                {
                    throw Unsupported(source, $"RSA {rsa.Modulus.BitLength} is too small (at least 2048 bits)");
                }

                return new Decoded(rsa, DeviceKeyAlgorithm.Rsa, rsa.Modulus.BitLength, encrypted);

            default:
                throw Unsupported(source, $"{key.GetType().Name.Replace("PrivateKeyParameters", string.Empty)} keys are not supported (use EC P-256, P-384 or RSA)");
        }
    }

    private static ZymException Unsupported(string source, string reason)
        => new(PkiErrorIds.KeyAlgorithmUnsupported, ZymErrorCategory.InvalidData, $"The key '{source}' cannot be used: {reason}.", source);

    private static ECDomainParameters DomainOf(DerObjectIdentifier curve)
    {
        var x9 = ECNamedCurveTable.GetByOid(curve);
        return new ECDomainParameters(x9.Curve, x9.G, x9.N, x9.H, x9.GetSeed());
    }

    private static byte[] Random(int n)
    {
        var bytes = new byte[n];
        using var rng = RandomNumberGenerator.Create();
        rng.GetBytes(bytes);
        return bytes;
    }

    private static Func<byte[], byte[], int, HashAlgorithmName, int, byte[]>? FindPlatformPbkdf2()
    {
        // .NET 6+: Rfc2898DeriveBytes.Pbkdf2(byte[], byte[], int, HashAlgorithmName, int) (not in netstandard2.0).
        var method = typeof(Rfc2898DeriveBytes).GetMethod(
            "Pbkdf2",
            BindingFlags.Public | BindingFlags.Static,
            null,
            new[] { typeof(byte[]), typeof(byte[]), typeof(int), typeof(HashAlgorithmName), typeof(int) },
            null);
        if (method is not null)
        {
            return (Func<byte[], byte[], int, HashAlgorithmName, int, byte[]>)Delegate.CreateDelegate(
                typeof(Func<byte[], byte[], int, HashAlgorithmName, int, byte[]>), method);
        }

        // .NET Framework 4.7.2+ / .NET Core 2.0+: the constructor with a hash algorithm.
        var ctor = typeof(Rfc2898DeriveBytes).GetConstructor(new[] { typeof(byte[]), typeof(byte[]), typeof(int), typeof(HashAlgorithmName) });
        if (ctor is not null)
        {
            return (password, salt, iterations, prf, length) =>
            {
                using var kdf = (Rfc2898DeriveBytes)ctor.Invoke(new object[] { password, salt, iterations, prf });
                return kdf.GetBytes(length);
            };
        }

        return null;
    }

    private sealed class PasswordFinder : Org.BouncyCastle.OpenSsl.IPasswordFinder
    {
        private readonly char[] _password;

        public PasswordFinder(char[] password) => _password = password;

        public char[] GetPassword() => (char[])_password.Clone();
    }
}
