using System;
using System.Collections.Generic;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Pkcs;
using ZymAws.Engine.Keys;

namespace ZymAws.Engine.Pki;

/// <summary>
/// A PKCS#10 certificate signing request: made for a device key (<see cref="Create"/>) or parsed from PEM/DER
/// (<see cref="Parse(string)"/>). Parsing checks structure only; <see cref="Verify"/> checks the signature, and
/// <see cref="CaSigner.IssueDeviceCertificate"/> checks everything before it signs.
/// Immutable and safe to share between threads.
/// </summary>
public sealed class SigningRequest
{
    private readonly byte[] _der;
    private readonly int _infoOffset;
    private readonly int _infoLength;
    private readonly List<DistinguishedName.Attribute> _subjectAttributes;
    private string? _pem;
    private string? _subject;
    private int _verified; // 0 unknown, 1 valid, 2 invalid, 3 algorithm unsupported

    private SigningRequest(byte[] der, string? source)
    {
        if (!DerReader.TryFirstElementOfSequence(der, out _infoOffset, out _infoLength))
        {
            throw Malformed(source, "it is not a single DER SEQUENCE (truncated or with trailing data?)");
        }

        try
        {
            Request = new Pkcs10CertificationRequest(der);
            var info = Request.GetCertificationRequestInfo();
            SubjectName = Asn1Sequence.GetInstance(info.Subject.ToAsn1Object());
            _subjectAttributes = DistinguishedName.Attributes(SubjectName);
            SubjectPublicKeyInfo = info.SubjectPublicKeyInfo;
            Key = PublicKeyFacts.From(SubjectPublicKeyInfo);
            if (Request.Signature is null || Request.SignatureAlgorithm is null)
            {
                throw new ArgumentException("No signature.");
            }
        }
        catch (ZymException)
        {
            throw;
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidCastException or System.IO.IOException or FormatException
            or InvalidOperationException or IndexOutOfRangeException or NullReferenceException or Org.BouncyCastle.Crypto.CryptoException)
        {
            throw Malformed(source, "its content is not a certification request");
        }

        _der = der;
        Source = source;
        DeviceSubject = DeviceSubject.FromAttributes(_subjectAttributes);
    }

    /// <summary>Where the CSR came from: a file path, or null for text/bytes.</summary>
    public string? Source { get; }

    /// <summary>The CSR as PEM ("CERTIFICATE REQUEST", LF line ends).</summary>
    public string Pem => _pem ??= Pki.Pem.Encode("CERTIFICATE REQUEST", _der);

    /// <summary>The subject in RFC 4514 form, most specific first ("CN=thing,OU=alias,…").</summary>
    public string Subject => _subject ??= DistinguishedName.Format(SubjectName);

    /// <summary>The seed-layout fields read from the subject (no validation; see <see cref="DeviceSubject.IsThingNameValid"/>).</summary>
    public DeviceSubject DeviceSubject { get; }

    /// <summary>The requested thing name (CN); empty when there is none.</summary>
    public string ThingName => DeviceSubject.ThingName;

    /// <summary>"EC P-256", "EC P-384", "RSA 2048", or a description of an unsupported key ("EC secp256k1", "Ed25519", …).</summary>
    public string KeyAlgorithm => Key.Description;

    /// <summary>The key type when it is one of P-256, P-384 or RSA; null otherwise.</summary>
    public DeviceKeyAlgorithm? Algorithm => Key.Algorithm;

    /// <summary>Key size in bits (0 when unknown).</summary>
    public int KeySize => Key.Bits;

    /// <summary>Signature algorithm name, e.g. "ecdsa-with-SHA256".</summary>
    public string SignatureAlgorithm => CertificateFacts.SignatureAlgorithmName(Request.SignatureAlgorithm);

    internal Pkcs10CertificationRequest Request { get; }

    internal Asn1Sequence SubjectName { get; }

    internal SubjectPublicKeyInfo SubjectPublicKeyInfo { get; }

    internal PublicKeyFacts Key { get; }

    internal int CommonNameCount => DistinguishedName.Count(_subjectAttributes, DistinguishedName.CommonName);

    /// <summary>
    /// Makes a CSR for <paramref name="key"/> with <paramref name="subject"/>. The key signs only a SHA-256 digest
    /// through <see cref="IDeviceKey.SignSha256Digest"/>, so a Zymkey-held key works the same as a software key.
    /// The signature is checked before the CSR is returned.
    /// </summary>
    /// <exception cref="ZymException">ThingNameInvalid; KeyAlgorithmUnsupported; DeviceKeySignatureInvalid (DeviceError) when the key's signature does not verify.</exception>
    public static SigningRequest Create(IDeviceKey key, DeviceSubject subject)
    {
        if (key is null)
        {
            throw new ArgumentNullException(nameof(key));
        }

        if (subject is null)
        {
            throw new ArgumentNullException(nameof(subject));
        }

        DeviceSubject.ValidateThingName(subject.ThingName);
        SubjectPublicKeyInfo spki;
        PublicKeyFacts facts;
        try
        {
            spki = SubjectPublicKeyInfo.GetInstance(Asn1Object.FromByteArray(key.GetSubjectPublicKeyInfo()));
            facts = PublicKeyFacts.From(spki);
        }
        catch (Exception ex) when (ex is ArgumentException or System.IO.IOException or InvalidCastException)
        {
            throw new ZymException(PkiErrorIds.KeyMalformed, ZymErrorCategory.DeviceError, $"The public key of {key.Description} cannot be read.", key.Description, ex);
        }

        if (!facts.IsAcceptable || facts.Algorithm != key.Algorithm)
        {
            throw new ZymException(PkiErrorIds.KeyAlgorithmUnsupported, ZymErrorCategory.InvalidArgument, $"{key.Description} has a {facts.Description} key; use EC P-256, P-384 or RSA of at least 2048 bits.", key.Description);
        }

        var request = new Pkcs10CertificationRequest(new DeviceKeySignatureFactory(key), X509Name.GetInstance(subject.ToAsn1()), spki, new DerSet());
        var csr = new SigningRequest(request.GetEncoded(), null);
        if (!csr.Verify())
        {
            throw new ZymException(
                PkiErrorIds.DeviceKeySignatureInvalid,
                ZymErrorCategory.DeviceError,
                $"{key.Description} returned a signature that does not verify with its own public key.",
                key.Description);
        }

        return csr;
    }

    /// <summary>Parses the first CSR in PEM text (surrounding text, other blocks and CRLF are fine).</summary>
    /// <exception cref="ZymException">CsrMalformed (InvalidData).</exception>
    public static SigningRequest Parse(string text) => ParseText(text, null, all: false)[0];

    /// <summary>Parses a CSR from DER bytes, or from PEM text as bytes (UTF-8/UTF-16 with BOM).</summary>
    /// <exception cref="ZymException">CsrMalformed (InvalidData).</exception>
    public static SigningRequest Parse(byte[] data) => ParseBytes(data, null, all: false)[0];

    /// <summary>
    /// Parses the first CSR in PEM text and checks its signature, or returns null with the reason it cannot be used
    /// (empty, no CERTIFICATE REQUEST block, corrupt, or a signature that does not match its public key).
    /// </summary>
    internal static SigningRequest? TryParseVerified(string? text, out string? problem)
    {
        var csr = Pki.Pem.TryRead(text, Parse, out problem);
        if (csr is not null && !csr.Verify())
        {
            problem = SignatureMismatch;
            return null;
        }

        return csr;
    }

    /// <summary>The reason a CSR whose signature does not verify cannot be used.</summary>
    internal const string SignatureMismatch = "the CSR's signature does not match its public key";

    /// <summary>Lowercase hex SHA-256 of the DER (how the provisioning journal tells one CSR from another).</summary>
    internal string DerSha256 => CertificateFacts.Sha256Hex(_der);

    /// <summary>The DER of the subject's public key (SubjectPublicKeyInfo).</summary>
    internal byte[] SubjectPublicKeyInfoDer => SubjectPublicKeyInfo.GetDerEncoded();

    /// <summary>Every CSR in PEM text, in order.</summary>
    /// <exception cref="ZymException">CsrMalformed (InvalidData) when there is none or one is corrupt.</exception>
    public static IReadOnlyList<SigningRequest> ParseAll(string text) => ParseText(text, null, all: true);

    /// <summary>Reads a CSR file (PEM or DER). <see cref="Source"/> is the full path.</summary>
    /// <exception cref="ZymException">FileNotFound, FileReadFailed, CsrMalformed.</exception>
    public static SigningRequest Load(string path) => LoadAll(path, all: false)[0];

    /// <summary>Reads every CSR in a file.</summary>
    public static IReadOnlyList<SigningRequest> LoadAll(string path) => LoadAll(path, all: true);

    /// <summary>The DER encoding (a copy).</summary>
    public byte[] GetDer() => (byte[])_der.Clone();

    /// <summary>True when the signature verifies with the CSR's own public key (proof of possession).</summary>
    public bool Verify() => CheckSignature() == PkiCrypto.VerifyResult.Valid;

    /// <inheritdoc />
    public override string ToString() => $"CSR {Subject} ({KeyAlgorithm})";

    internal PkiCrypto.VerifyResult CheckSignature()
    {
        int cached = _verified;
        if (cached != 0)
        {
            return (PkiCrypto.VerifyResult)(cached - 1);
        }

        var result = PkiCrypto.Verify(Key, Request.SignatureAlgorithm, _der, _infoOffset, _infoLength, Request.GetSignatureOctets());
        _verified = (int)result + 1;
        return result;
    }

    /// <summary>Whether the request's extensionRequest asks for CA rights (basicConstraints CA:true or keyUsage keyCertSign).</summary>
    internal bool RequestsCaRights(out string what)
    {
        what = string.Empty;
        X509Extensions? extensions;
        try
        {
            extensions = Request.GetRequestedExtensions();
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidCastException or InvalidOperationException or System.IO.IOException)
        {
            throw Malformed(Source, "its extensionRequest attribute is malformed");
        }

        if (extensions is null)
        {
            return false;
        }

        try
        {
            var bc = extensions.GetExtension(X509Extensions.BasicConstraints);
            if (bc is not null && BasicConstraints.GetInstance(bc.GetParsedValue()).IsCA())
            {
                what = "basicConstraints CA:TRUE";
                return true;
            }

            var ku = extensions.GetExtension(X509Extensions.KeyUsage);
            if (ku is not null && (KeyUsage.GetInstance(ku.GetParsedValue()).IntValue & (KeyUsage.KeyCertSign | KeyUsage.CrlSign)) != 0)
            {
                what = "keyUsage keyCertSign/cRLSign";
                return true;
            }
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidCastException or InvalidOperationException or System.IO.IOException)
        {
            throw Malformed(Source, "a requested extension is malformed");
        }

        return false;
    }

    private static IReadOnlyList<SigningRequest> LoadAll(string path, bool all)
    {
        string full = System.IO.Path.GetFullPath(path);
        return ParseBytes(PkiFiles.ReadAllBytes(full), full, all);
    }

    private static IReadOnlyList<SigningRequest> ParseBytes(byte[] data, string? source, bool all)
    {
        if (data is null)
        {
            throw new ArgumentNullException(nameof(data));
        }

        string? text = Pki.Pem.AsText(data);
        return text is null ? new[] { new SigningRequest((byte[])data.Clone(), source) } : ParseText(text, source, all);
    }

    private static IReadOnlyList<SigningRequest> ParseText(string text, string? source, bool all)
    {
        if (text is null)
        {
            throw new ArgumentNullException(nameof(text));
        }

        var blocks = Pki.Pem.Decode(text, (label, reason) => Malformed(source, $"its PEM block is corrupt ({reason})"));
        var result = new List<SigningRequest>();
        foreach (var block in blocks)
        {
            if (block.Label is "CERTIFICATE REQUEST" or "NEW CERTIFICATE REQUEST")
            {
                result.Add(new SigningRequest(block.Data, source));
                if (!all)
                {
                    break;
                }
            }
        }

        if (result.Count == 0)
        {
            string reason = blocks.Count > 0 ? $"it holds {blocks[0].Label}, not a CERTIFICATE REQUEST"
                : Pki.Pem.ContainsPem(text) ? "its PEM block is incomplete (truncated?)"
                : "it contains no PEM CERTIFICATE REQUEST";
            throw Malformed(source, reason);
        }

        return result;
    }

    private static ZymException Malformed(string? source, string reason)
        => PkiErrorIds.WithReason(new(PkiErrorIds.CsrMalformed, ZymErrorCategory.InvalidData, $"{(source is null ? "The input" : $"'{source}'")} is not a valid CSR: {reason}.", source), reason);
}
