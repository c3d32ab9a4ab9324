using System;
using ZymAws.Engine.CredentialProvider.Internal;
using ZymAws.Engine.Pki;

namespace ZymAws.Engine.Provisioning.Internal;

/// <summary>
/// Everything checked about a device before AWS is asked anything: names AWS would refuse, the certificate (readable,
/// not expired, issued by the batch's CA) or the CSR (readable, its signature matching its key). Fills the device's
/// policy, certificate or CSR, and journal input.
/// </summary>
internal static class DeviceValidation
{
    /// <exception cref="ZymException">ThingNameInvalid, PolicyNameMissing, PolicyNameInvalid, ThingTypeNameInvalid, ThingAttributeInvalid,
    /// CsrMissing, CsrInvalid, CertificateMissing, CertificateInvalid, CertificateExpired, CertificateNotIssuedByCa.</exception>
    public static void Validate(DeviceContext device)
    {
        var request = device.Request;
        var options = device.Batch.Options;
        if (!AwsNames.IsThingName(request.ThingName))
        {
            throw device.Invalid("ThingNameInvalid", $"'{request.ThingName}' is not a valid thing name (1-128 letters, digits, ':', '_' or '-').");
        }

        device.Policy = request.PolicyName ?? options.PolicyName
            ?? throw device.Invalid("PolicyNameMissing", $"No IoT policy for '{device.Thing}': give one for the device or for the batch.");
        if (!AwsNames.IsPolicyName(device.Policy))
        {
            throw device.Invalid("PolicyNameInvalid", $"'{device.Policy}' is not a valid IoT policy name.");
        }

        if (request.ThingTypeName is not null && !AwsNames.IsThingTypeName(request.ThingTypeName))
        {
            throw device.Invalid("ThingTypeNameInvalid", $"'{request.ThingTypeName}' is not a valid thing type name.");
        }

        if (request.Attributes is not null)
        {
            foreach (var attribute in request.Attributes)
            {
                if (!AwsNames.IsAttributeName(attribute.Key) || !AwsNames.IsAttributeValue(attribute.Value))
                {
                    throw device.Invalid("ThingAttributeInvalid", $"Thing attribute '{attribute.Key}' = '{attribute.Value}' of '{device.Thing}' is not allowed by AWS IoT (names: letters, digits and _.,@/:#-; values also =[]; up to 128/800 characters).");
                }

                if (string.Equals(attribute.Key, ThingMarker.AttributeName, StringComparison.Ordinal))
                {
                    throw device.Invalid("ThingAttributeInvalid", $"Thing attribute '{ThingMarker.AttributeName}' is the module's own: it names the certificate a thing was created for.");
                }
            }
        }

        string? problem;
        if (device.Mode == CertificateRegistrationMode.FromCsr)
        {
            if (string.IsNullOrWhiteSpace(request.CsrPem))
            {
                throw device.Invalid("CsrMissing", string.IsNullOrWhiteSpace(request.CertificatePem)
                    ? $"'{device.Thing}' has no CSR; AWS IoT issues certificates from CSRs in this mode."
                    : $"'{device.Thing}' is given as a certificate, not a CSR: with -CertificateAuthority AwsIot, AWS IoT issues the certificates from CSRs. To register certificates your CA signed, give the CA as -CertificateAuthority.");
            }

            var parsedCsr = request.Parsed is { Csr: { } csr } parsed && ReferenceEquals(parsed.Pem, request.CsrPem) ? csr : null;
            device.Csr = (parsedCsr is not null ? Verified(parsedCsr, out problem) : SigningRequest.TryParseVerified(request.CsrPem, out problem))
                ?? throw new ZymException("CsrInvalid", ZymErrorCategory.InvalidData, $"The CSR of '{device.Thing}' is unusable: {problem}.", device.ErrorTarget);
            device.Input = "csr:" + device.Csr.DerSha256;
            return;
        }

        if (string.IsNullOrWhiteSpace(request.CertificatePem))
        {
            throw device.Invalid("CertificateMissing", string.IsNullOrWhiteSpace(request.CsrPem)
                ? $"'{device.Thing}' has no certificate."
                : $"'{device.Thing}' is given as a CSR, not a certificate: sign it first (Approve-ZymDeviceCsr), or let AWS IoT issue the certificate (-CertificateAuthority AwsIot).");
        }

        var certificate = (request.Parsed is { Certificate: { } known } given && ReferenceEquals(given.Pem, request.CertificatePem) ? known : null)
            ?? CertificateFacts.TryParse(request.CertificatePem, out problem)
            ?? throw new ZymException("CertificateInvalid", ZymErrorCategory.InvalidData, $"The certificate of '{device.Thing}' is unusable: {problem}.", device.ErrorTarget);
        device.Certificate = certificate;
        device.Input = "cert:" + certificate.CertificateId;
        if (certificate.NotAfter < DateTime.UtcNow)
        {
            throw new ZymException("CertificateExpired", ZymErrorCategory.InvalidData,
                $"The certificate of '{device.Thing}' expired on {certificate.NotAfter:u}.", device.ErrorTarget);
        }

        if (device.Mode == CertificateRegistrationMode.WithCa && device.Batch.Ca is CertificateFacts ca && !certificate.IsIssuedBy(ca))
        {
            throw new ZymException("CertificateNotIssuedByCa", ZymErrorCategory.InvalidData,
                $"The certificate of '{device.Thing}' (issuer {certificate.Issuer}) is not signed by the batch's CA ({ca.Subject}).", device.ErrorTarget);
        }
    }

    private static SigningRequest? Verified(SigningRequest csr, out string? problem)
    {
        problem = csr.Verify() ? null : SigningRequest.SignatureMismatch;
        return problem is null ? csr : null;
    }
}
