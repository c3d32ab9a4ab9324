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
    private readonly Org.BouncyCastle.X509.X509Certificate[]? _anchors;

    private ServerTrust(Org.BouncyCastle.X509.X509Certificate[]? anchors, string description)
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

        return new ServerTrust(certificates.Select(c => new Org.BouncyCastle.X509.X509Certificate(X509CertificateStructure.GetInstance(c.GetDer()))).ToArray(), description);
    }

    /// <summary>
    /// Verifies the server's chain (leaf first, as sent in the handshake) for <paramref name="host"/>: a valid chain to a
    /// trusted root (no revocation check, as curl and the AWS SDKs do by default), serverAuth wherever a certificate of
    /// the chain restricts its use, and the host among the leaf's subjectAltName DNS names (a wildcard covers one
    /// left-most label). Returns null when it verifies, else why not.
    /// </summary>
    internal string? Verify(IReadOnlyList<byte[]> chain, string host)
    {
        if (chain.Count == 0)
        {
            return "the server sent no certificate";
        }

        string? problem = _anchors is null ? VerifyWithSystemStore(chain) : VerifyWithAnchors(chain, _anchors);
        if (problem is not null)
        {
            return problem;
        }

        var names = DnsNames(chain[0]);
        return names.Any(n => HostMatches(n, host))
            ? null
            : $"its certificate is for {(names.Count == 0 ? "no DNS name" : string.Join(", ", names))}, not {host}";
    }

    /// <summary>The platform's chain engine against the machine's trust store.</summary>
    private string? VerifyWithSystemStore(IReadOnlyList<byte[]> chain)
    {
#pragma warning disable SYSLIB0057 // X509Certificate2(byte[]): the netstandard2.0 surface
        using var leaf = new X509Certificate2(chain[0]);
        var extra = chain.Skip(1).Select(der => new X509Certificate2(der)).ToList();
#pragma warning restore SYSLIB0057
        try
        {
            using var x509Chain = new X509Chain();
            var policy = x509Chain.ChainPolicy;
            policy.RevocationMode = X509RevocationMode.NoCheck;
            policy.UrlRetrievalTimeout = TimeSpan.FromSeconds(5);
            policy.ApplicationPolicy.Add(new global::System.Security.Cryptography.Oid(ServerAuth));
            policy.ExtraStore.AddRange(extra.ToArray());
            bool built = x509Chain.Build(leaf);
            var problems = x509Chain.ChainStatus
                .Where(s => s.Status != X509ChainStatusFlags.NoError)
                .Select(s => s.StatusInformation.Trim())
                .Where(s => s.Length > 0)
                .ToList();
            return !built || problems.Count > 0
                ? $"its certificate chain does not verify against {Description}" + (problems.Count > 0 ? ": " + string.Join("; ", problems) : string.Empty)
                : null;
        }
        finally
        {
            foreach (var c in extra)
            {
                c.Dispose();
            }
        }
    }

    /// <summary>
    /// RFC 5280 path building and validation (BouncyCastle's PKIX builder: signatures, validity, name chaining, basic
    /// constraints and path length, key usage, name constraints) to exactly the anchors given, from the certificates the
    /// server sent. The platform's X509Chain is not used here: on Linux it reads the whole system trust store on its first
    /// build in a process (about 200 ms, every cold start of the native helper) even when the store cannot matter.
    /// </summary>
    private string? VerifyWithAnchors(IReadOnlyList<byte[]> chain, Org.BouncyCastle.X509.X509Certificate[] anchors)
    {
        List<Org.BouncyCastle.X509.X509Certificate> sent;
        try
        {
            sent = chain.Select(der => new Org.BouncyCastle.X509.X509Certificate(X509CertificateStructure.GetInstance(der))).ToList();
        }
        catch (Exception e) when (e is ArgumentException or InvalidCastException or IOException or FormatException)
        {
            return $"it sent a certificate that cannot be read ({e.Message})";
        }

        var leaf = sent[0];
        var now = DateTime.UtcNow;
        IReadOnlyList<Org.BouncyCastle.X509.X509Certificate> path;
        if (anchors.Any(a => a.Equals(leaf)))
        {
            // The server's own certificate is the anchor given.
            if (!leaf.IsValid(now))
            {
                return $"its certificate is not valid now (valid {leaf.NotBefore:u} to {leaf.NotAfter:u})";
            }

            path = new[] { leaf };
        }
        else
        {
            try
            {
                var trust = new HashSet<Org.BouncyCastle.Pkix.TrustAnchor>(anchors.Select(a => new Org.BouncyCastle.Pkix.TrustAnchor(a, null)));
                var target = new Org.BouncyCastle.X509.Store.X509CertStoreSelector { Certificate = leaf };
                var parameters = new Org.BouncyCastle.Pkix.PkixBuilderParameters(trust, target)
                {
                    IsRevocationEnabled = false,
                    Date = now,
                };
                parameters.AddStoreCert(Org.BouncyCastle.Utilities.Collections.CollectionUtilities.CreateStore(sent));
                var built = new Org.BouncyCastle.Pkix.PkixCertPathBuilder().Build(parameters);
                path = built.CertPath.Certificates.ToList();
            }
            catch (Exception e) when (e is Org.BouncyCastle.Security.GeneralSecurityException or Org.BouncyCastle.Pkix.PkixCertPathValidatorException or InvalidOperationException or ArgumentException)
            {
                var top = sent[sent.Count - 1];
                return $"its certificate chain does not verify against {Description} (the chain it sent ends at '{top.IssuerDN}'): {e.Message}";
            }
        }

        foreach (var certificate in path)
        {
            var usages = certificate.GetExtendedKeyUsage();
            if (usages is not null && !usages.Any(u => u.Id is ServerAuth or AnyExtendedKeyUsage))
            {
                return $"its certificate chain does not allow server authentication ('{certificate.SubjectDN}' restricts its use to {string.Join(", ", usages.Select(u => u.Id))})";
            }
        }

        return null;
    }

    private const string ServerAuth = "1.3.6.1.5.5.7.3.1";
    private const string AnyExtendedKeyUsage = "2.5.29.37.0";

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
