using System;
using System.Text;
using ZymAws.Engine.Pki;

namespace ZymAws.Engine.Provisioning.Internal;

/// <summary>
/// A name or id kept in 16 bytes (the first 128 bits of the SHA-256 of its UTF-8 text) for facts a batch keeps per
/// device (the reconcile listing, the journal's settled devices, the names seen): a 64-hex-digit certificate id as a
/// string costs about 150 bytes, this 16. Two different names share a key with a probability of about n²/2¹²⁹ — for
/// a million names, 10⁻²⁷.
/// </summary>
internal readonly struct FactKey : IEquatable<FactKey>
{
    private readonly ulong _high;
    private readonly ulong _low;

    private FactKey(ulong high, ulong low)
    {
        _high = high;
        _low = low;
    }

    public static FactKey Of(string text)
    {
        byte[] digest = PkiCrypto.Sha256(Encoding.UTF8.GetBytes(text));
        return new FactKey(BitConverter.ToUInt64(digest, 0), BitConverter.ToUInt64(digest, 8));
    }

    public bool Equals(FactKey other) => _high == other._high && _low == other._low;

    public override bool Equals(object? obj) => obj is FactKey other && Equals(other);

    public override int GetHashCode() => unchecked((int)_low ^ (int)(_low >> 32));

    public static bool operator ==(FactKey a, FactKey b) => a.Equals(b);

    public static bool operator !=(FactKey a, FactKey b) => !a.Equals(b);
}
