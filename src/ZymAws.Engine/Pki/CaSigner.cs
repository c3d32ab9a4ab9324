using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using ZymAws.Engine.Diagnostics;
using ZymAws.Engine.IO;
using ZymAws.Engine.Keys;

namespace ZymAws.Engine.Pki;

/// <summary>
/// A private certificate authority that signs device certificates. Create a new one (<see cref="Create"/>), or
/// load one, including a CA made the seed's way with <c>openssl ecparam</c> + <c>openssl req -x509</c> and RSA CAs
/// (<see cref="Load"/>). <see cref="IssueDeviceCertificate"/> checks the CSR before it signs and is thread-safe.
/// </summary>
/// <remarks>
/// What counts as a CA certificate on load: basicConstraints CA:TRUE (and, when keyUsage is present, keyCertSign);
/// or, as OpenSSL also accepts, a self-signed X.509 v1 certificate without extensions (old tooling made those):
/// it is accepted with a warning. Anything else raises "CaCertificateNotCa".
/// </remarks>
public sealed class CaSigner : IDisposable
{
    /// <summary>Default validity of a new CA, in days (10 years).</summary>
    public const int DefaultCaValidityDays = 3650;

    /// <summary>Default validity of a device certificate, in days.</summary>
    public const int DefaultDeviceValidityDays = 365;

    /// <summary>Longest validity accepted, in days (100 years).</summary>
    public const int MaxValidityDays = 36500;

    private static readonly TimeSpan s_backdate = TimeSpan.FromMinutes(5);
    private static readonly byte[] s_version3 = { 0xA0, 0x03, 0x02, 0x01, 0x02 };
    private static readonly RandomNumberGenerator s_rng = RandomNumberGenerator.Create(); // thread-safe

    private readonly SoftwareDeviceKey _key;
    private readonly KeySigner _signer;
    private readonly HashAlgorithmName _hash;
    private readonly byte[] _signatureAlgorithmDer;
    private readonly byte[] _issuerDer;
    private readonly byte[] _deviceExtensionsPrefix; // basicConstraints, keyUsage, EKU, AKI
    private readonly byte[] _authorityKeyIdExtension;
    private readonly string _signatureAlgorithmName;
    private volatile bool _disposed;

    private CaSigner(CertificateFacts certificate, SoftwareDeviceKey key)
    {
        Certificate = certificate;
        _key = key;
        _signer = key.Signer;
        _hash = key.Algorithm == DeviceKeyAlgorithm.EcP384 ? HashAlgorithmName.SHA384 : HashAlgorithmName.SHA256;
        var signatureAlgorithm = PkiCrypto.SignatureAlgorithm(key.Algorithm, _hash);
        _signatureAlgorithmDer = signatureAlgorithm.GetEncoded(Asn1Encodable.Der);
        _signatureAlgorithmName = CertificateFacts.SignatureAlgorithmName(signatureAlgorithm);
        var tbs = certificate.Structure!.TbsCertificate;
        _issuerDer = tbs.Subject.GetEncoded(Asn1Encodable.Der);
        byte[] keyId = certificate.SubjectKeyIdentifier is { } ski ? Hex.Decode(ski) : KeyIdentifier(tbs.SubjectPublicKeyInfo);
        AuthorityKeyIdentifier = Hex.Lower(keyId);
        _authorityKeyIdExtension = Extension(X509Extensions.AuthorityKeyIdentifier, false, new Org.BouncyCastle.Asn1.X509.AuthorityKeyIdentifier(keyId));
        _deviceExtensionsPrefix = Concat(
            Extension(X509Extensions.BasicConstraints, true, new BasicConstraints(false)),
            Extension(X509Extensions.KeyUsage, true, new KeyUsage(KeyUsage.DigitalSignature)),
            Extension(X509Extensions.ExtendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeID.id_kp_clientAuth)),
            _authorityKeyIdExtension);
    }

    /// <summary>The CA certificate, decoded.</summary>
    public CertificateFacts Certificate { get; }

    /// <summary>Subject, RFC 4514 (most specific first).</summary>
    public string Subject => Certificate.Subject;

    /// <summary>Lowercase hex SHA-256 of the certificate's DER: the id AWS IoT uses.</summary>
    public string CertificateId => Certificate.CertificateId;

    /// <summary>Start of validity (UTC).</summary>
    public DateTime NotBefore => Certificate.NotBefore;

    /// <summary>End of validity (UTC).</summary>
    public DateTime NotAfter => Certificate.NotAfter;

    /// <summary>Serial number, lowercase hex.</summary>
    public string SerialNumber => Certificate.SerialNumber;

    /// <summary>The certificate as PEM.</summary>
    public string CertificatePem => Certificate.CertificatePem;

    /// <summary>"EC P-256", "EC P-384" or "RSA 2048" (etc.).</summary>
    public string KeyAlgorithm => _key.KeyAlgorithm;

    /// <summary>The CA key's algorithm.</summary>
    public DeviceKeyAlgorithm Algorithm => _key.Algorithm;

    /// <summary>The key identifier device certificates carry as authorityKeyIdentifier (lowercase hex).</summary>
    public string AuthorityKeyIdentifier { get; }

    /// <summary>Where the certificate was loaded from or last saved to; null for a new, unsaved CA.</summary>
    public string? CertificatePath { get; private set; }

    /// <summary>Where the key was loaded from or last saved to; null for a new, unsaved CA.</summary>
    public string? KeyPath { get; private set; }

    /// <summary>Whether the key file (as loaded or last saved) is encrypted.</summary>
    public bool IsKeyEncrypted => _key.WasEncrypted;

    /// <summary>
    /// Creates a new self-signed root CA: basicConstraints CA:TRUE pathlen:0 (critical), keyUsage keyCertSign +
    /// cRLSign (critical), subject and authority key identifiers, a random positive 128-bit serial.
    /// </summary>
    /// <param name="subject">RFC 4514 ("CN=Fleet CA,O=Acme") or OpenSSL ("/O=Acme/CN=Fleet CA") form.</param>
    /// <param name="algorithm">EcP256 (default) or EcP384 (signs with SHA-384).</param>
    /// <param name="validityDays">1 to 36500; default 3650.</param>
    /// <exception cref="ZymException">SubjectInvalid, ValidityInvalid, KeyAlgorithmUnsupported (all InvalidArgument).</exception>
    public static CaSigner Create(string subject, DeviceKeyAlgorithm algorithm = DeviceKeyAlgorithm.EcP256, int validityDays = DefaultCaValidityDays)
    {
        var name = DistinguishedName.Parse(subject);
        CheckValidityDays(validityDays);
        var key = SoftwareDeviceKey.Generate(algorithm);
        try
        {
            var hash = algorithm == DeviceKeyAlgorithm.EcP384 ? HashAlgorithmName.SHA384 : HashAlgorithmName.SHA256;
            var spki = SubjectPublicKeyInfo.GetInstance(Asn1Object.FromByteArray(key.GetSubjectPublicKeyInfo()));
            byte[] keyId = KeyIdentifier(spki);
            DateTime now = Truncate(DateTime.UtcNow);
            byte[] nameDer = name.GetEncoded(Asn1Encodable.Der);
            byte[] der = BuildAndSign(
                key.Signer,
                hash,
                PkiCrypto.SignatureAlgorithm(algorithm, hash).GetEncoded(Asn1Encodable.Der),
                RandomSerial(),
                nameDer,
                now - s_backdate,
                now.AddDays(validityDays),
                nameDer,
                spki.GetEncoded(Asn1Encodable.Der),
                Concat(
                    Extension(X509Extensions.BasicConstraints, true, new BasicConstraints(0)),
                    Extension(X509Extensions.KeyUsage, true, new KeyUsage(KeyUsage.KeyCertSign | KeyUsage.CrlSign)),
                    Extension(X509Extensions.SubjectKeyIdentifier, false, new DerOctetString(keyId)),
                    Extension(X509Extensions.AuthorityKeyIdentifier, false, new Org.BouncyCastle.Asn1.X509.AuthorityKeyIdentifier(keyId))));
            return new CaSigner(CertificateFacts.FromDer(der, null), key);
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Loads a CA from its certificate and key files (any key format <see cref="SoftwareDeviceKey.Load"/> reads),
    /// checks that the key belongs to the certificate and that the certificate may sign certificates.
    /// </summary>
    /// <param name="certificatePath">PEM or DER certificate (the first certificate of the file is used).</param>
    /// <param name="keyPath">The private key file.</param>
    /// <param name="passphrase">For an encrypted key; the caller owns and clears the array.</param>
    /// <param name="log">Receives warnings (v1 certificate, expired CA); never a secret.</param>
    /// <exception cref="ZymException">FileNotFound, CertificateMalformed, KeyMalformed, KeyPassphraseRequired, KeyPassphraseIncorrect,
    /// KeyAlgorithmUnsupported, CaKeyMismatch, CaCertificateNotCa.</exception>
    public static CaSigner Load(string certificatePath, string keyPath, char[]? passphrase = null, IEngineLog? log = null)
    {
        string certFull = System.IO.Path.GetFullPath(certificatePath);
        string keyFull = System.IO.Path.GetFullPath(keyPath);
        var certificate = CertificateFacts.Load(certFull);
        var key = SoftwareDeviceKey.Load(keyFull, passphrase);
        try
        {
            var ca = FromParts(certificate, key, log ?? NullEngineLog.Instance);
            ca.CertificatePath = certFull;
            ca.KeyPath = keyFull;
            return ca;
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    /// <summary>Same as <see cref="Load"/> from PEM text (the key text is a secret: do not log it).</summary>
    public static CaSigner FromPem(string certificatePem, string keyPem, char[]? passphrase = null, IEngineLog? log = null)
    {
        var certificate = CertificateFacts.Parse(certificatePem);
        var key = SoftwareDeviceKey.FromPem(keyPem, passphrase);
        try
        {
            return FromParts(certificate, key, log ?? NullEngineLog.Instance);
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Writes the certificate (PEM, 0644) and the key (PKCS#8 PEM, 0600, encrypted unless
    /// <see cref="KeyProtection.None"/>) as one unit: both files or neither. Missing folders (the CA folder) are created
    /// owner-only (0700), whatever the umask; existing ones are left as they are.
    /// </summary>
    /// <exception cref="ZymException">FileExists (unless <paramref name="overwrite"/>; nothing is written), FileAccessDenied, FileWriteFailed.</exception>
    public void Save(string certificatePath, string keyPath, KeyProtection protection, bool overwrite = false)
    {
        if (protection is null)
        {
            throw new ZymException(PkiErrorIds.KeyPassphraseRequired, ZymErrorCategory.InvalidArgument, "Choose a passphrase or no passphrase explicitly.");
        }

        ThrowIfDisposed();
        string certFull = System.IO.Path.GetFullPath(certificatePath);
        string keyFull = System.IO.Path.GetFullPath(keyPath);
        if (string.Equals(certFull, keyFull, StringComparison.Ordinal))
        {
            throw new ZymException("FilePathInvalid", ZymErrorCategory.InvalidArgument, "The certificate and the key need two different files.", certFull);
        }

        foreach (string file in new[] { keyFull, certFull })
        {
            SecureFile.CreatePrivateDirectory(System.IO.Path.GetDirectoryName(file)!, restrictExisting: false);
        }

        byte[] keyBytes = new System.Text.UTF8Encoding(false).GetBytes(_key.ToPkcs8Pem(protection));
        try
        {
            SecureFile.WriteAll(
                new[]
                {
                    new SecureFileContent(certFull, new System.Text.UTF8Encoding(false).GetBytes(CertificatePem), ownerOnly: false),
                    new SecureFileContent(keyFull, keyBytes, ownerOnly: true),
                },
                overwrite);
        }
        finally
        {
            Array.Clear(keyBytes, 0, keyBytes.Length);
        }

        CertificatePath = certFull;
        KeyPath = keyFull;
        _key.MarkSaved(keyFull, protection.IsEncrypted);
    }

    /// <summary>
    /// Saves as <see cref="Save"/> does, replacing the CA at these paths (if any) after keeping its files in a backup
    /// folder (<see cref="ExistingCa.Backup"/>). Nothing half-done: when the backup fails nothing is written, and when the
    /// save fails the old files stay in place and the backup is removed.
    /// </summary>
    /// <returns>The backup folder; null when there was nothing to replace.</returns>
    /// <exception cref="ZymException">As <see cref="Save"/> and <see cref="ExistingCa.Backup"/>.</exception>
    public string? SaveReplacing(string certificatePath, string keyPath, KeyProtection protection, DateTime utcNow)
    {
        ThrowIfDisposed();
        var existing = ExistingCa.Find(certificatePath, keyPath);
        string? backup = existing?.Backup(utcNow);
        try
        {
            Save(certificatePath, keyPath, protection, overwrite: true);
        }
        catch
        {
            if (backup is not null)
            {
                ExistingCa.Discard(backup);
            }

            throw;
        }

        return backup;
    }

    /// <summary>
    /// Runs every check <see cref="IssueDeviceCertificate"/> runs, without signing anything (for -WhatIf).
    /// </summary>
    /// <exception cref="ZymException">As <see cref="IssueDeviceCertificate"/>.</exception>
    public void CheckDeviceCsr(SigningRequest csr, int validityDays = DefaultDeviceValidityDays)
    {
        if (csr is null)
        {
            throw new ArgumentNullException(nameof(csr));
        }

        ThrowIfDisposed();
        CheckValidity(Truncate(DateTime.UtcNow), validityDays, csr);
        CheckCsr(csr);
    }

    /// <summary>
    /// Checks the CSR and signs a device certificate: random positive 128-bit serial, keyUsage digitalSignature
    /// (critical), extendedKeyUsage clientAuth, basicConstraints CA:FALSE (critical), subject and authority key
    /// identifiers. The subject and public key come from the CSR; requested extensions are never copied.
    /// Thread-safe: call it from as many threads as you like.
    /// </summary>
    /// <param name="csr">The request.</param>
    /// <param name="validityDays">1 to 36500, default 365; the certificate may not outlive the CA.</param>
    /// <exception cref="ZymException">CsrSignatureInvalid (SecurityError), CsrKeyUnsupported (InvalidData), ThingNameInvalid (InvalidArgument),
    /// CsrRequestsCaRights (SecurityError), CsrMalformed, ValidityInvalid, CaCertificateExpired. Target = the CSR.</exception>
    public IssuedCertificate IssueDeviceCertificate(SigningRequest csr, int validityDays = DefaultDeviceValidityDays)
    {
        if (csr is null)
        {
            throw new ArgumentNullException(nameof(csr));
        }

        ThrowIfDisposed();
        DateTime now = Truncate(DateTime.UtcNow);
        DateTime notBefore = now - s_backdate;
        DateTime notAfter = CheckValidity(now, validityDays, csr);
        CheckCsr(csr);

        byte[] spki = csr.SubjectPublicKeyInfo.GetEncoded(Asn1Encodable.Der);
        byte[] keyId = KeyIdentifier(csr.SubjectPublicKeyInfo);
        byte[] serial = RandomSerial();
        byte[] der = BuildAndSign(
            _signer,
            _hash,
            _signatureAlgorithmDer,
            serial,
            _issuerDer,
            notBefore,
            notAfter,
            csr.SubjectName.GetEncoded(Asn1Encodable.Der),
            spki,
            Concat(_deviceExtensionsPrefix, Extension(X509Extensions.SubjectKeyIdentifier, false, new DerOctetString(keyId))));

        var device = csr.DeviceSubject;
        return new IssuedCertificate
        {
            Der = der,
            ThingName = device.ThingName,
            RoleAlias = device.RoleAlias,
            CredentialEndpoint = device.CredentialEndpoint,
            Region = device.Region,
            IotPolicy = device.IotPolicy,
            DeviceSubject = device,
            CertificateId = CertificateFacts.Sha256Hex(der),
            Subject = csr.Subject,
            Issuer = Certificate.Subject,
            NotBefore = notBefore,
            NotAfter = notAfter,
            SerialNumber = SerialHexFromDer(serial),
            KeyAlgorithm = csr.KeyAlgorithm,
            Key = csr.Key,
            SignatureAlgorithm = _signatureAlgorithmName,
            Version = 3,
            IsCertificateAuthority = false,
            IsSelfIssued = false,
            KeyUsage = new[] { "DigitalSignature" },
            ExtendedKeyUsage = new[] { "ClientAuthentication" },
            SubjectKeyIdentifier = Hex.Lower(keyId),
            AuthorityKeyIdentifier = AuthorityKeyIdentifier,
            CaCertificateId = CertificateId,
            CaCertificatePem = CertificatePem,
        };
    }

    /// <summary>
    /// The verification certificate AWS IoT's RegisterCACertificate wants: CN = the registration code
    /// (from GetRegistrationCode), a fresh throwaway P-256 key, signed by this CA, valid for up to 30 days.
    /// </summary>
    /// <returns>The certificate as PEM.</returns>
    /// <exception cref="ZymException">RegistrationCodeInvalid (InvalidArgument), CaCertificateExpired.</exception>
    public string CreateVerificationCertificate(string registrationCode)
    {
        if (string.IsNullOrEmpty(registrationCode) || registrationCode.Length > 64 || !IsRegistrationCodeText(registrationCode))
        {
            throw new ZymException(PkiErrorIds.RegistrationCodeInvalid, ZymErrorCategory.InvalidArgument, "The registration code must be 1-64 letters and digits, as GetRegistrationCode returns it.", registrationCode);
        }

        ThrowIfDisposed();
        DateTime now = Truncate(DateTime.UtcNow);
        CheckCaTime(now, registrationCode);
        DateTime notAfter = now.AddDays(30) > NotAfter ? NotAfter : now.AddDays(30);
        using var throwaway = SoftwareDeviceKey.Generate();
        var spki = SubjectPublicKeyInfo.GetInstance(Asn1Object.FromByteArray(throwaway.GetSubjectPublicKeyInfo()));
        byte[] keyId = KeyIdentifier(spki);
        byte[] der = BuildAndSign(
            _signer,
            _hash,
            _signatureAlgorithmDer,
            RandomSerial(),
            _issuerDer,
            now - s_backdate,
            notAfter,
            DistinguishedName.Build(new[] { (DistinguishedName.CommonName, registrationCode) }).GetEncoded(Asn1Encodable.Der),
            spki.GetEncoded(Asn1Encodable.Der),
            Concat(
                Extension(X509Extensions.BasicConstraints, true, new BasicConstraints(false)),
                Extension(X509Extensions.KeyUsage, true, new KeyUsage(KeyUsage.DigitalSignature)),
                Extension(X509Extensions.SubjectKeyIdentifier, false, new DerOctetString(keyId)),
                _authorityKeyIdExtension));
        return Pem.Encode("CERTIFICATE", der);
    }

    /// <summary>
    /// A TLS server certificate for <paramref name="dnsNames"/> (the first is also the CN): subjectAltName with those
    /// names (an IP address becomes an iPAddress entry), keyUsage digitalSignature, extendedKeyUsage serverAuth,
    /// CA:FALSE. For the local credentials-provider endpoint, whose clients trust this CA for the rehearsal.
    /// </summary>
    /// <returns>The certificate's DER.</returns>
    public byte[] IssueServerCertificate(byte[] subjectPublicKeyInfo, IReadOnlyList<string> dnsNames, int validityDays = 30)
    {
        if (subjectPublicKeyInfo is null || dnsNames is null || dnsNames.Count == 0)
        {
            throw new ArgumentException("A public key and at least one name are required.");
        }

        ThrowIfDisposed();
        DateTime now = Truncate(DateTime.UtcNow);
        DateTime notAfter = CheckValidity(now, validityDays, dnsNames[0]);
        var spki = SubjectPublicKeyInfo.GetInstance(Asn1Object.FromByteArray(subjectPublicKeyInfo));
        var names = dnsNames.Select(n => System.Net.IPAddress.TryParse(n, out _) ? new GeneralName(GeneralName.IPAddress, n) : new GeneralName(GeneralName.DnsName, n)).ToArray();
        byte[] der = BuildAndSign(
            _signer,
            _hash,
            _signatureAlgorithmDer,
            RandomSerial(),
            _issuerDer,
            now - s_backdate,
            notAfter,
            DistinguishedName.Build(new[] { (DistinguishedName.CommonName, dnsNames[0]) }).GetEncoded(Asn1Encodable.Der),
            spki.GetEncoded(Asn1Encodable.Der),
            Concat(
                Extension(X509Extensions.BasicConstraints, true, new BasicConstraints(false)),
                Extension(X509Extensions.KeyUsage, true, new KeyUsage(KeyUsage.DigitalSignature)),
                Extension(X509Extensions.ExtendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeID.id_kp_serverAuth)),
                Extension(X509Extensions.SubjectAlternativeName, false, new GeneralNames(names)),
                Extension(X509Extensions.SubjectKeyIdentifier, false, new DerOctetString(KeyIdentifier(spki))),
                _authorityKeyIdExtension));
        return der;
    }

    /// <inheritdoc />
    public override string ToString() => $"CA {Subject} ({KeyAlgorithm}, id {CertificateId.Substring(0, 12)}…, until {NotAfter:yyyy-MM-dd})";

    /// <inheritdoc />
    public void Dispose()
    {
        _disposed = true;
        _key.Dispose();
    }

    private static CaSigner FromParts(CertificateFacts certificate, SoftwareDeviceKey key, IEngineLog log)
    {
        string target = certificate.Source ?? certificate.Subject;
        var keyFacts = PublicKeyFacts.From(SubjectPublicKeyInfo.GetInstance(Asn1Object.FromByteArray(key.GetSubjectPublicKeyInfo())));
        if (certificate.Key is null || !certificate.Key.SameKeyAs(keyFacts))
        {
            throw new ZymException(
                PkiErrorIds.CaKeyMismatch,
                ZymErrorCategory.InvalidData,
                $"The key {(key.Path is null ? string.Empty : $"'{key.Path}' ")}does not belong to the CA certificate {certificate.Subject} (certificate key: {certificate.KeyAlgorithm}, private key: {key.KeyAlgorithm}).",
                target);
        }

        bool hasExtensions = certificate.Structure!.TbsCertificate.Extensions is not null;
        if (certificate.Version == 1 && !hasExtensions)
        {
            if (!certificate.IsSelfIssued)
            {
                throw NotCa(certificate, target, "it is an X.509 v1 certificate that is not self-signed");
            }

            log.Warning($"The CA certificate {certificate.Subject} is an X.509 v1 certificate without extensions; it is accepted as a CA (as OpenSSL does), but a v3 CA with basicConstraints CA:TRUE is recommended.");
        }
        else
        {
            if (!certificate.IsCertificateAuthority)
            {
                throw NotCa(certificate, target, "it has no basicConstraints CA:TRUE");
            }

            if (certificate.KeyUsage.Count > 0 && !Contains(certificate.KeyUsage, "KeyCertSign"))
            {
                throw NotCa(certificate, target, "its keyUsage does not include keyCertSign");
            }
        }

        DateTime now = DateTime.UtcNow;
        if (now > certificate.NotAfter || now < certificate.NotBefore)
        {
            log.Warning($"The CA certificate {certificate.Subject} is valid only from {certificate.NotBefore:u} to {certificate.NotAfter:u}; it cannot issue certificates now.");
        }

        return new CaSigner(certificate, key);
    }

    private void ThrowIfDisposed()
    {
        if (_disposed)
        {
            throw new ObjectDisposedException(nameof(CaSigner));
        }
    }

    private static ZymException NotCa(CertificateFacts certificate, string target, string reason)
        => new(PkiErrorIds.CaCertificateNotCa, ZymErrorCategory.InvalidData, $"The certificate {certificate.Subject} cannot sign certificates: {reason}.", target);

    private void CheckCsr(SigningRequest csr)
    {
        var key = csr.Key;
        if (key.Algorithm is null)
        {
            throw new ZymException(PkiErrorIds.CsrKeyUnsupported, ZymErrorCategory.InvalidData, $"The CSR for '{csr.ThingName}' has a {key.Description} key; use EC P-256, P-384 or RSA of at least 2048 bits.", csr);
        }

        switch (csr.CheckSignature())
        {
            case PkiCrypto.VerifyResult.Invalid:
                throw new ZymException(PkiErrorIds.CsrSignatureInvalid, ZymErrorCategory.SecurityError, $"The signature of the CSR for '{csr.ThingName}' does not verify: it was altered or not signed by the key it carries.", csr);
            case PkiCrypto.VerifyResult.AlgorithmUnsupported:
                throw new ZymException(PkiErrorIds.CsrKeyUnsupported, ZymErrorCategory.InvalidData, $"The CSR for '{csr.ThingName}' is signed with {csr.SignatureAlgorithm}; use SHA-256, SHA-384 or SHA-512 with ECDSA or RSA PKCS#1 v1.5.", csr);
        }

        if (!key.IsAcceptable)
        {
            throw new ZymException(PkiErrorIds.CsrKeyUnsupported, ZymErrorCategory.InvalidData, $"The CSR for '{csr.ThingName}' has a {key.Description} key; RSA keys need at least 2048 bits.", csr);
        }

        if (csr.CommonNameCount != 1 || !csr.DeviceSubject.IsThingNameValid)
        {
            string reason = csr.CommonNameCount == 0 ? "its subject has no CN (thing name)"
                : csr.CommonNameCount > 1 ? "its subject has more than one CN"
                : $"the CN '{csr.ThingName}' is not a valid thing name (1-128 of letters, digits, ':', '_', '-')";
            throw new ZymException(PkiErrorIds.ThingNameInvalid, ZymErrorCategory.InvalidArgument, $"The CSR {csr.Subject} cannot be signed: {reason}.", csr);
        }

        if (csr.RequestsCaRights(out string what))
        {
            throw new ZymException(PkiErrorIds.CsrRequestsCaRights, ZymErrorCategory.SecurityError, $"The CSR for '{csr.ThingName}' asks for {what}; device certificates never get CA rights.", csr);
        }
    }

    private DateTime CheckValidity(DateTime now, int validityDays, object target)
    {
        if (validityDays < 1 || validityDays > MaxValidityDays)
        {
            throw new ZymException(PkiErrorIds.ValidityInvalid, ZymErrorCategory.InvalidArgument, $"The validity must be 1 to {MaxValidityDays} days, not {validityDays}.", validityDays);
        }

        CheckCaTime(now, target);
        DateTime notAfter = now.AddDays(validityDays);
        if (notAfter > NotAfter)
        {
            throw new ZymException(
                PkiErrorIds.ValidityInvalid,
                ZymErrorCategory.InvalidArgument,
                $"A certificate valid for {validityDays} days would outlive the CA, which expires {NotAfter:u}; use at most {(int)Math.Floor((NotAfter - now).TotalDays)} days.",
                validityDays);
        }

        return notAfter;
    }

    private void CheckCaTime(DateTime now, object target)
    {
        if (now > NotAfter || now < NotBefore)
        {
            throw new ZymException(PkiErrorIds.CaCertificateExpired, ZymErrorCategory.InvalidOperation, $"The CA {Subject} is valid only from {NotBefore:u} to {NotAfter:u}.", target);
        }
    }

    private static void CheckValidityDays(int validityDays)
    {
        if (validityDays < 1 || validityDays > MaxValidityDays)
        {
            throw new ZymException(PkiErrorIds.ValidityInvalid, ZymErrorCategory.InvalidArgument, $"The validity must be 1 to {MaxValidityDays} days, not {validityDays}.", validityDays);
        }
    }

    private static byte[] BuildAndSign(
        KeySigner signer,
        HashAlgorithmName hash,
        byte[] signatureAlgorithmDer,
        byte[] serialDer,
        byte[] issuerDer,
        DateTime notBefore,
        DateTime notAfter,
        byte[] subjectDer,
        byte[] spkiDer,
        byte[] extensionsDer)
    {
        byte[] validity = DerReader.Sequence(new Time(notBefore).GetEncoded(Asn1Encodable.Der), new Time(notAfter).GetEncoded(Asn1Encodable.Der));
        byte[] extensions = Tagged(0xA3, DerReader.Sequence(extensionsDer));
        byte[] tbs = DerReader.Sequence(s_version3, serialDer, signatureAlgorithmDer, issuerDer, validity, subjectDer, spkiDer, extensions);
        byte[] signature = signer.SignDigest(PkiCrypto.Hash(hash, tbs), hash);
        var bitString = new byte[1 + DerReader.LengthOfLength(signature.Length + 1) + 1 + signature.Length];
        bitString[0] = 0x03;
        int pos = DerReader.WriteLength(bitString, 1, signature.Length + 1);
        bitString[pos++] = 0;
        Buffer.BlockCopy(signature, 0, bitString, pos, signature.Length);
        return DerReader.Sequence(tbs, signatureAlgorithmDer, bitString);
    }

    private static byte[] Tagged(byte tag, byte[] content)
    {
        var result = new byte[1 + DerReader.LengthOfLength(content.Length) + content.Length];
        result[0] = tag;
        int pos = DerReader.WriteLength(result, 1, content.Length);
        Buffer.BlockCopy(content, 0, result, pos, content.Length);
        return result;
    }

    private static byte[] Extension(DerObjectIdentifier oid, bool critical, Asn1Encodable value)
    {
        var octets = new DerOctetString(value.GetEncoded(Asn1Encodable.Der));
        return (critical ? new DerSequence(oid, DerBoolean.True, octets) : new DerSequence(oid, octets)).GetEncoded(Asn1Encodable.Der);
    }

    private static byte[] Concat(params byte[][] parts)
    {
        int length = 0;
        foreach (var p in parts)
        {
            length += p.Length;
        }

        var result = new byte[length];
        int pos = 0;
        foreach (var p in parts)
        {
            Buffer.BlockCopy(p, 0, result, pos, p.Length);
            pos += p.Length;
        }

        return result;
    }

    /// <summary>RFC 5280 method 1: SHA-1 of the subjectPublicKey bits.</summary>
    private static byte[] KeyIdentifier(SubjectPublicKeyInfo spki) => PkiCrypto.Hash(HashAlgorithmName.SHA1, spki.PublicKey.GetOctets());

    /// <summary>DER INTEGER of a random positive 128-bit value (never zero).</summary>
    private static byte[] RandomSerial()
    {
        var random = new byte[16];
        do
        {
            s_rng.GetBytes(random);
        }
        while (random[0] == 0);

        bool pad = (random[0] & 0x80) != 0;
        var der = new byte[2 + (pad ? 17 : 16)];
        der[0] = 0x02;
        der[1] = (byte)(pad ? 17 : 16);
        Buffer.BlockCopy(random, 0, der, pad ? 3 : 2, 16);
        return der;
    }

    private static string SerialHexFromDer(byte[] serialDer)
    {
        int start = serialDer[2] == 0 ? 3 : 2;
        var bytes = new byte[serialDer.Length - start];
        Buffer.BlockCopy(serialDer, start, bytes, 0, bytes.Length);
        return Hex.Lower(bytes);
    }

    private static DateTime Truncate(DateTime t) => new(t.Ticks - (t.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);

    /// <summary>AWS returns 64 hex digits.</summary>
    private static bool IsRegistrationCodeText(string s)
    {
        foreach (char c in s)
        {
            if (!(c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9')))
            {
                return false;
            }
        }

        return true;
    }

    private static bool Contains(IReadOnlyList<string> list, string value)
    {
        foreach (var item in list)
        {
            if (item == value)
            {
                return true;
            }
        }

        return false;
    }
}
