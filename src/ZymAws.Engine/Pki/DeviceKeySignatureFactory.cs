using System.IO;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.IO;
using System.Security.Cryptography;
using ZymAws.Engine.Keys;

namespace ZymAws.Engine.Pki;

/// <summary>
/// BouncyCastle signature factory over an <see cref="IDeviceKey"/>: BouncyCastle streams the bytes to sign into a
/// SHA-256 digest, and the key (software or Zymkey) signs only that digest. The algorithm is ecdsa-with-SHA256
/// for EC keys (also for P-384, since IDeviceKey signs SHA-256 digests) and sha256WithRSAEncryption for RSA.
/// </summary>
internal sealed class DeviceKeySignatureFactory : ISignatureFactory
{
    private readonly IDeviceKey _key;

    internal DeviceKeySignatureFactory(IDeviceKey key)
    {
        _key = key;
        AlgorithmIdentifier = PkiCrypto.SignatureAlgorithm(key.Algorithm, HashAlgorithmName.SHA256);
    }

    internal AlgorithmIdentifier AlgorithmIdentifier { get; }

    public object AlgorithmDetails => AlgorithmIdentifier;

    public IStreamCalculator<IBlockResult> CreateCalculator() => new Calculator(_key);

    private sealed class Calculator : IStreamCalculator<IBlockResult>
    {
        private readonly IDeviceKey _key;
        private readonly Sha256Digest _digest = new();

        public Calculator(IDeviceKey key)
        {
            _key = key;
            Stream = new DigestSink(_digest);
        }

        public Stream Stream { get; }

        public IBlockResult GetResult()
        {
            var hash = new byte[_digest.GetDigestSize()];
            _digest.DoFinal(hash, 0);
            return new SimpleBlockResult(_key.SignSha256Digest(hash));
        }
    }
}
