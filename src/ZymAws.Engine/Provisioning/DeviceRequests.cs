using System;
using System.Collections.Generic;
using System.IO;
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
    /// <exception cref="ZymException">DeviceInputUnsupported, ThingNameMissing (InvalidArgument; Target = the item).</exception>
    /// <exception cref="IOException">A named file cannot be read (or whatever <see cref="DeviceInput.ResolvePath"/> throws).</exception>
    /// <exception cref="UnauthorizedAccessException">A named file cannot be read.</exception>
    public static DeviceProvisioningRequest Build(DeviceInput input, string? thingName, string? policyName, string? thingTypeName, IDictionary<string, string>? attributes, object? sourceItem)
    {
        if (input is null)
        {
            throw new ArgumentNullException(nameof(input));
        }

        string? certificatePem = input.CertificatePem ?? Read(input, input.CertificatePath);
        string? csrPem = input.CsrPem ?? Read(input, input.CsrPath);
        if (certificatePem is null && csrPem is null)
        {
            string? text = input.Text ?? (input.FullPath is null ? null : File.ReadAllText(input.FullPath)) ?? Read(input, input.Path);
            if (text is not null && IsCsr(text))
            {
                csrPem = text;
            }
            else
            {
                certificatePem = text;
            }
        }

        if (certificatePem is null && csrPem is null)
        {
            throw new ZymException("DeviceInputUnsupported", ZymErrorCategory.InvalidArgument,
                "Cannot find a certificate or CSR in this input: give a certificate or CSR object, PEM text, a file, or a row with " +
                "CertificatePath / CertificatePem / CsrPath / CsrPem.", sourceItem);
        }

        // Thing name and policy: parameters first, then the subject (seed layout: CN = thing, ST = policy). An unreadable
        // certificate or CSR is not an error here: provisioning reports it for the device (CertificateInvalid / CsrInvalid).
        CertificateFacts? certificate = null;
        SigningRequest? csr = null;
        DeviceSubject? subject = null;
        try
        {
            if (certificatePem is not null)
            {
                certificate = CertificateFacts.Parse(certificatePem);
                subject = certificate.DeviceSubject;
            }
            else
            {
                csr = SigningRequest.Parse(csrPem!);
                subject = csr.DeviceSubject;
            }
        }
        catch (ZymException)
        {
        }

        string? subjectThing = certificate is not null ? certificate.ThingName : subject?.ThingName;
        string? thing = !string.IsNullOrEmpty(thingName) ? thingName : subjectThing;
        if (string.IsNullOrEmpty(thing))
        {
            throw new ZymException("ThingNameMissing", ZymErrorCategory.InvalidArgument,
                "No thing name: give -ThingName (or a ThingName property), or a certificate whose subject has a CN.", sourceItem);
        }

        return new DeviceProvisioningRequest(thing!)
        {
            CertificatePem = certificatePem,
            CsrPem = csrPem,
            PolicyName = !string.IsNullOrEmpty(policyName) ? policyName : subject?.IotPolicy,
            ThingTypeName = thingTypeName,
            Attributes = attributes is null ? null : new Dictionary<string, string>(attributes),
            SourceItem = sourceItem,
            Parsed = certificate is not null ? new ParsedInput(certificatePem!, certificate, null)
                : csr is not null ? new ParsedInput(csrPem!, null, csr)
                : null,
        };
    }

    private static bool IsCsr(string text) => text.IndexOf("CERTIFICATE REQUEST-----", StringComparison.Ordinal) >= 0;

    private static string? Read(DeviceInput input, string? path) =>
        string.IsNullOrEmpty(path) ? null : File.ReadAllText(input.ResolvePath is null ? path! : input.ResolvePath(path!));
}

/// <summary>The certificate or CSR of a request as <see cref="DeviceRequests.Build"/> parsed it, valid while the request's PEM is that text.</summary>
internal sealed record ParsedInput(string Pem, CertificateFacts? Certificate, SigningRequest? Csr);
