using System;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Sec;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Math;
using ZymAws.Engine;

namespace ZymAws.Zymkey.Internal;

/// <summary>Converts the Zymkey's raw P-256 formats to the DER forms X.509 and TLS use.</summary>
internal static class P256Encoding
{
    private static readonly X9ECParameters s_curve = SecNamedCurves.GetByName("secp256r1");

    /// <summary>64-byte X‖Y → DER SubjectPublicKeyInfo (id-ecPublicKey, prime256v1, uncompressed point).</summary>
    public static byte[] RawPublicKeyToSpki(byte[] xy, object target)
    {
        if (xy.Length != ZymkeyDevice.RawSize)
        {
            throw new ZymkeyException("ZymkeyResultInvalid", ZymErrorCategory.InvalidResult,
                $"A Zymkey public key must be {ZymkeyDevice.RawSize} bytes (X||Y); got {xy.Length}.", target);
        }

        var point = new byte[1 + xy.Length];
        point[0] = 0x04;
        Buffer.BlockCopy(xy, 0, point, 1, xy.Length);
        try
        {
            var decoded = s_curve.Curve.DecodePoint(point);
            if (!decoded.IsValid())
            {
                throw new ArgumentException("point not valid");
            }
        }
        catch (ArgumentException e)
        {
            throw new ZymkeyException("ZymkeyKeyNotP256", ZymErrorCategory.InvalidData,
                $"The public key of {target} is not a NIST P-256 point (the slot may hold another key type).", target, e);
        }

        var algorithm = new AlgorithmIdentifier(X9ObjectIdentifiers.IdECPublicKey, SecObjectIdentifiers.SecP256r1);
        return new SubjectPublicKeyInfo(algorithm, point).GetDerEncoded();
    }

    /// <summary>64-byte r‖s → DER Ecdsa-Sig-Value SEQUENCE { INTEGER r, INTEGER s }, checking 0 &lt; r, s &lt; n.</summary>
    public static byte[] RawSignatureToDer(byte[] rs, object target)
    {
        if (rs.Length != ZymkeyDevice.RawSize)
        {
            throw new ZymkeyException("ZymkeyResultInvalid", ZymErrorCategory.InvalidResult,
                $"A Zymkey signature must be {ZymkeyDevice.RawSize} bytes (r||s); got {rs.Length}.", target);
        }

        var r = new BigInteger(1, rs, 0, 32);
        var s = new BigInteger(1, rs, 32, 32);
        if (r.SignValue <= 0 || s.SignValue <= 0 || r.CompareTo(s_curve.N) >= 0 || s.CompareTo(s_curve.N) >= 0)
        {
            throw new ZymkeyException("ZymkeyResultInvalid", ZymErrorCategory.InvalidResult,
                $"{target} returned a signature whose r or s is out of range.", target);
        }

        return new DerSequence(new DerInteger(r), new DerInteger(s)).GetDerEncoded();
    }
}
