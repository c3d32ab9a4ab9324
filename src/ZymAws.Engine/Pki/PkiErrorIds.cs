namespace ZymAws.Engine.Pki;

/// <summary>
/// The ErrorIds the PKI and key code raise (always as <see cref="ZymException"/>), with their categories.
/// </summary>
public static class PkiErrorIds
{
    /// <summary>A thing name is not 1-128 characters of [a-zA-Z0-9:_-] (InvalidArgument).</summary>
    public const string ThingNameInvalid = "ThingNameInvalid";

    /// <summary>A subject value or distinguished name cannot be used (InvalidArgument).</summary>
    public const string SubjectInvalid = "SubjectInvalid";

    /// <summary>A validity period is out of range or would outlive the CA (InvalidArgument).</summary>
    public const string ValidityInvalid = "ValidityInvalid";

    /// <summary>Input is not a readable CSR: not PEM/DER, truncated, corrupt, or a different object (InvalidData).</summary>
    public const string CsrMalformed = "CsrMalformed";

    /// <summary>The CSR's signature does not verify with its own public key (SecurityError).</summary>
    public const string CsrSignatureInvalid = "CsrSignatureInvalid";

    /// <summary>The CSR's key is not EC P-256/P-384 or RSA of at least 2048 bits, or its signature algorithm is not accepted (InvalidData).</summary>
    public const string CsrKeyUnsupported = "CsrKeyUnsupported";

    /// <summary>The CSR asks for CA rights: basicConstraints CA:true or keyUsage keyCertSign (SecurityError).</summary>
    public const string CsrRequestsCaRights = "CsrRequestsCaRights";

    /// <summary>Input is not a readable X.509 certificate (InvalidData).</summary>
    public const string CertificateMalformed = "CertificateMalformed";

    /// <summary>The CA's private key does not belong to its certificate (InvalidData).</summary>
    public const string CaKeyMismatch = "CaKeyMismatch";

    /// <summary>The certificate may not sign certificates (no basicConstraints CA:true, or keyUsage without keyCertSign) (InvalidData).</summary>
    public const string CaCertificateNotCa = "CaCertificateNotCa";

    /// <summary>The CA certificate has expired or is not yet valid, so it cannot issue (InvalidOperation).</summary>
    public const string CaCertificateExpired = "CaCertificateExpired";

    /// <summary>The CA key algorithm requested or found is not supported (InvalidArgument / InvalidData).</summary>
    public const string KeyAlgorithmUnsupported = "KeyAlgorithmUnsupported";

    /// <summary>A key file cannot be read as a private key (InvalidData).</summary>
    public const string KeyMalformed = "KeyMalformed";

    /// <summary>
    /// The key file is encrypted and no passphrase was given (SecurityError); or a save was given an empty passphrase
    /// or no <see cref="Keys.KeyProtection"/> at all (InvalidArgument).
    /// </summary>
    public const string KeyPassphraseRequired = "KeyPassphraseRequired";

    /// <summary>The passphrase does not decrypt the key (AuthenticationError).</summary>
    public const string KeyPassphraseIncorrect = "KeyPassphraseIncorrect";

    /// <summary>A device key produced a signature that does not verify (DeviceError).</summary>
    public const string DeviceKeySignatureInvalid = "DeviceKeySignatureInvalid";

    /// <summary>An AWS registration code is not 1-64 letters and digits (InvalidArgument).</summary>
    public const string RegistrationCodeInvalid = "RegistrationCodeInvalid";

    /// <summary>The input file does not exist (ObjectNotFound).</summary>
    public const string FileNotFound = "FileNotFound";

    /// <summary>The input file cannot be read (ReadError, or PermissionDenied as "FileAccessDenied").</summary>
    public const string FileReadFailed = "FileReadFailed";

    /// <summary>Output file exists and overwrite was not requested (ResourceExists); raised by SecureFile.</summary>
    public const string FileExists = "FileExists";

    private const string ReasonKey = "ZymAws.Reason";

    /// <summary>Attaches the short reason (no "The input is not ..." preamble) to a parse error, for callers that word their own message.</summary>
    internal static ZymException WithReason(ZymException exception, string reason)
    {
        exception.Data[ReasonKey] = reason;
        return exception;
    }

    /// <summary>The short reason of a parse error, or its message.</summary>
    internal static string ReasonOf(ZymException exception) => exception.Data[ReasonKey] as string ?? exception.Message;
}
