using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using ZymAws.Engine.Pki;

namespace ZymAws.Engine.DeviceCredentials;

/// <summary>
/// What the device trusts to be the credentials provider: the machine's trust store (on AWS, the server chains to Amazon
/// Root CA 1 / 3), or the certificates of a file (Amazon's roots on a device without a store; the local endpoint's own
/// CA in a rehearsal). There is no "trust anything": a server that does not verify is an error.
/// </summary>
public sealed class ServerTrust
{
    private readonly X509Certificate2[]? _anchors;

    private ServerTrust(X509Certificate2[]? anchors, string description)
    {
        _anchors = anchors;
        Description = description;
    }

    /// <summary>The machine's trust store.</summary>
    public static ServerTrust System { get; } = new(null, "the system trust store");

    /// <summary>"the system trust store" or "the certificates in &lt;file&gt;".</summary>
    public string Description { get; }

    /// <summary>Trusts exactly the certificates in a PEM (or DER) file.</summary>
    /// <exception cref="ZymException">FileNotFound, CertificateMalformed, ServerTrustInvalid.</exception>
    public static ServerTrust FromFile(string path)
    {
        string full = Path.GetFullPath(path);
        var certificates = CertificateFacts.LoadAll(full);
        return FromCertificates(certificates, "the certificates in " + full);
    }

    /// <summary>Trusts exactly the certificates in PEM text.</summary>
    public static ServerTrust FromPem(string pem, string description) =>
        FromCertificates(CertificateFacts.ParseAll(pem), description);

    private static ServerTrust FromCertificates(IReadOnlyList<CertificateFacts> certificates, string description)
    {
        if (certificates.Count == 0)
        {
            throw new ZymException("ServerTrustInvalid", ZymErrorCategory.InvalidData, $"No certificate in {description}.", description);
        }

#pragma warning disable SYSLIB0057 // X509Certificate2(byte[]): the netstandard2.0 surface
        return new ServerTrust(certificates.Select(c => new X509Certificate2(c.GetDer())).ToArray(), description);
#pragma warning restore SYSLIB0057
    }

    /// <summary>
    /// Verifies the server's chain (leaf first, as sent in the handshake) for <paramref name="host"/>: a valid chain to a
    /// trusted root (no revocation check, as curl and the AWS SDKs do by default), serverAuth when the leaf restricts
    /// its use, and the host among the leaf's subjectAltName DNS names (a wildcard covers one left-most label).
    /// Returns null when it verifies, else why not.
    /// </summary>
    internal string? Verify(IReadOnlyList<byte[]> chain, string host)
    {
        if (chain.Count == 0)
        {
            return "the server sent no certificate";
        }

#pragma warning disable SYSLIB0057
        using var leaf = new X509Certificate2(chain[0]);
        var extra = chain.Skip(1).Select(der => new X509Certificate2(der)).ToList();
#pragma warning restore SYSLIB0057
        try
        {
            using var x509Chain = new X509Chain();
            var policy = x509Chain.ChainPolicy;
            policy.RevocationMode = X509RevocationMode.NoCheck;
            policy.UrlRetrievalTimeout = TimeSpan.FromSeconds(5);
            policy.ApplicationPolicy.Add(new global::System.Security.Cryptography.Oid("1.3.6.1.5.5.7.3.1"));
            policy.ExtraStore.AddRange(extra.ToArray());
            if (_anchors is not null)
            {
                policy.ExtraStore.AddRange(_anchors);
                policy.VerificationFlags = X509VerificationFlags.AllowUnknownCertificateAuthority;
            }

            bool built = x509Chain.Build(leaf);
            var problems = x509Chain.ChainStatus
                .Where(s => s.Status != X509ChainStatusFlags.NoError)
                .Where(s => _anchors is null || (s.Status != X509ChainStatusFlags.UntrustedRoot && s.Status != X509ChainStatusFlags.PartialChain))
                .Select(s => s.StatusInformation.Trim())
                .Where(s => s.Length > 0)
                .ToList();
            if (_anchors is null ? !built || problems.Count > 0 : problems.Count > 0)
            {
                return $"its certificate chain does not verify against {Description}" + (problems.Count > 0 ? ": " + string.Join("; ", problems) : string.Empty);
            }

            if (_anchors is not null)
            {
                var top = x509Chain.ChainElements[x509Chain.ChainElements.Count - 1].Certificate;
                if (!_anchors.Any(a => a.RawData.SequenceEqual(top.RawData)))
                {
                    return $"its certificate does not chain to {Description} (it chains to '{top.Subject}')";
                }
            }
        }
        finally
        {
            foreach (var c in extra)
            {
                c.Dispose();
            }
        }

        var names = DnsNames(chain[0]);
        return names.Any(n => HostMatches(n, host))
            ? null
            : $"its certificate is for {(names.Count == 0 ? "no DNS name" : string.Join(", ", names))}, not {host}";
    }

    /// <summary>The subjectAltName DNS names (and IP addresses, as text) of a certificate.</summary>
    internal static IReadOnlyList<string> DnsNames(byte[] der)
    {
        var names = new List<string>();
        var cert = X509CertificateStructure.GetInstance(Asn1Object.FromByteArray(der));
        var extension = cert.TbsCertificate.Extensions?.GetExtension(X509Extensions.SubjectAlternativeName);
        if (extension is null)
        {
            return names;
        }

        foreach (var name in GeneralNames.GetInstance(extension.GetParsedValue()).GetNames())
        {
            if (name.TagNo == GeneralName.DnsName)
            {
                names.Add(((IAsn1String)name.Name).GetString());
            }
            else if (name.TagNo == GeneralName.IPAddress)
            {
                names.Add(new IPAddress(Asn1OctetString.GetInstance(name.Name).GetOctets()).ToString());
            }
        }

        return names;
    }

    /// <summary>RFC 6125: case-insensitive; "*.example.com" matches exactly one left-most label.</summary>
    internal static bool HostMatches(string pattern, string host)
    {
        pattern = pattern.TrimEnd('.');
        host = host.TrimEnd('.');
        if (pattern.StartsWith("*.", StringComparison.Ordinal))
        {
            int dot = host.IndexOf('.');
            return dot > 0 && string.Equals(host.Substring(dot + 1), pattern.Substring(2), StringComparison.OrdinalIgnoreCase);
        }

        return string.Equals(pattern, host, StringComparison.OrdinalIgnoreCase);
    }

    /// <inheritdoc />
    public override string ToString() => Description;
}
