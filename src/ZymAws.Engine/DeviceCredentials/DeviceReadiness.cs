using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ZymAws.Engine.Aws;
using ZymAws.Engine.Pki;

namespace ZymAws.Engine.DeviceCredentials;

/// <summary>What to judge: a thing (each of its certificates), or a certificate; and what the device would send.</summary>
public sealed class ReadinessQuery
{
    /// <summary>A thing whose attached certificates are judged (when no certificate is given).</summary>
    public string? ThingName { get; set; }

    /// <summary>A certificate (file, PEM, or an object carrying it).</summary>
    public CertificateFacts? Certificate { get; set; }

    /// <summary>A certificate by id only: its PEM is read from the account.</summary>
    public string? CertificateId { get; set; }

    /// <summary>The alias the device asks for; default the certificate's OU.</summary>
    public string? RoleAlias { get; set; }

    /// <summary>The endpoint the device asks; default the certificate's O= and L=.</summary>
    public string? CredentialEndpoint { get; set; }

    /// <summary>The device sends no thing name header.</summary>
    public bool NoThingName { get; set; }

    /// <summary>The item the operator gave (error target).</summary>
    public object? Target { get; set; }

    /// <summary>
    /// The query for one input item, from what it carries: a certificate (PEM text, or a file) is judged as it is, else a
    /// certificate id, else the thing's certificates. The thing name goes with a certificate as the header it sends.
    /// </summary>
    /// <exception cref="ZymException">ReadinessInputUnsupported when the item carries none of these; a certificate's read errors.</exception>
    public static ReadinessQuery For(string? thingName, string? certificatePem, string? certificateFile, string? certificateId, object? target)
    {
        var query = new ReadinessQuery { ThingName = Given(thingName), Target = target };
        if (Given(certificatePem) is { } pem)
        {
            query.Certificate = CertificateFacts.Parse(pem);
        }
        else if (Given(certificateFile) is { } file)
        {
            query.Certificate = CertificateFacts.Load(file);
        }
        else if (Given(certificateId) is { } id)
        {
            query.CertificateId = id;
        }
        else if (query.ThingName is null)
        {
            throw new ZymException("ReadinessInputUnsupported", ZymErrorCategory.InvalidArgument,
                "Cannot tell which device this is: give a thing name, a certificate (object, PEM or file) or a certificate id.", target);
        }

        return query;
    }

    private static string? Given(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}

/// <summary>One device certificate judged: would it get credentials, and every check.</summary>
public sealed class DeviceReadiness
{
    internal DeviceReadiness(string? thingName, string? certificateId, string roleAlias, string? requestedHost, CredentialDecision decision)
    {
        ThingName = thingName;
        CertificateId = certificateId;
        RoleAlias = roleAlias;
        RequestedHost = requestedHost;
        Decision = decision;
    }

    /// <summary>The thing name the device sends (or the thing asked about).</summary>
    public string? ThingName { get; }

    public string? CertificateId { get; }

    public string RoleAlias { get; }

    /// <summary>The host the device would ask.</summary>
    public string? RequestedHost { get; }

    public CredentialDecision Decision { get; }

    public bool Ready => Decision.Allowed;
}

/// <summary>
/// Test-ZymDevice's engine: for a thing (each certificate attached to it) or a certificate, the facts from the control
/// plane judged by <see cref="CredentialRule"/> — exactly what the credentials provider would answer, before a device ships.
/// </summary>
public static class DeviceReadinessChecker
{
    /// <param name="accountEndpointHost">The account's credentials-provider host (DescribeEndpoint), read once by the caller.</param>
    /// <exception cref="ZymException">ThingNotFound, CredentialSettingMissing, CredentialEndpointInvalid, AWS errors.</exception>
    public static async Task<IReadOnlyList<DeviceReadiness>> CheckAsync(AwsSession session, ReadinessQuery query, string accountEndpointHost, CancellationToken cancellationToken = default)
    {
        if (query.Certificate is not null)
        {
            return new[] { await JudgeAsync(session, query, query.Certificate, query.ThingName, accountEndpointHost, cancellationToken).ConfigureAwait(false) };
        }

        if (query.CertificateId is not null)
        {
            var description = await session.Iot.DescribeCertificateAsync(query.CertificateId, cancellationToken).ConfigureAwait(false);
            var certificate = CertificateFacts.Parse(description.CertificatePem ?? string.Empty);
            return new[] { await JudgeAsync(session, query, certificate, query.ThingName, accountEndpointHost, cancellationToken).ConfigureAwait(false) };
        }

        string thing = query.ThingName ?? throw new ArgumentException("A thing name, a certificate or a certificate id is required.", nameof(query));
        IReadOnlyList<string> principals;
        try
        {
            principals = await session.Iot.ListAllThingPrincipalsAsync(thing, 250, cancellationToken).ConfigureAwait(false);
        }
        catch (AwsServiceException e) when (e.IsNotFound)
        {
            throw new ZymException("ThingNotFound", ZymErrorCategory.ObjectNotFound, $"There is no thing '{thing}' in the account.", query.Target ?? thing, e);
        }

        var certificates = principals.Where(p => p.IndexOf(":cert/", StringComparison.Ordinal) > 0).ToList();
        if (certificates.Count == 0)
        {
            // Nothing the device could present: the certificate check fails for want of one.
            var none = new CredentialCheckResult(CredentialCheck.Certificate, CheckOutcome.Failed, $"no certificate is attached to thing '{thing}'");
            return new[] { new DeviceReadiness(thing, null, query.RoleAlias ?? string.Empty, null, new CredentialDecision(new[] { none }, null, null)) };
        }

        var results = new List<DeviceReadiness>(certificates.Count);
        foreach (string arn in certificates)
        {
            string id = arn.Substring(arn.LastIndexOf('/') + 1);
            var description = await session.Iot.DescribeCertificateAsync(id, cancellationToken).ConfigureAwait(false);
            var certificate = CertificateFacts.Parse(description.CertificatePem ?? string.Empty);
            results.Add(await JudgeAsync(session, query, certificate, thing, accountEndpointHost, cancellationToken).ConfigureAwait(false));
        }

        return results;
    }

    private static async Task<DeviceReadiness> JudgeAsync(AwsSession session, ReadinessQuery query, CertificateFacts certificate, string? thingName, string accountEndpointHost, CancellationToken cancellationToken)
    {
        var subject = certificate.DeviceSubject;
        string source = certificate.Source ?? certificate.Subject;
        string alias = query.RoleAlias ?? subject.RoleAlias ?? throw new ZymException("CredentialSettingMissing", ZymErrorCategory.InvalidArgument,
            $"The certificate {source} has no OU= (role alias), so it does not say which alias the device asks for: give -RoleAlias.", query.Target ?? source);
        string? header = query.NoThingName ? null : thingName ?? (subject.ThingName.Length > 0 ? subject.ThingName : null);
        string? requestedHost = CredentialEndpointName.ForDevice(query.CredentialEndpoint, null, subject.CredentialEndpoint, subject.Region)?.Host;
        var credentialQuery = CredentialQuery.For(certificate, alias);
        credentialQuery.ThingName = header;
        credentialQuery.RequestedHost = requestedHost;
        credentialQuery.EndpointHost = accountEndpointHost;
        var facts = await CredentialFactsReader.ReadAsync(session, credentialQuery, cancellationToken).ConfigureAwait(false);
        return new DeviceReadiness(header ?? thingName, certificate.CertificateId, alias, requestedHost, CredentialRule.Evaluate(facts));
    }
}
