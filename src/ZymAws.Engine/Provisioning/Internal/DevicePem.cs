using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.X509;
using ZymAws.Engine.Pki;

namespace ZymAws.Engine.Provisioning.Internal;

/// <summary>A certificate read from PEM: its DER, public key, subject and issuer.</summary>
internal sealed class ParsedCertificate
{
    public ParsedCertificate(X509Certificate certificate, byte[] der)
    {
        Certificate = certificate;
        Der = der;
        DerSha256 = CertificateFacts.Sha256Hex(der);
        SubjectPublicKeyInfo = certificate.CertificateStructure.SubjectPublicKeyInfo.GetDerEncoded();
        SubjectDer = certificate.SubjectDN.GetDerEncoded();
        IssuerDer = certificate.IssuerDN.GetDerEncoded();
    }

    public X509Certificate Certificate { get; }

    public byte[] Der { get; }

    /// <summary>Lowercase hex SHA-256 of the DER: AWS IoT's certificate id.</summary>
    public string DerSha256 { get; }

    public byte[] SubjectPublicKeyInfo { get; }

    public byte[] SubjectDer { get; }

    public byte[] IssuerDer { get; }
}

/// <summary>A CSR read from PEM, its signature checked.</summary>
internal sealed class ParsedCsr
{
    public ParsedCsr(Pkcs10CertificationRequest request, byte[] der)
    {
        Der = der;
        DerSha256 = CertificateFacts.Sha256Hex(der);
        var info = request.GetCertificationRequestInfo();
        SubjectPublicKeyInfo = info.SubjectPublicKeyInfo.GetDerEncoded();
        SubjectDer = info.Subject.GetDerEncoded();
    }

    public byte[] Der { get; }

    public string DerSha256 { get; }

    public byte[] SubjectPublicKeyInfo { get; }

    public byte[] SubjectDer { get; }
}

/// <summary>PEM decoding of device certificates and CSRs (BouncyCastle), with clear reasons when they are unreadable.</summary>
internal static class DevicePem
{
    public static ParsedCertificate? TryParseCertificate(string? pem, out string? problem)
    {
        byte[]? der = Decode(pem, new[] { "CERTIFICATE" }, out problem);
        if (der is null)
        {
            return null;
        }

        try
        {
            var certificate = new X509CertificateParser().ReadCertificate(der);
            if (certificate is null)
            {
                problem = "the PEM block holds no X.509 certificate";
                return null;
            }

            return new ParsedCertificate(certificate, der);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            problem = "the certificate cannot be decoded: " + ex.Message;
            return null;
        }
    }

    public static ParsedCsr? TryParseCsr(string? pem, out string? problem)
    {
        byte[]? der = Decode(pem, new[] { "CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST" }, out problem);
        if (der is null)
        {
            return null;
        }

        try
        {
            var request = new Pkcs10CertificationRequest(der);
            if (!request.Verify())
            {
                problem = "the CSR's signature does not match its public key";
                return null;
            }

            return new ParsedCsr(request, der);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            problem = "the CSR cannot be decoded: " + ex.Message;
            return null;
        }
    }

    /// <summary>Whether <paramref name="certificate"/>'s signature verifies with <paramref name="issuer"/>'s public key.</summary>
    public static bool IsSignedBy(ParsedCertificate certificate, ParsedCertificate issuer)
    {
        try
        {
            certificate.Certificate.Verify(issuer.Certificate.GetPublicKey());
            return true;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return false;
        }
    }

    /// <summary>
    /// Ids a control plane may know a certificate by: the SHA-256 of its DER (AWS IoT), then the SHA-256 of the PEM text
    /// exactly as it was sent (moto, unless configured otherwise).
    /// </summary>
    public static IReadOnlyList<string> CandidateIds(ParsedCertificate certificate, string pemAsSent)
    {
        string textId = CertificateFacts.Sha256Hex(Encoding.UTF8.GetBytes(pemAsSent));
        return textId == certificate.DerSha256 ? new[] { certificate.DerSha256 } : new[] { certificate.DerSha256, textId };
    }

    public static bool SameBytes(byte[] a, byte[] b) => a.Length == b.Length && a.SequenceEqual(b);

    private static byte[]? Decode(string? pem, string[] labels, out string? problem)
    {
        problem = null;
        if (string.IsNullOrWhiteSpace(pem))
        {
            problem = "it is empty";
            return null;
        }

        string text = pem!;
        foreach (string label in labels)
        {
            string begin = "-----BEGIN " + label + "-----";
            string end = "-----END " + label + "-----";
            int start = text.IndexOf(begin, StringComparison.Ordinal);
            if (start < 0)
            {
                continue;
            }

            int stop = text.IndexOf(end, start + begin.Length, StringComparison.Ordinal);
            if (stop < 0)
            {
                problem = $"the PEM block has no '{end}' line";
                return null;
            }

            string body = new string(text.Substring(start + begin.Length, stop - start - begin.Length).Where(c => !char.IsWhiteSpace(c)).ToArray());
            try
            {
                byte[] der = Convert.FromBase64String(body);
                if (der.Length == 0)
                {
                    problem = "the PEM block is empty";
                    return null;
                }

                return der;
            }
            catch (FormatException)
            {
                problem = "the PEM block is not valid base64";
                return null;
            }
        }

        problem = $"no '-----BEGIN {labels[0]}-----' block";
        return null;
    }

}
