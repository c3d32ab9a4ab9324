using System;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;
using ZymAws.Engine.IO;
using ZymAws.Engine.Pki;

namespace ZymAws.Engine.Keys;

/// <summary>
/// A device (or CA) private key held in memory: EC P-256, EC P-384 or RSA (at least 2048 bits).
/// Loads the formats OpenSSL writes; saves PKCS#8, encrypted under a passphrase unless
/// <see cref="KeyProtection.None"/> is chosen explicitly, owner-only (0600) and atomically.
/// Neither <see cref="ToString"/> nor <see cref="Description"/> nor any error shows key material.
/// </summary>
public sealed class SoftwareDeviceKey : IDeviceKey
{
    private readonly AsymmetricKeyParameter _private;
    private readonly byte[] _spki;
    private readonly object _signerLock = new();
    private KeySigner? _signer;
    private bool _disposed;

    private SoftwareDeviceKey(AsymmetricKeyParameter privateKey, DeviceKeyAlgorithm algorithm, int bits, string? path, bool wasEncrypted)
    {
        _private = privateKey;
        Algorithm = algorithm;
        KeySize = bits;
        Path = path;
        WasEncrypted = wasEncrypted;
        _spki = PublicKeyOf(privateKey).GetDerEncoded();
    }

    /// <inheritdoc />
    public string Description => $"software key {KeyAlgorithm}" + (Path is null ? " (in memory)" : $" {Path}");

    /// <inheritdoc />
    public DeviceKeyAlgorithm Algorithm { get; }

    /// <summary>"EC P-256", "EC P-384" or "RSA 2048" (etc.).</summary>
    public string KeyAlgorithm => PublicKeyFacts.Describe(Algorithm, KeySize);

    /// <summary>Key size in bits (256, 384, or the RSA modulus size).</summary>
    public int KeySize { get; }

    /// <summary>The file the key was loaded from or last saved to; null for a new key.</summary>
    public string? Path { get; private set; }

    /// <summary>Whether the file it was loaded from was encrypted (false for a new key).</summary>
    public bool WasEncrypted { get; private set; }

    internal AsymmetricKeyParameter PrivateKey => _private;

    internal KeySigner Signer
    {
        get
        {
            ThrowIfDisposed();
            lock (_signerLock)
            {
                return _signer ??= new KeySigner(_private, Algorithm);
            }
        }
    }

    /// <summary>Generates a new EC key (P-256 by default, or P-384).</summary>
    /// <exception cref="ZymException">"KeyAlgorithmUnsupported" (InvalidArgument) for RSA.</exception>
    public static SoftwareDeviceKey Generate(DeviceKeyAlgorithm algorithm = DeviceKeyAlgorithm.EcP256)
    {
        if (algorithm is not (DeviceKeyAlgorithm.EcP256 or DeviceKeyAlgorithm.EcP384))
        {
            throw new ZymException(PkiErrorIds.KeyAlgorithmUnsupported, ZymErrorCategory.InvalidArgument, "Only EC P-256 and P-384 keys can be generated.", algorithm);
        }

        var curve = algorithm == DeviceKeyAlgorithm.EcP384 ? PkiCrypto.P384 : PkiCrypto.P256;
        var generator = new ECKeyPairGenerator("EC");
        generator.Init(new ECKeyGenerationParameters(curve, new SecureRandom()));
        var pair = generator.GenerateKeyPair();
        return new SoftwareDeviceKey(pair.Private, algorithm, algorithm == DeviceKeyAlgorithm.EcP384 ? 384 : 256, null, false);
    }

    /// <summary>
    /// Loads a private key file: encrypted PKCS#8, PKCS#8, SEC1 "EC PRIVATE KEY" (as <c>openssl ecparam -genkey</c>
    /// writes it, with or without the EC PARAMETERS block), PKCS#1 "RSA PRIVATE KEY", legacy OpenSSL-encrypted PEM, or DER.
    /// </summary>
    /// <param name="path">The key file.</param>
    /// <param name="passphrase">Needed for an encrypted key; ignored otherwise. The caller owns (and clears) the array.</param>
    /// <exception cref="ZymException">FileNotFound, FileReadFailed, FileAccessDenied, KeyMalformed, KeyPassphraseRequired,
    /// KeyPassphraseIncorrect, KeyAlgorithmUnsupported.</exception>
    public static SoftwareDeviceKey Load(string path, char[]? passphrase = null)
    {
        string full = System.IO.Path.GetFullPath(path);
        byte[] data = PkiFiles.ReadAllBytes(full);
        try
        {
            var decoded = PrivateKeyCodec.Decode(data, passphrase, full);
            return new SoftwareDeviceKey(decoded.Key, decoded.Algorithm, decoded.Bits, full, decoded.WasEncrypted);
        }
        finally
        {
            Array.Clear(data, 0, data.Length);
        }
    }

    /// <summary>Reads a key from PEM text (same formats as <see cref="Load"/>).</summary>
    public static SoftwareDeviceKey FromPem(string pem, char[]? passphrase = null)
    {
        if (pem is null)
        {
            throw new ArgumentNullException(nameof(pem));
        }

        byte[] data = Encoding.UTF8.GetBytes(pem);
        try
        {
            var decoded = PrivateKeyCodec.Decode(data, passphrase, "(PEM text)");
            return new SoftwareDeviceKey(decoded.Key, decoded.Algorithm, decoded.Bits, null, decoded.WasEncrypted);
        }
        finally
        {
            Array.Clear(data, 0, data.Length);
        }
    }

    /// <summary>
    /// Saves the key as PKCS#8 PEM, owner-only (0600), atomically; encrypted unless <paramref name="protection"/>
    /// is <see cref="KeyProtection.None"/>.
    /// </summary>
    /// <exception cref="ZymException">FileExists (unless <paramref name="overwrite"/>), DirectoryNotFound, FileAccessDenied, FileWriteFailed.</exception>
    public void Save(string path, KeyProtection protection, bool overwrite = false)
    {
        ThrowIfDisposed();
        if (protection is null)
        {
            throw new ZymException(PkiErrorIds.KeyPassphraseRequired, ZymErrorCategory.InvalidArgument, "Choose a passphrase or no passphrase explicitly.");
        }

        string full = System.IO.Path.GetFullPath(path);
        SecureFile.WriteAllText(full, ToPkcs8Pem(protection), overwrite, ownerOnly: true);
        Path = full;
        WasEncrypted = protection.IsEncrypted;
    }

    /// <inheritdoc />
    public byte[] GetSubjectPublicKeyInfo() => (byte[])_spki.Clone();

    /// <inheritdoc />
    public byte[] SignSha256Digest(byte[] digest)
    {
        if (digest is null || digest.Length != 32)
        {
            throw new ArgumentException("A SHA-256 digest is 32 bytes.", nameof(digest));
        }

        return Signer.SignDigest(digest, HashAlgorithmName.SHA256);
    }

    /// <summary>Lowercase hex SHA-256 of the SubjectPublicKeyInfo: a secret-free fingerprint of the key pair.</summary>
    public string PublicKeySha256()
    {
        using var sha = SHA256.Create();
        return Hex.Lower(sha.ComputeHash(_spki));
    }

    /// <inheritdoc />
    public override string ToString() => Description;

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_signerLock)
        {
            _disposed = true;
            _signer?.Dispose();
            _signer = null;
        }
    }

    internal string ToPkcs8Pem(KeyProtection protection)
    {
        ThrowIfDisposed();
        return PrivateKeyCodec.EncodePkcs8Pem(_private, protection);
    }

    internal void MarkSaved(string path, bool encrypted)
    {
        Path = path;
        WasEncrypted = encrypted;
    }

    internal static SoftwareDeviceKey FromDecoded(PrivateKeyCodec.Decoded decoded, string? path)
        => new(decoded.Key, decoded.Algorithm, decoded.Bits, path, decoded.WasEncrypted);

    private static SubjectPublicKeyInfo PublicKeyOf(AsymmetricKeyParameter key)
    {
        AsymmetricKeyParameter pub = key switch
        {
            ECPrivateKeyParameters ec => new ECPublicKeyParameters("EC", ec.Parameters.G.Multiply(ec.D).Normalize(), ec.PublicKeyParamSet),
            RsaPrivateCrtKeyParameters rsa => new RsaKeyParameters(false, rsa.Modulus, rsa.PublicExponent),
            _ => throw new ArgumentException("Unsupported key type."),
        };
        return SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(pub);
    }

    private void ThrowIfDisposed()
    {
        if (_disposed)
        {
            throw new ObjectDisposedException(nameof(SoftwareDeviceKey));
        }
    }
}
