using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using ZymAws.Engine.Pki;

namespace ZymAws.Engine.Provisioning;

/// <summary>
/// Turns one input item into a <see cref="DeviceProvisioningRequest"/> (Invoke-ZymDeviceProvisioning's rules): finds
/// its certificate or CSR, and takes the thing name and IoT policy from the parameters first, then from the subject in
/// the seed layout (CN = thing, ST = policy). The subject is parsed here once; provisioning uses that parse.
/// </summary>
public static class DeviceRequests
{
    /// <summary>Builds the request for one item.</summary>
    /// <param name="input">Where the certificate or CSR is.</param>
    /// <param name="thingName">The thing name given for the item (empty: from the subject's CN).</param>
    /// <param name="policyName">The IoT policy given for the item (empty: from the subject's ST, else the batch's).</param>
    /// <param name="thingTypeName">The thing type of a new thing.</param>
    /// <param name="attributes">The attributes of a new thing (copied).</param>
    /// <param name="sourceItem">The item itself: errors name it.</param>
    /// <exception cref="ZymException">DeviceInputUnsupported, ThingNameMissing (InvalidArgument); CertificateMalformed,
    /// CsrMalformed (InvalidData) for an input that is empty, or that is not a certificate or CSR and names no thing; Target = the item.</exception>
    /// <exception cref="IOException">A named file cannot be read (or whatever <see cref="DeviceInput.ResolvePath"/> throws).</exception>
    /// <exception cref="UnauthorizedAccessException">A named file cannot be read.</exception>
    public static DeviceProvisioningRequest Build(DeviceInput input, string? thingName, string? policyName, string? thingTypeName, IDictionary<string, string>? attributes, object? sourceItem)
    {
        if (input is null)
        {
            throw new ArgumentNullException(nameof(input));
        }

        // PEM given wins over its file; the file is kept either way, so results (and a retry from them) can name it.
        string? certificatePath = Empty(input.CertificatePath) ? null : input.CertificatePath;
        string? csrPath = Empty(input.CsrPath) ? null : input.CsrPath;
        string? certificatePem = Empty(input.CertificatePem) ? null : input.CertificatePem;
        if (certificatePem is null && certificatePath is not null)
        {
            certificatePath = Resolve(input, certificatePath);
            certificatePem = File.ReadAllText(certificatePath);
        }

        string? csrPem = Empty(input.CsrPem) ? null : input.CsrPem;
        if (csrPem is null && csrPath is not null)
        {
            csrPath = Resolve(input, csrPath);
            csrPem = File.ReadAllText(csrPath);
        }

        if (certificatePem is null && csrPem is null)
        {
            string? file = input.FullPath ?? (Empty(input.Path) ? null : Resolve(input, input.Path!));
            string? text = !Empty(input.Text) ? input.Text : file is null ? null : File.ReadAllText(file);
            if (text is not null && IsCsr(text))
            {
                csrPem = text;
                csrPath ??= file;
            }
            else
            {
                certificatePem = text;
                certificatePath ??= text is null ? null : file;
            }
        }

        if (certificatePem is null && csrPem is null)
        {
            throw new ZymException("DeviceInputUnsupported", ZymErrorCategory.InvalidArgument, Unsupported(input), sourceItem);
        }

        // An empty input (a 0-byte file) is nothing to provision, whatever the thing name.
        if (string.IsNullOrWhiteSpace(certificatePem) && string.IsNullOrWhiteSpace(csrPem))
        {
            throw NotACertificate(input, certificatePem is null ? PkiErrorIds.CsrMalformed : PkiErrorIds.CertificateMalformed, "it is empty", sourceItem, null);
        }

        // Thing name and policy: parameters first, then the subject (seed layout: CN = thing, ST = policy). An unreadable
        // certificate or CSR with a thing name given is reported by provisioning for that device (CertificateInvalid /
        // CsrInvalid); without one, what the input is (garbage, a private key, ...) is the error, not the missing name.
        CertificateFacts? certificate = null;
        SigningRequest? csr = null;
        DeviceSubject? subject = null;
        ZymException? unreadable = null;
        try
        {
            if (!string.IsNullOrWhiteSpace(certificatePem))
            {
                certificate = CertificateFacts.Parse(certificatePem!);
                subject = certificate.DeviceSubject;
            }
            else
            {
                csr = SigningRequest.Parse(csrPem!);
                subject = csr.DeviceSubject;
            }
        }
        catch (ZymException e)
        {
            unreadable = e;
        }

        string? subjectThing = certificate is not null ? certificate.ThingName : subject?.ThingName;
        string? thing = !string.IsNullOrEmpty(thingName) ? thingName : subjectThing;
        if (string.IsNullOrEmpty(thing) && unreadable is not null)
        {
            throw NotACertificate(input, unreadable.ErrorId, PkiErrorIds.ReasonOf(unreadable).TrimEnd('.'), sourceItem, unreadable);
        }

        if (string.IsNullOrEmpty(thing))
        {
            throw new ZymException("ThingNameMissing", ZymErrorCategory.InvalidArgument,
                "No thing name: give -ThingName (or a ThingName property), or a certificate whose subject has a CN.", sourceItem);
        }

        return new DeviceProvisioningRequest(thing!)
        {
            CertificatePem = certificatePem,
            CsrPem = csrPem,
            CertificatePath = certificatePath,
            CsrPath = csrPath,
            PolicyName = !string.IsNullOrEmpty(policyName) ? policyName : subject?.IotPolicy,
            ThingTypeName = thingTypeName,
            Attributes = attributes is null ? null : new Dictionary<string, string>(attributes),
            SourceItem = sourceItem,
            Parsed = certificate is not null ? new ParsedInput(certificatePem!, certificate, null)
                : csr is not null ? new ParsedInput(csrPem!, null, csr)
                : null,
        };
    }

    /// <summary>"'a.pem' is not a certificate or CSR: it is empty." — what Approve-ZymDeviceCsr and Get-ZymCertificateInfo say of such input.</summary>
    private static ZymException NotACertificate(DeviceInput input, string errorId, string reason, object? sourceItem, Exception? inner)
    {
        string? file = input.FullPath ?? input.CertificatePath ?? input.CsrPath ?? input.Path;
        string what = file is not null ? $"'{file}'" : input.CertificatePem is not null ? "The CertificatePem given" : input.CsrPem is not null ? "The CsrPem given" : "The text given";
        return new ZymException(errorId, ZymErrorCategory.InvalidData, $"{what} is not a certificate or CSR: {reason}.", sourceItem, inner);
    }

    /// <summary>The row columns a device is read from (besides ThingName and PolicyName), in the order they are tried.</summary>
    public static IReadOnlyList<string> InputColumns { get; } = new[] { "CertificatePem", "CertificatePath", "CsrPem", "CsrPath", "Path", "FullName" };

    private static bool IsCsr(string text) => text.IndexOf("CERTIFICATE REQUEST-----", StringComparison.Ordinal) >= 0;

    private static bool Empty(string? value) => string.IsNullOrEmpty(value);

    private static string Resolve(DeviceInput input, string path) => input.ResolvePath is null ? path : input.ResolvePath(path);

    /// <summary>What the input lacks, and what would do: the columns a row may have, and what a fleet.csv row (ThingName,KeyPath) is for.</summary>
    private static string Unsupported(DeviceInput input)
    {
        const string Wanted = "give each row ThingName and the device's certificate (CertificatePath or CertificatePem) or, with " +
            "-CertificateAuthority AwsIot, its CSR (CsrPath or CsrPem); PolicyName is optional.";
        if (input.Columns is not { Count: > 0 } columns)
        {
            return "Cannot find a certificate or CSR in this input: give a certificate or CSR object, PEM text, a file, or a row with " +
                "ThingName and CertificatePath, CertificatePem, CsrPath or CsrPem.";
        }

        var named = columns.Where(c => InputColumns.Contains(c, StringComparer.OrdinalIgnoreCase)).ToList();
        var text = named.Count > 0
            ? $"This row's {string.Join(", ", named)} {(named.Count == 1 ? "is" : "are")} empty: {Wanted}"
            : $"This row has the columns {string.Join(", ", columns)}, none of which names a certificate or CSR: {Wanted}";
        if (columns.Contains("KeyPath", StringComparer.OrdinalIgnoreCase))
        {
            text += " A row with KeyPath (fleet.csv: ThingName,KeyPath) is for New-ZymDeviceCsr: make and sign the CSRs first, " +
                "e.g. Import-Csv fleet.csv | New-ZymDeviceCsr ... | Approve-ZymDeviceCsr ... | Invoke-ZymDeviceProvisioning ....";
        }

        return text;
    }
}

/// <summary>The certificate or CSR of a request as <see cref="DeviceRequests.Build"/> parsed it, valid while the request's PEM is that text.</summary>
internal sealed record ParsedInput(string Pem, CertificateFacts? Certificate, SigningRequest? Csr);
