using System;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.EdEC;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Math;
using ZymAws.Engine.Keys;

namespace ZymAws.Engine.Pki;

/// <summary>What a SubjectPublicKeyInfo holds, decoded once.</summary>
internal sealed class PublicKeyFacts
{
    private PublicKeyFacts(SubjectPublicKeyInfo info, DeviceKeyAlgorithm? algorithm, int bits, string description)
    {
        Info = info;
        Algorithm = algorithm;
        Bits = bits;
        Description = description;
    }

    internal SubjectPublicKeyInfo Info { get; }

    /// <summary>P-256, P-384 or RSA; null for any other key type or curve.</summary>
    internal DeviceKeyAlgorithm? Algorithm { get; }

    internal int Bits { get; }

    /// <summary>"EC P-256", "EC P-384", "RSA 2048", "EC 1.3.132.0.10", "Ed25519", or the algorithm OID.</summary>
    internal string Description { get; }

    internal int FieldBytes => Algorithm == DeviceKeyAlgorithm.EcP384 ? 48 : 32;

    internal byte[]? EcX { get; private set; }

    internal byte[]? EcY { get; private set; }

    internal byte[]? RsaModulus { get; private set; }

    internal byte[]? RsaExponent { get; private set; }

    /// <summary>P-256/P-384 or RSA with at least 2048 bits.</summary>
    internal bool IsAcceptable => Algorithm is DeviceKeyAlgorithm.EcP256 or DeviceKeyAlgorithm.EcP384
        || (Algorithm == DeviceKeyAlgorithm.Rsa && Bits >= 2048);

    internal static string Describe(DeviceKeyAlgorithm algorithm, int bits) => algorithm switch
    {
        DeviceKeyAlgorithm.EcP256 => "EC P-256",
        DeviceKeyAlgorithm.EcP384 => "EC P-384",
        _ => $"RSA {bits}",
    };

    /// <exception cref="ArgumentException">The key bits cannot be decoded.</exception>
    internal static PublicKeyFacts From(SubjectPublicKeyInfo info)
    {
        var oid = info.Algorithm.Algorithm;
        if (oid.Equals(PkiCrypto.EcPublicKey))
        {
            var parameters = info.Algorithm.Parameters;
            DerObjectIdentifier? curve = parameters as DerObjectIdentifier;
            DeviceKeyAlgorithm? alg = curve is null ? null
                : curve.Equals(PkiCrypto.P256) ? DeviceKeyAlgorithm.EcP256
                : curve.Equals(PkiCrypto.P384) ? DeviceKeyAlgorithm.EcP384
                : null;
            if (alg is null)
            {
                string name = curve is null ? "explicit parameters" : (ECNamedCurveTable.GetName(curve) ?? curve.Id);
                return new PublicKeyFacts(info, null, 0, "EC " + name);
            }

            var facts = new PublicKeyFacts(info, alg, alg == DeviceKeyAlgorithm.EcP384 ? 384 : 256, Describe(alg.Value, 0));
            byte[] point = info.PublicKey.GetOctets();
            int n = facts.FieldBytes;
            if (point.Length == 1 + (2 * n) && point[0] == 0x04)
            {
                facts.EcX = Slice(point, 1, n);
                facts.EcY = Slice(point, 1 + n, n);
            }
            else if (point.Length == 1 + n && (point[0] == 0x02 || point[0] == 0x03))
            {
                var p = ECNamedCurveTable.GetByOid(curve!).Curve.DecodePoint(point).Normalize();
                facts.EcX = p.AffineXCoord.GetEncoded();
                facts.EcY = p.AffineYCoord.GetEncoded();
            }
            else
            {
                throw new ArgumentException("The EC public key is not a point of the named curve.");
            }

            return facts;
        }

        if (oid.Equals(PkiCrypto.RsaEncryption))
        {
            var rsa = RsaPublicKeyStructure.GetInstance(info.ParsePublicKey());
            var facts = new PublicKeyFacts(info, DeviceKeyAlgorithm.Rsa, rsa.Modulus.BitLength, Describe(DeviceKeyAlgorithm.Rsa, rsa.Modulus.BitLength))
            {
                RsaModulus = rsa.Modulus.ToByteArrayUnsigned(),
                RsaExponent = rsa.PublicExponent.ToByteArrayUnsigned(),
            };
            return facts;
        }

        if (oid.Equals(EdECObjectIdentifiers.id_Ed25519))
        {
            return new PublicKeyFacts(info, null, 256, "Ed25519");
        }

        if (oid.Equals(EdECObjectIdentifiers.id_Ed448))
        {
            return new PublicKeyFacts(info, null, 448, "Ed448");
        }

        return new PublicKeyFacts(info, null, 0, oid.Id);
    }

    /// <summary>Same public key (EC point or RSA modulus+exponent)?</summary>
    internal bool SameKeyAs(PublicKeyFacts other)
    {
        if (Algorithm is null || Algorithm != other.Algorithm)
        {
            return false;
        }

        return Algorithm == DeviceKeyAlgorithm.Rsa
            ? new BigInteger(1, RsaModulus).Equals(new BigInteger(1, other.RsaModulus)) && new BigInteger(1, RsaExponent).Equals(new BigInteger(1, other.RsaExponent))
            : Bytes.Same(EcX!, other.EcX!) && Bytes.Same(EcY!, other.EcY!);
    }

    private static byte[] Slice(byte[] src, int offset, int count)
    {
        var r = new byte[count];
        Buffer.BlockCopy(src, offset, r, 0, count);
        return r;
    }
}
