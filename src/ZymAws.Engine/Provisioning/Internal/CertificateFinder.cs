using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ZymAws.Engine.Aws;
using ZymAws.Engine.Diagnostics;
using ZymAws.Engine.Pki;

namespace ZymAws.Engine.Provisioning.Internal;

internal enum CertificateMatchOutcome
{
    /// <summary>Exactly one certificate matches.</summary>
    Found,

    /// <summary>No certificate created since the intent could be the one: the call did not take effect.</summary>
    NotFound,

    /// <summary>Something may match but not for certain (or several do): a person has to look.</summary>
    Ambiguous,
}

internal sealed class CertificateMatch
{
    public CertificateMatch(CertificateMatchOutcome outcome, IotCertificateDescription? certificate, IReadOnlyList<string> candidateIds)
    {
        Outcome = outcome;
        Certificate = certificate;
        CandidateIds = candidateIds;
    }

    public CertificateMatchOutcome Outcome { get; }

    public IotCertificateDescription? Certificate { get; }

    public IReadOnlyList<string> CandidateIds { get; }
}

/// <summary>
/// Finds the certificate an AWS call of unknown outcome may have created (lost response, or a journal intent without
/// its result): among the certificates created since the intent (ListCertificates, newest first), the one whose public
/// key is the CSR's (CreateCertificateFromCsr) or whose DER is ours (RegisterCertificate). Descriptions are cached.
/// </summary>
internal sealed class CertificateFinder
{
    /// <summary>AWS's clock may differ from ours; SigV4 refuses requests more than 5 minutes off, so 5 minutes bounds it.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    private const int MaxPages = 400;
    private const int MaxDescribes = 2000;
    private readonly IotClient _iot;
    private readonly IEngineLog _log;
    private readonly ConcurrentDictionary<string, (IotCertificateDescription Description, CertificateFacts? Parsed)> _described = new(StringComparer.Ordinal);

    public CertificateFinder(IotClient iot, IEngineLog log)
    {
        _iot = iot;
        _log = log;
    }

    /// <summary>
    /// The certificate issued for <paramref name="csr"/> is the one carrying its public key (AWS IoT keeps the CSR's
    /// key). Certificates with the CSR's subject but another key are not taken for it: they make the outcome Ambiguous.
    /// </summary>
    public async Task<CertificateMatch> FindIssuedFromCsrAsync(SigningRequest csr, DateTimeOffset since, Func<string, bool> claimedElsewhere, CancellationToken cancellationToken)
    {
        var candidates = await CandidatesAsync(since, claimedElsewhere, cancellationToken).ConfigureAwait(false);
        byte[] csrKey = csr.SubjectPublicKeyInfoDer;
        var byKey = candidates.Where(c => c.Parsed is not null && Bytes.Same(c.Parsed.SubjectPublicKeyInfoDer, csrKey)).ToList();
        if (byKey.Count == 1)
        {
            return new CertificateMatch(CertificateMatchOutcome.Found, byKey[0].Description, new[] { byKey[0].Description.CertificateId });
        }

        if (byKey.Count > 1)
        {
            return new CertificateMatch(CertificateMatchOutcome.Ambiguous, null, byKey.Select(c => c.Description.CertificateId).ToList());
        }

        byte[] csrSubject = csr.SubjectName.GetDerEncoded();
        var bySubject = candidates.Where(c => c.Parsed is not null && Bytes.Same(c.Parsed.SubjectNameDer, csrSubject)).ToList();
        if (bySubject.Count == 0)
        {
            return new CertificateMatch(CertificateMatchOutcome.NotFound, null, Array.Empty<string>());
        }

        return new CertificateMatch(CertificateMatchOutcome.Ambiguous, null, bySubject.Select(c => c.Description.CertificateId).ToList());
    }

    public async Task<CertificateMatch> FindRegisteredAsync(CertificateFacts certificate, DateTimeOffset since, Func<string, bool> claimedElsewhere, CancellationToken cancellationToken)
    {
        var candidates = await CandidatesAsync(since, claimedElsewhere, cancellationToken).ConfigureAwait(false);
        var same = candidates.Where(c => c.Parsed is not null && Bytes.Same(c.Parsed.Der, certificate.Der)).ToList();
        return same.Count == 1
            ? new CertificateMatch(CertificateMatchOutcome.Found, same[0].Description, new[] { same[0].Description.CertificateId })
            : same.Count == 0
                ? new CertificateMatch(CertificateMatchOutcome.NotFound, null, Array.Empty<string>())
                : new CertificateMatch(CertificateMatchOutcome.Ambiguous, null, same.Select(c => c.Description.CertificateId).ToList());
    }

    private async Task<List<(IotCertificateDescription Description, CertificateFacts? Parsed)>> CandidatesAsync(DateTimeOffset since, Func<string, bool> claimedElsewhere, CancellationToken cancellationToken)
    {
        DateTimeOffset from = since - ClockSkew;
        var ids = new List<string>();
        string? marker = null;
        for (int page = 0; ; page++)
        {
            if (page >= MaxPages)
            {
                throw new ZymException("CertificateSearchTooLarge", ZymErrorCategory.LimitsExceeded,
                    $"Listing the account's certificates to find the one an interrupted call created took more than {MaxPages} pages; resolve it by hand.", null);
            }

            var result = await _iot.ListCertificatesAsync(250, marker, ascendingOrder: false, cancellationToken).ConfigureAwait(false);
            bool anyRecent = false;
            foreach (var summary in result.Items)
            {
                bool recent = summary.CreationDate is null || summary.CreationDate >= from;
                anyRecent |= recent;
                if (recent && !claimedElsewhere(summary.CertificateId))
                {
                    ids.Add(summary.CertificateId);
                }
            }

            marker = result.NextToken;

            // Newest first: once a whole page is older than the intent, the rest is too.
            if (string.IsNullOrEmpty(marker) || (!anyRecent && result.Items.Count > 0))
            {
                break;
            }
        }

        if (ids.Count > MaxDescribes)
        {
            throw new ZymException("CertificateSearchTooLarge", ZymErrorCategory.LimitsExceeded,
                $"{ids.Count} certificates were created around the interrupted call; too many to examine. Resolve it by hand.", null);
        }

        _log.Verbose($"Looking for the certificate an interrupted call may have created among {ids.Count} certificate(s) created since {from:u}.");
        var found = new List<(IotCertificateDescription, CertificateFacts?)>();
        foreach (string id in ids.Distinct(StringComparer.Ordinal))
        {
            if (!_described.TryGetValue(id, out var entry))
            {
                IotCertificateDescription description;
                try
                {
                    description = await _iot.DescribeCertificateAsync(id, cancellationToken).ConfigureAwait(false);
                }
                catch (AwsServiceException ex) when (ex.IsNotFound)
                {
                    continue;
                }

                var parsed = CertificateFacts.TryParse(description.CertificatePem, out _);
                entry = (description, parsed);
                _described[id] = entry;
            }

            found.Add(entry);
        }

        return found;
    }
}
