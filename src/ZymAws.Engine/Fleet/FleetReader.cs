using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ZymAws.Engine.Aws;
using ZymAws.Engine.CredentialProvider.Internal;
using ZymAws.Engine.DeviceCredentials;
using ZymAws.Engine.Pki;

namespace ZymAws.Engine.Fleet;

/// <summary>Which devices to list.</summary>
public sealed class FleetQuery
{
    /// <summary>Thing names to list, with * and ? wildcards (case-insensitive); none = every thing.</summary>
    public IReadOnlyList<string> ThingNames { get; set; } = Array.Empty<string>();

    /// <summary>Only devices with a certificate issued by this registered CA (its id).</summary>
    public string? CaCertificateId { get; set; }

    /// <summary>Only devices with a certificate in this status (ACTIVE, INACTIVE, REVOKED).</summary>
    public string? Status { get; set; }

    /// <summary>The alias devices ask for, to judge them without reading each certificate; default: the account's only alias.</summary>
    public string? RoleAlias { get; set; }

    /// <summary>Read each certificate (DescribeCertificate: validity and subject): one more call per certificate, and each device judged by its own subject.</summary>
    public bool Detailed { get; set; }

    /// <summary>Things whose principals are read at once. Default 8.</summary>
    public int Concurrency { get; set; } = 8;

    /// <summary>
    /// Called (one call at a time) as each device is listed: devices listed so far, how many there are when that is
    /// known (names given without wildcards), and the thing's name. For progress.
    /// </summary>
    public Action<int, int?, string>? DeviceListed { get; set; }
}

/// <summary>One certificate of a device, as the account holds it.</summary>
public sealed class FleetEntryCertificate
{
    internal FleetEntryCertificate(string id, string arn, string status)
    {
        CertificateId = id;
        CertificateArn = arn;
        Status = status;
    }

    public string CertificateId { get; }

    public string CertificateArn { get; }

    /// <summary>ACTIVE, INACTIVE, REVOKED, PENDING_TRANSFER, ...</summary>
    public string Status { get; }

    /// <summary>The registered CA that issued it, or null (issued by AWS IoT, or registered without a CA).</summary>
    public string? CaCertificateId { get; internal set; }

    public string? CaStatus { get; internal set; }

    /// <summary>IoT policies attached to it.</summary>
    public IReadOnlyList<string> Policies { get; internal set; } = Array.Empty<string>();

    /// <summary>End of validity (only when read in detail).</summary>
    public DateTimeOffset? NotAfter { get; internal set; }

    /// <summary>Its subject in the seed layout (only when read in detail).</summary>
    public DeviceSubject? Subject { get; internal set; }

    /// <summary>What the credentials provider would answer for it, or null when it cannot be told (no alias known).</summary>
    public CredentialDecision? Decision { get; internal set; }
}

/// <summary>One device: a thing and the certificates attached to it.</summary>
public sealed class FleetEntry
{
    internal FleetEntry(string thingName, string thingArn)
    {
        ThingName = thingName;
        ThingArn = thingArn;
    }

    public string ThingName { get; }

    public string ThingArn { get; }

    public string? ThingTypeName { get; internal set; }

    public IReadOnlyDictionary<string, string> Attributes { get; internal set; } = new Dictionary<string, string>();

    public IReadOnlyList<FleetEntryCertificate> Certificates { get; internal set; } = Array.Empty<FleetEntryCertificate>();

    /// <summary>True when one of its certificates would get credentials; false when none would; null when it cannot be told.</summary>
    public bool? CredentialsReady => Certificates.Any(c => c.Decision?.Allowed == true) ? true
        : Certificates.Count > 0 && Certificates.All(c => c.Decision is not null) ? false
        : Certificates.Count == 0 ? false
        : null;
}

/// <summary>What a listing cost.</summary>
public sealed class FleetListing
{
    internal FleetListing(int devices, long calls)
    {
        Devices = devices;
        Calls = calls;
    }

    public int Devices { get; }

    /// <summary>AWS operations called.</summary>
    public long Calls { get; }

    public double CallsPerDevice => Devices == 0 ? Calls : (double)Calls / Devices;

    /// <summary>Names given without wildcards for which the account has no thing.</summary>
    public IReadOnlyList<string> NotFound { get; internal set; } = Array.Empty<string>();
}

/// <summary>
/// Get-ZymDevice's engine: the fleet read by pages — CAs, certificates by CA (with status), every certificate, policies
/// and their targets, role aliases and their roles, things — so that a device costs one call of its own
/// (ListThingPrincipals: AWS has no bulk thing-to-certificate listing), two with <see cref="FleetQuery.Detailed"/>.
/// Each certificate is judged by <see cref="CredentialRule"/> from those pages (cheaply: the alias is the one given or
/// the account's only one; in detail: the certificate's own OU= and O=/L=). Devices the seed's scripts provisioned
/// appear exactly like the module's own: both are a thing with a certificate and a policy.
/// </summary>
public static class FleetReader
{
    private const int Page = FleetPages.PageSize;

    /// <summary>Lists the devices, calling <paramref name="onDevice"/> for each (in the order AWS lists things).</summary>
    public static async Task<FleetListing> ReadAsync(AwsSession session, FleetQuery query, Func<FleetEntry, Task> onDevice, CancellationToken cancellationToken = default)
    {
        long callsBefore = session.CallCount;
        var iot = session.Iot;

        // Certificates, with status and CA, by pages.
        var cas = (await iot.ListAllCaCertificatesAsync(Page, cancellationToken).ConfigureAwait(false)).ToDictionary(c => c.CertificateId, c => c.Status, StringComparer.Ordinal);
        if (query.CaCertificateId is not null && !cas.ContainsKey(query.CaCertificateId))
        {
            throw new ZymException("CaCertificateNotRegistered", ZymErrorCategory.ObjectNotFound,
                $"CA certificate {query.CaCertificateId} is not registered with AWS IoT in {session.Region}: no device can have a certificate it issued there.", query.CaCertificateId);
        }

        var certificates = new Dictionary<string, FleetEntryCertificate>(StringComparer.Ordinal);
        foreach (string caId in cas.Keys.Where(id => query.CaCertificateId is null || id == query.CaCertificateId))
        {
            await FleetPages.CertificatesAsync(iot, caId, page =>
            {
                foreach (var summary in page)
                {
                    certificates[summary.CertificateId] = new FleetEntryCertificate(summary.CertificateId, summary.CertificateArn, summary.Status ?? "UNKNOWN")
                    {
                        CaCertificateId = caId,
                        CaStatus = cas[caId],
                    };
                }

                return Task.CompletedTask;
            }, cancellationToken).ConfigureAwait(false);
        }

        if (query.CaCertificateId is null)
        {
            await FleetPages.CertificatesAsync(iot, null, page =>
            {
                foreach (var summary in page)
                {
                    if (!certificates.ContainsKey(summary.CertificateId))
                    {
                        certificates[summary.CertificateId] = new FleetEntryCertificate(summary.CertificateId, summary.CertificateArn, summary.Status ?? "UNKNOWN");
                    }
                }

                return Task.CompletedTask;
            }, cancellationToken).ConfigureAwait(false);
        }

        // Policies, their documents and their targets.
        var documents = new Dictionary<string, string>(StringComparer.Ordinal);
        var policiesByTarget = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var policy in await iot.ListAllPoliciesAsync(Page, cancellationToken).ConfigureAwait(false))
        {
            documents[policy.PolicyName] = (await iot.GetPolicyAsync(policy.PolicyName, cancellationToken).ConfigureAwait(false)).PolicyDocument ?? string.Empty;
            await FleetPages.PolicyTargetsAsync(iot, policy.PolicyName, page =>
            {
                foreach (string target in page)
                {
                    if (!policiesByTarget.TryGetValue(target, out var list))
                    {
                        policiesByTarget[target] = list = new List<string>();
                    }

                    list.Add(policy.PolicyName);
                }

                return Task.CompletedTask;
            }, cancellationToken).ConfigureAwait(false);
        }

        foreach (var certificate in certificates.Values)
        {
            certificate.Policies = policiesByTarget.TryGetValue(certificate.CertificateArn, out var names) ? names : (IReadOnlyList<string>)Array.Empty<string>();
        }

        // Aliases and roles, for judging.
        var aliases = new Dictionary<string, (RoleAliasFacts Alias, RoleFacts? Role)>(StringComparer.Ordinal);
        foreach (string name in await iot.ListAllRoleAliasesAsync(Page, cancellationToken).ConfigureAwait(false))
        {
            var alias = await iot.DescribeRoleAliasAsync(name, cancellationToken).ConfigureAwait(false);
            var facts = new RoleAliasFacts(alias.RoleAlias, alias.RoleAliasArn, alias.RoleArn ?? string.Empty, alias.CredentialDurationSeconds ?? 3600);
            aliases[name] = (facts, await ReadRoleAsync(session, alias.RoleArn, cancellationToken).ConfigureAwait(false));
        }

        string endpointHost = await iot.DescribeEndpointAsync(IotEndpointType.CredentialProvider, cancellationToken).ConfigureAwait(false);
        string? defaultAlias = query.RoleAlias ?? (aliases.Count == 1 ? aliases.Keys.First() : null);
        var judge = new Judge(session.Region, endpointHost, documents, aliases, query.RoleAlias, defaultAlias);

        // Things by pages (or, for names without wildcards, each named thing); each thing's certificates (one call), then its entry.
        int devices = 0;
        var notFound = new List<string>();
        var patterns = query.ThingNames.Where(p => !string.IsNullOrWhiteSpace(p)).Distinct(StringComparer.Ordinal).ToList();
        bool literal = patterns.Count > 0 && patterns.All(p => p.IndexOfAny(Wildcards) < 0);
        if (literal)
        {
            var named = new List<IotThingSummary>();
            foreach (string name in patterns)
            {
                var thing = await DescribeThingAsync(session, name, cancellationToken).ConfigureAwait(false);
                if (thing is null)
                {
                    notFound.Add(name);
                }
                else
                {
                    named.Add(thing);
                }
            }

            await EntriesAsync(named).ConfigureAwait(false);
        }
        else
        {
            await FleetPages.ThingsAsync(iot, page => EntriesAsync(page.Where(t => patterns.Count == 0 || patterns.Any(p => PolicyEvaluator.Like(p, t.ThingName, ignoreCase: true))).ToList()), cancellationToken).ConfigureAwait(false);
        }

        return new FleetListing(devices, session.CallCount - callsBefore) { NotFound = notFound };

        async Task EntriesAsync(List<IotThingSummary> wanted)
        {
            var entries = new FleetEntry?[wanted.Count];
            using var gate = new SemaphoreSlim(Math.Max(1, query.Concurrency));
            await Task.WhenAll(wanted.Select(async (thing, index) =>
            {
                await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    entries[index] = await EntryAsync(session, thing, certificates, judge, query, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    gate.Release();
                }
            })).ConfigureAwait(false);

            foreach (var entry in entries)
            {
                if (entry is not null)
                {
                    devices++;
                    await onDevice(entry).ConfigureAwait(false);
                    query.DeviceListed?.Invoke(devices, literal ? patterns.Count : null, entry.ThingName);
                }
            }
        }
    }

    private static readonly char[] Wildcards = { '*', '?' };

    private static async Task<IotThingSummary?> DescribeThingAsync(AwsSession session, string name, CancellationToken cancellationToken)
    {
        try
        {
            var thing = await session.Iot.DescribeThingAsync(name, cancellationToken).ConfigureAwait(false);
            return new IotThingSummary(thing.ThingName, thing.ThingArn) { ThingTypeName = thing.ThingTypeName, Attributes = thing.Attributes, Version = thing.Version };
        }
        catch (AwsServiceException e) when (e.IsNotFound)
        {
            return null;
        }
    }

    private static async Task<FleetEntry?> EntryAsync(AwsSession session, IotThingSummary thing, Dictionary<string, FleetEntryCertificate> known, Judge judge, FleetQuery query, CancellationToken cancellationToken)
    {
        IReadOnlyList<string> principals;
        try
        {
            principals = await session.Iot.ListAllThingPrincipalsAsync(thing.ThingName, Page, cancellationToken).ConfigureAwait(false);
        }
        catch (AwsServiceException e) when (e.IsNotFound)
        {
            return null;
        }

        var certificates = new List<FleetEntryCertificate>();
        foreach (string arn in principals.Where(p => p.IndexOf(":cert/", StringComparison.Ordinal) > 0))
        {
            string id = arn.Substring(arn.LastIndexOf('/') + 1);
            if (!known.TryGetValue(id, out var certificate))
            {
                // Registered after the certificate pages were read, or under a CA the query left out.
                if (query.CaCertificateId is not null)
                {
                    continue;
                }

                var described = await session.Iot.DescribeCertificateAsync(id, cancellationToken).ConfigureAwait(false);
                certificate = new FleetEntryCertificate(id, described.CertificateArn, described.Status ?? "UNKNOWN") { CaCertificateId = described.CaCertificateId };
            }

            certificate = Copy(certificate);
            if (query.Detailed)
            {
                var described = await session.Iot.DescribeCertificateAsync(id, cancellationToken).ConfigureAwait(false);
                certificate.NotAfter = described.ValidityNotAfter;
                certificate.Subject = described.CertificatePem is null ? null : CertificateFacts.TryParse(described.CertificatePem, out _)?.DeviceSubject;
            }

            certificate.Decision = judge.Evaluate(thing, certificate);
            certificates.Add(certificate);
        }

        if ((query.Status is not null && !certificates.Any(c => string.Equals(c.Status, query.Status, StringComparison.OrdinalIgnoreCase)))
            || (query.CaCertificateId is not null && certificates.Count == 0))
        {
            return null;
        }

        return new FleetEntry(thing.ThingName, thing.ThingArn)
        {
            ThingTypeName = thing.ThingTypeName,
            Attributes = thing.Attributes,
            Certificates = certificates,
        };
    }

    private static FleetEntryCertificate Copy(FleetEntryCertificate c) => new(c.CertificateId, c.CertificateArn, c.Status)
    {
        CaCertificateId = c.CaCertificateId,
        CaStatus = c.CaStatus,
        Policies = c.Policies,
    };

    private static async Task<RoleFacts?> ReadRoleAsync(AwsSession session, string? roleArn, CancellationToken cancellationToken)
    {
        string? name = AwsNames.RoleNameFromArn(roleArn);
        if (name is null)
        {
            return null;
        }

        try
        {
            var role = await session.Iam.GetRoleAsync(name, cancellationToken).ConfigureAwait(false);
            return new RoleFacts(role.RoleName, role.Arn, role.AssumeRolePolicyDocument, role.MaxSessionDuration);
        }
        catch (AwsServiceException e) when (e.IsNotFound)
        {
            return null;
        }
    }

    /// <summary>Judges a certificate from the pages read (no call of its own).</summary>
    private sealed class Judge
    {
        private readonly string _region;
        private readonly string _endpointHost;
        private readonly Dictionary<string, string> _documents;
        private readonly Dictionary<string, (RoleAliasFacts Alias, RoleFacts? Role)> _aliases;
        private readonly string? _givenAlias;
        private readonly string? _defaultAlias;

        public Judge(string region, string endpointHost, Dictionary<string, string> documents, Dictionary<string, (RoleAliasFacts, RoleFacts?)> aliases, string? givenAlias, string? defaultAlias)
        {
            _givenAlias = givenAlias;
            _region = region;
            _endpointHost = endpointHost;
            _documents = documents;
            _aliases = aliases;
            _defaultAlias = defaultAlias;
        }

        public CredentialDecision? Evaluate(IotThingSummary thing, FleetEntryCertificate certificate)
        {
            // The alias the operator names is the one devices are judged for; else the certificate's own OU=; else the account's only one.
            string? aliasName = _givenAlias ?? certificate.Subject?.RoleAlias ?? _defaultAlias;
            if (aliasName is null)
            {
                return null;
            }

            _aliases.TryGetValue(aliasName, out var alias);
            var subject = certificate.Subject;
            string requested = subject is null ? _endpointHost
                : CredentialEndpointName.ForDevice(null, null, subject.CredentialEndpoint, subject.Region)?.Host ?? _endpointHost;
            var facts = new CredentialFacts(_region, aliasName)
            {
                AccountId = CredentialFactsReader.AccountOf(certificate.CertificateArn),
                EndpointHost = _endpointHost,
                RequestedHost = requested,
                CertificateId = certificate.CertificateId,
                Certificate = new RegisteredCertificate(certificate.CertificateId, certificate.CertificateArn, certificate.Status)
                {
                    CaCertificateId = certificate.CaCertificateId,
                    CaStatus = certificate.CaStatus,
                    NotAfter = certificate.NotAfter,
                },
                ThingName = thing.ThingName,
                AttachedThings = new[] { thing.ThingName },
                ThingTypeName = thing.ThingTypeName,
                ThingAttributes = thing.Attributes,
                Policies = certificate.Policies.Where(_documents.ContainsKey).Select(p => new PolicyFacts(p, _documents[p])).ToList(),
                RoleAlias = alias.Alias,
                Role = alias.Role,
            };
            return CredentialRule.Evaluate(facts);
        }
    }
}
