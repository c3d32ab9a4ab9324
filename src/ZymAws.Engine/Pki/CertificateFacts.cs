using System;
using System.Collections.Generic;
using System.Security.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;

namespace ZymAws.Engine.Pki;

/// <summary>
/// What an X.509 certificate says, decoded once: the seed-layout device fields read by attribute OID, the AWS
/// certificate id, names in RFC 4514 form, validity, serial, key and extensions.
/// </summary>
public class CertificateFacts
{
    private static readonly Dictionary<string, string> s_signatureNames = new(StringComparer.Ordinal)
    {
        ["1.2.840.10045.4.3.2"] = "ecdsa-with-SHA256",
        ["1.2.840.10045.4.3.3"] = "ecdsa-with-SHA384",
        ["1.2.840.10045.4.3.4"] = "ecdsa-with-SHA512",
        ["1.2.840.10045.4.1"] = "ecdsa-with-SHA1",
        ["1.2.840.113549.1.1.11"] = "sha256WithRSAEncryption",
        ["1.2.840.113549.1.1.12"] = "sha384WithRSAEncryption",
        ["1.2.840.113549.1.1.13"] = "sha512WithRSAEncryption",
        ["1.2.840.113549.1.1.5"] = "sha1WithRSAEncryption",
        ["1.2.840.113549.1.1.4"] = "md5WithRSAEncryption",
        ["1.2.840.113549.1.1.10"] = "rsassa-pss",
        ["1.3.101.112"] = "Ed25519",
        ["1.3.101.113"] = "Ed448",
    };

    private static readonly string[] s_keyUsageNames =
    {
        "DigitalSignature", "NonRepudiation", "KeyEncipherment", "DataEncipherment", "KeyAgreement", "KeyCertSign", "CrlSign", "EncipherOnly", "DecipherOnly",
    };

    private static readonly Dictionary<string, string> s_ekuNames = new(StringComparer.Ordinal)
    {
        ["1.3.6.1.5.5.7.3.1"] = "ServerAuthentication",
        ["1.3.6.1.5.5.7.3.2"] = "ClientAuthentication",
        ["1.3.6.1.5.5.7.3.3"] = "CodeSigning",
        ["1.3.6.1.5.5.7.3.4"] = "EmailProtection",
        ["1.3.6.1.5.5.7.3.8"] = "TimeStamping",
        ["1.3.6.1.5.5.7.3.9"] = "OcspSigning",
    };

    private byte[] _der = Array.Empty<byte>();
    private string? _pem;

    internal CertificateFacts()
    {
    }

    /// <summary>Thing name (CN), or null when the subject has no CN.</summary>
    public string? ThingName { get; internal set; }

    /// <summary>Role alias (OU), or null.</summary>
    public string? RoleAlias { get; internal set; }

    /// <summary>Credentials-provider endpoint prefix (O), or null.</summary>
    public string? CredentialEndpoint { get; internal set; }

    /// <summary>AWS region (L), or null.</summary>
    public string? Region { get; internal set; }

    /// <summary>IoT policy name (ST), or null.</summary>
    public string? IotPolicy { get; internal set; }

    /// <summary>The seed-layout fields together (no validation).</summary>
    public DeviceSubject DeviceSubject { get; internal set; } = null!;

    /// <summary>Lowercase hex SHA-256 of the DER: the id AWS IoT gives the certificate.</summary>
    public string CertificateId { get; internal set; } = string.Empty;

    /// <summary>Subject, RFC 4514 (most specific first).</summary>
    public string Subject { get; internal set; } = string.Empty;

    /// <summary>Issuer, RFC 4514 (most specific first).</summary>
    public string Issuer { get; internal set; } = string.Empty;

    /// <summary>Start of validity (UTC).</summary>
    public DateTime NotBefore { get; internal set; }

    /// <summary>End of validity (UTC).</summary>
    public DateTime NotAfter { get; internal set; }

    /// <summary>Serial number, lowercase hex without separators.</summary>
    public string SerialNumber { get; internal set; } = string.Empty;

    /// <summary>"EC P-256", "EC P-384", "RSA 2048", … of the subject's public key.</summary>
    public string KeyAlgorithm { get; internal set; } = string.Empty;

    /// <summary>Signature algorithm name, e.g. "ecdsa-with-SHA256".</summary>
    public string SignatureAlgorithm { get; internal set; } = string.Empty;

    /// <summary>X.509 version (1 or 3).</summary>
    public int Version { get; internal set; }

    /// <summary>basicConstraints CA:TRUE.</summary>
    public bool IsCertificateAuthority { get; internal set; }

    /// <summary>basicConstraints pathLenConstraint, when present.</summary>
    public int? PathLength { get; internal set; }

    /// <summary>Subject and issuer are the same name.</summary>
    public bool IsSelfIssued { get; internal set; }

    /// <summary>keyUsage bits by name ("DigitalSignature", "KeyCertSign", …); empty when absent.</summary>
    public IReadOnlyList<string> KeyUsage { get; internal set; } = Array.Empty<string>();

    /// <summary>extendedKeyUsage by name ("ClientAuthentication", …) or OID; empty when absent.</summary>
    public IReadOnlyList<string> ExtendedKeyUsage { get; internal set; } = Array.Empty<string>();

    /// <summary>subjectKeyIdentifier, lowercase hex, or null.</summary>
    public string? SubjectKeyIdentifier { get; internal set; }

    /// <summary>authorityKeyIdentifier keyIdentifier, lowercase hex, or null.</summary>
    public string? AuthorityKeyIdentifier { get; internal set; }

    /// <summary>The file it was read from, or null.</summary>
    public string? Source { get; internal set; }

    /// <summary>The certificate as PEM (LF line ends).</summary>
    public string CertificatePem => _pem ??= Pem.Encode("CERTIFICATE", _der);

    internal byte[] Der
    {
        get => _der;
        set => _der = value;
    }

    internal X509CertificateStructure? Structure { get; set; }

    internal PublicKeyFacts? Key { get; set; }

    /// <summary>Parses the first certificate in PEM text (several blocks, surrounding text and CRLF are fine).</summary>
    /// <exception cref="ZymException">CertificateMalformed (InvalidData).</exception>
    public static CertificateFacts Parse(string text) => ParseText(text, null, all: false)[0];

    /// <summary>Parses a certificate from DER, or PEM text as bytes.</summary>
    /// <exception cref="ZymException">CertificateMalformed (InvalidData).</exception>
    public static CertificateFacts Parse(byte[] data) => ParseBytes(data, null, all: false)[0];

    /// <summary>
    /// Parses the first certificate in PEM text, or returns null with the reason it cannot be read (empty, no
    /// CERTIFICATE block, corrupt base64, not an X.509 certificate).
    /// </summary>
    internal static CertificateFacts? TryParse(string? text, out string? problem) => Pem.TryRead(text, Parse, out problem);

    /// <summary>
    /// The id AWS IoT gives the first certificate in PEM text (lowercase hex SHA-256 of its DER), without parsing the
    /// certificate; null when the text holds no readable CERTIFICATE block.
    /// </summary>
    public static string? IdFromPem(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        try
        {
            foreach (var block in Pem.Decode(text!))
            {
                if (block.Label is "CERTIFICATE" or "X509 CERTIFICATE")
                {
                    return Sha256Hex(block.Data);
                }
            }
        }
        catch (ZymException)
        {
        }

        return null;
    }

    /// <summary>Every certificate in PEM text, in order (e.g. a chain file).</summary>
    public static IReadOnlyList<CertificateFacts> ParseAll(string text) => ParseText(text, null, all: true);

    /// <summary>Reads the first certificate of a file (PEM or DER).</summary>
    /// <exception cref="ZymException">FileNotFound, FileReadFailed, CertificateMalformed.</exception>
    public static CertificateFacts Load(string path) => LoadAll(path, all: false)[0];

    /// <summary>Reads every certificate of a file.</summary>
    public static IReadOnlyList<CertificateFacts> LoadAll(string path) => LoadAll(path, all: true);

    /// <summary>The DER encoding (a copy).</summary>
    public byte[] GetDer() => (byte[])_der.Clone();

    /// <summary>The DER of the subject's public key (SubjectPublicKeyInfo).</summary>
    internal byte[] SubjectPublicKeyInfoDer => Structure!.SubjectPublicKeyInfo.GetDerEncoded();

    /// <summary>The DER of the subject name.</summary>
    internal byte[] SubjectNameDer => Structure!.Subject.GetDerEncoded();

    /// <summary>The DER of the issuer name.</summary>
    internal byte[] IssuerNameDer => Structure!.Issuer.GetDerEncoded();

    /// <summary>Whether <paramref name="issuer"/> issued this certificate: its subject is our issuer and its key verifies our signature.</summary>
    internal bool IsIssuedBy(CertificateFacts issuer)
    {
        if (Structure is null || issuer.Structure is null || !Bytes.Same(IssuerNameDer, issuer.SubjectNameDer))
        {
            return false;
        }

        if (issuer.Key is not null && DerReader.TryFirstElementOfSequence(_der, out int offset, out int length))
        {
            var result = PkiCrypto.Verify(issuer.Key, Structure.SignatureAlgorithm, _der, offset, length, Structure.Signature.GetBytes());
            if (result != PkiCrypto.VerifyResult.AlgorithmUnsupported)
            {
                return result == PkiCrypto.VerifyResult.Valid;
            }
        }

        // An algorithm the platform lacks: BouncyCastle checks it.
        try
        {
            new Org.BouncyCastle.X509.X509Certificate(Structure).Verify(new Org.BouncyCastle.X509.X509Certificate(issuer.Structure).GetPublicKey());
            return true;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return false;
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"{Subject} (id {CertificateId.Substring(0, Math.Min(12, CertificateId.Length))}…, until {NotAfter:yyyy-MM-dd})";

    internal static string SignatureAlgorithmName(AlgorithmIdentifier algorithm)
        => s_signatureNames.TryGetValue(algorithm.Algorithm.Id, out var name) ? name : algorithm.Algorithm.Id;

    internal static string EkuName(DerObjectIdentifier oid) => s_ekuNames.TryGetValue(oid.Id, out var name) ? name : oid.Id;

    internal static string SerialHex(DerInteger serial)
    {
        var value = serial.Value;
        return value.SignValue >= 0 ? Hex.Lower(value.ToByteArrayUnsigned()) : "-" + Hex.Lower(value.Negate().ToByteArrayUnsigned());
    }

    internal static string Sha256Hex(byte[] der) => Hex.Lower(PkiCrypto.Sha256(der));

    internal static DateTime Utc(Time time)
    {
        DateTime t = time.ToDateTime();
        return t.Kind == DateTimeKind.Local ? t.ToUniversalTime() : DateTime.SpecifyKind(t, DateTimeKind.Utc);
    }

    /// <summary>Fills every field from a parsed certificate.</summary>
    internal static void Fill(CertificateFacts info, byte[] der, X509CertificateStructure cert, string? source)
    {
        var tbs = cert.TbsCertificate;
        var subject = Asn1Sequence.GetInstance(tbs.Subject.ToAsn1Object());
        var issuer = Asn1Sequence.GetInstance(tbs.Issuer.ToAsn1Object());
        var attributes = DistinguishedName.Attributes(subject);
        var device = DeviceSubject.FromAttributes(attributes);
        info.Der = der;
        info.Structure = cert;
        info.Source = source;
        info.DeviceSubject = device;
        info.ThingName = device.ThingName.Length == 0 && DistinguishedName.Count(attributes, DistinguishedName.CommonName) == 0 ? null : device.ThingName;
        info.RoleAlias = device.RoleAlias;
        info.CredentialEndpoint = device.CredentialEndpoint;
        info.Region = device.Region;
        info.IotPolicy = device.IotPolicy;
        info.CertificateId = Sha256Hex(der);
        info.Subject = DistinguishedName.Format(subject);
        info.Issuer = DistinguishedName.Format(issuer);
        info.IsSelfIssued = subject.Equals(issuer);
        info.NotBefore = Utc(tbs.Validity.NotBefore);
        info.NotAfter = Utc(tbs.Validity.NotAfter);
        info.SerialNumber = SerialHex(tbs.SerialNumber);
        info.SignatureAlgorithm = SignatureAlgorithmName(cert.SignatureAlgorithm);
        info.Version = tbs.Version;
        try
        {
            info.Key = PublicKeyFacts.From(tbs.SubjectPublicKeyInfo);
            info.KeyAlgorithm = info.Key.Description;
        }
        catch (ArgumentException)
        {
            info.KeyAlgorithm = "unreadable " + tbs.SubjectPublicKeyInfo.Algorithm.Algorithm.Id;
        }

        var extensions = tbs.Extensions;
        if (extensions is null)
        {
            return;
        }

        var bc = extensions.GetExtension(X509Extensions.BasicConstraints);
        if (bc is not null)
        {
            var constraints = BasicConstraints.GetInstance(bc.GetParsedValue());
            info.IsCertificateAuthority = constraints.IsCA();
            info.PathLength = constraints.PathLenConstraint is { } pl && pl.BitLength < 31 ? pl.IntValue : null;
        }

        var ku = extensions.GetExtension(X509Extensions.KeyUsage);
        if (ku is not null)
        {
            int bits = Org.BouncyCastle.Asn1.X509.KeyUsage.GetInstance(ku.GetParsedValue()).IntValue;
            var names = new List<string>();
            int[] masks = { 0x80, 0x40, 0x20, 0x10, 0x08, 0x04, 0x02, 0x01, 0x8000 };
            for (int i = 0; i < masks.Length; i++)
            {
                if ((bits & masks[i]) != 0)
                {
                    names.Add(s_keyUsageNames[i]);
                }
            }

            info.KeyUsage = names;
        }

        var eku = extensions.GetExtension(X509Extensions.ExtendedKeyUsage);
        if (eku is not null)
        {
            var names = new List<string>();
            foreach (var purpose in Org.BouncyCastle.Asn1.X509.ExtendedKeyUsage.GetInstance(eku.GetParsedValue()).GetAllUsages())
            {
                names.Add(EkuName(purpose));
            }

            info.ExtendedKeyUsage = names;
        }

        var ski = extensions.GetExtension(X509Extensions.SubjectKeyIdentifier);
        if (ski is not null)
        {
            info.SubjectKeyIdentifier = Hex.Lower(Org.BouncyCastle.Asn1.X509.SubjectKeyIdentifier.GetInstance(ski.GetParsedValue()).GetKeyIdentifier());
        }

        var aki = extensions.GetExtension(X509Extensions.AuthorityKeyIdentifier);
        if (aki is not null)
        {
            byte[]? keyId = Org.BouncyCastle.Asn1.X509.AuthorityKeyIdentifier.GetInstance(aki.GetParsedValue()).KeyIdentifier?.GetOctets();
            info.AuthorityKeyIdentifier = keyId is null ? null : Hex.Lower(keyId);
        }
    }

    internal static IReadOnlyList<CertificateFacts> ParseBytes(byte[] data, string? source, bool all)
    {
        if (data is null)
        {
            throw new ArgumentNullException(nameof(data));
        }

        string? text = Pem.AsText(data);
        return text is null ? new[] { FromDer((byte[])data.Clone(), source) } : ParseText(text, source, all);
    }

    internal static IReadOnlyList<CertificateFacts> ParseText(string text, string? source, bool all)
    {
        if (text is null)
        {
            throw new ArgumentNullException(nameof(text));
        }

        var blocks = Pem.Decode(text, (label, reason) => Malformed(source, $"its PEM block is corrupt ({reason})"));
        var result = new List<CertificateFacts>();
        foreach (var block in blocks)
        {
            if (block.Label is "CERTIFICATE" or "X509 CERTIFICATE")
            {
                result.Add(FromDer(block.Data, source));
                if (!all)
                {
                    break;
                }
            }
        }

        if (result.Count == 0)
        {
            string reason = blocks.Count > 0 ? $"it holds {blocks[0].Label}, not a CERTIFICATE"
                : Pem.ContainsPem(text) ? "its PEM block is incomplete (truncated?)"
                : "it contains no PEM CERTIFICATE";
            throw Malformed(source, reason);
        }

        return result;
    }

    internal static CertificateFacts FromDer(byte[] der, string? source)
    {
        if (!DerReader.TryFirstElementOfSequence(der, out _, out _))
        {
            throw Malformed(source, "it is not a single DER SEQUENCE (truncated or with trailing data?)");
        }

        try
        {
            var cert = X509CertificateStructure.GetInstance(Asn1Object.FromByteArray(der));
            var info = new CertificateFacts();
            Fill(info, der, cert, source);
            return info;
        }
        catch (ZymException)
        {
            throw;
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidCastException or System.IO.IOException or FormatException
            or InvalidOperationException or IndexOutOfRangeException or NullReferenceException or OverflowException)
        {
            throw Malformed(source, "its content is not an X.509 certificate");
        }
    }

    internal static ZymException Malformed(string? source, string reason)
        => PkiErrorIds.WithReason(new(PkiErrorIds.CertificateMalformed, ZymErrorCategory.InvalidData, $"{(source is null ? "The input" : $"'{source}'")} is not a valid certificate: {reason}.", source), reason);

    private static IReadOnlyList<CertificateFacts> LoadAll(string path, bool all)
    {
        string full = System.IO.Path.GetFullPath(path);
        return ParseBytes(PkiFiles.ReadAllBytes(full), full, all);
    }
}
