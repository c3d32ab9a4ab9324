using System;

namespace ZymAws.Engine.Keys;

/// <summary>
/// How a private key is written to disk: encrypted PKCS#8 under a passphrase (PBES2: PBKDF2-HMAC-SHA256,
/// AES-256-CBC; readable by <c>openssl pkey -passin</c>), or, only when asked for explicitly, unencrypted PKCS#8.
/// The passphrase array is referenced, not copied: the caller owns it and may clear it after the save.
/// </summary>
public sealed class KeyProtection
{
    /// <summary>PBKDF2 iterations used by default (OWASP 2023 guidance for PBKDF2-HMAC-SHA256).</summary>
    public const int DefaultIterations = 600_000;

    /// <summary>Fewest iterations accepted when saving.</summary>
    public const int MinimumIterations = 10_000;

    private KeyProtection(char[]? passphrase, int iterations)
    {
        Passphrase = passphrase;
        Iterations = iterations;
    }

    /// <summary>No encryption: the key file is protected by its 0600 mode only (-NoPassphrase).</summary>
    public static KeyProtection None { get; } = new(null, 0);

    /// <summary>True when the key will be encrypted.</summary>
    public bool IsEncrypted => Passphrase is not null;

    /// <summary>PBKDF2 iteration count (0 when not encrypted).</summary>
    public int Iterations { get; }

    internal char[]? Passphrase { get; }

    /// <summary>Encrypt under <paramref name="passphrase"/> (must not be empty).</summary>
    /// <exception cref="ZymException">"KeyPassphraseRequired" (InvalidArgument) for an empty passphrase; "KeyProtectionInvalid" for too few iterations.</exception>
    public static KeyProtection WithPassphrase(char[] passphrase, int iterations = DefaultIterations)
    {
        if (passphrase is null || passphrase.Length == 0)
        {
            throw new ZymException("KeyPassphraseRequired", ZymErrorCategory.InvalidArgument, "The passphrase is empty; give a passphrase or choose no passphrase explicitly.");
        }

        if (iterations < MinimumIterations)
        {
            throw new ZymException("KeyProtectionInvalid", ZymErrorCategory.InvalidArgument, $"At least {MinimumIterations} PBKDF2 iterations are required.", iterations);
        }

        return new KeyProtection(passphrase, iterations);
    }

    /// <inheritdoc />
    public override string ToString() => IsEncrypted
        ? $"encrypted PKCS#8 (PBKDF2-HMAC-SHA256 x{Iterations}, AES-256-CBC)"
        : "unencrypted PKCS#8";
}
