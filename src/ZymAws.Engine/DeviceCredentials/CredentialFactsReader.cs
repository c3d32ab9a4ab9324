using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ZymAws.Engine.Aws;
using ZymAws.Engine.CredentialProvider.Internal;
using ZymAws.Engine.Pki;

namespace ZymAws.Engine.DeviceCredentials;

/// <summary>One credentials request to gather facts for.</summary>
public sealed class CredentialQuery
{
    public CredentialQuery(string certificateId, string roleAlias)
    {
        CertificateId = certificateId ?? throw new ArgumentNullException(nameof(certificateId));
        RoleAlias = roleAlias ?? throw new ArgumentNullException(nameof(roleAlias));
    }

    /// <summary>The certificate's id: lowercase hex SHA-256 of its DER.</summary>
    public string CertificateId { get; }

    /// <summary>The alias asked for.</summary>
    public string RoleAlias { get; }

    /// <summary>The thing name header, or null.</summary>
    public string? ThingName { get; set; }

    /// <summary>The host the device asks (SNI), or null.</summary>
    public string? RequestedHost { get; set; }

    /// <summary>The account's credentials-provider host when the caller knows it; otherwise DescribeEndpoint is asked.</summary>
    public string? EndpointHost { get; set; }

    /// <summary>Subject fields (CommonName, Organization, ...) for iot:Certificate.Subject.* policy variables.</summary>
    public IReadOnlyDictionary<string, string> SubjectFields { get; set; } = new Dictionary<string, string>();

    /// <summary>A query for <paramref name="certificate"/>: its id, and its subject fields for policy variables.</summary>
    public static CredentialQuery For(CertificateFacts certificate, string roleAlias)
    {
        var fields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var subject = certificate.DeviceSubject;
        foreach (var (name, value) in new[]
        {
            ("CommonName", subject.ThingName), ("Organization", subject.CredentialEndpoint), ("OrganizationalUnit", subject.RoleAlias),
            ("Locality", subject.Region), ("StateName", subject.IotPolicy),
        })
        {
            if (!string.IsNullOrEmpty(value))
            {
                fields[name] = value!;
            }
        }

        return new CredentialQuery(certificate.CertificateId, roleAlias) { SubjectFields = fields };
    }
}

/// <summary>
/// Reads the facts <see cref="CredentialRule"/> judges from the control plane (AWS IoT and IAM, or moto): the
/// certificate and its CA, the things and policies attached to it, the alias and its role. About seven calls, the
/// independent ones in parallel; things that do not exist are facts (null), not errors. Nothing is cached, so a
/// device silenced a moment ago is judged silenced.
/// </summary>
public static class CredentialFactsReader
{
    public static async Task<CredentialFacts> ReadAsync(AwsSession session, CredentialQuery query, CancellationToken cancellationToken = default)
    {
        if (session is null)
        {
            throw new ArgumentNullException(nameof(session));
        }

        var iot = session.Iot;
        var certTask = OrNull(() => iot.DescribeCertificateAsync(query.CertificateId, cancellationToken));
        var aliasTask = OrNull(() => iot.DescribeRoleAliasAsync(query.RoleAlias, cancellationToken));
        var endpointTask = query.EndpointHost is not null
            ? Task.FromResult<string?>(query.EndpointHost)
            : OrNull(() => iot.DescribeEndpointAsync(IotEndpointType.CredentialProvider, cancellationToken));

        var description = await certTask.ConfigureAwait(false);
        RegisteredCertificate? certificate = null;
        IReadOnlyList<string> things = Array.Empty<string>();
        IReadOnlyList<PolicyFacts> policies = Array.Empty<PolicyFacts>();
        if (description is not null)
        {
            var thingsTask = iot.ListAllPrincipalThingsAsync(description.CertificateArn, 250, cancellationToken);
            var policiesTask = ReadPoliciesAsync(iot, description.CertificateArn, cancellationToken);
            certificate = await WithCaAsync(iot, description, cancellationToken).ConfigureAwait(false);
            things = await thingsTask.ConfigureAwait(false);
            policies = await policiesTask.ConfigureAwait(false);
        }

        var alias = await aliasTask.ConfigureAwait(false);
        RoleAliasFacts? aliasFacts = null;
        RoleFacts? role = null;
        if (alias is not null)
        {
            aliasFacts = new RoleAliasFacts(alias.RoleAlias, alias.RoleAliasArn, alias.RoleArn ?? string.Empty, alias.CredentialDurationSeconds ?? 3600);
            string? roleName = AwsNames.RoleNameFromArn(alias.RoleArn);
            if (roleName is not null)
            {
                var iamRole = await OrNull(() => session.Iam.GetRoleAsync(roleName, cancellationToken)).ConfigureAwait(false);
                role = iamRole is null ? null : new RoleFacts(iamRole.RoleName, iamRole.Arn, iamRole.AssumeRolePolicyDocument, iamRole.MaxSessionDuration);
            }
        }

        // The thing's type and attributes matter only to policies that use them as variables: read them only then.
        string? thingType = null;
        IReadOnlyDictionary<string, string> attributes = new Dictionary<string, string>();
        if (query.ThingName is not null && things.Contains(query.ThingName, StringComparer.Ordinal) &&
            policies.Any(p => p.Document.IndexOf("Thing.Attributes", StringComparison.OrdinalIgnoreCase) >= 0 || p.Document.IndexOf("ThingTypeName", StringComparison.OrdinalIgnoreCase) >= 0))
        {
            var thing = await OrNull(() => iot.DescribeThingAsync(query.ThingName, cancellationToken)).ConfigureAwait(false);
            thingType = thing?.ThingTypeName;
            attributes = thing?.Attributes ?? attributes;
        }

        return new CredentialFacts(session.Region, query.RoleAlias)
        {
            AccountId = AccountOf(certificate?.CertificateArn) ?? AccountOf(aliasFacts?.Arn),
            EndpointHost = await endpointTask.ConfigureAwait(false),
            RequestedHost = query.RequestedHost,
            CertificateId = query.CertificateId,
            Certificate = certificate,
            ThingName = query.ThingName,
            AttachedThings = things,
            ThingTypeName = thingType,
            ThingAttributes = attributes,
            Policies = policies,
            RoleAlias = aliasFacts,
            Role = role,
            SubjectFields = query.SubjectFields,
        };
    }

    /// <summary>The certificate and its CA's status (what the endpoint judges during the TLS handshake), or null when unknown.</summary>
    public static async Task<RegisteredCertificate?> ReadCertificateAsync(AwsSession session, string certificateId, CancellationToken cancellationToken = default)
    {
        var description = await OrNull(() => session.Iot.DescribeCertificateAsync(certificateId, cancellationToken)).ConfigureAwait(false);
        return description is null ? null : await WithCaAsync(session.Iot, description, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<RegisteredCertificate> WithCaAsync(IotClient iot, IotCertificateDescription description, CancellationToken cancellationToken)
    {
        var ca = description.CaCertificateId is null
            ? null
            : await OrNull(() => iot.DescribeCaCertificateAsync(description.CaCertificateId, cancellationToken)).ConfigureAwait(false);
        return new RegisteredCertificate(description.CertificateId, description.CertificateArn, description.Status ?? "UNKNOWN")
        {
            CaCertificateId = description.CaCertificateId,
            CaStatus = ca?.Status,
            NotBefore = description.ValidityNotBefore,
            NotAfter = description.ValidityNotAfter,
        };
    }

    private static async Task<IReadOnlyList<PolicyFacts>> ReadPoliciesAsync(IotClient iot, string certificateArn, CancellationToken cancellationToken)
    {
        var attached = await iot.ListAllAttachedPoliciesAsync(certificateArn, null, 250, cancellationToken).ConfigureAwait(false);
        var documents = await Task.WhenAll(attached.Select(async p =>
        {
            var policy = await OrNull(() => iot.GetPolicyAsync(p.PolicyName, cancellationToken)).ConfigureAwait(false);
            return policy?.PolicyDocument is null ? null : new PolicyFacts(p.PolicyName, policy.PolicyDocument);
        })).ConfigureAwait(false);
        return documents.Where(d => d is not null).Select(d => d!).ToList();
    }

    /// <summary>The account in an ARN (its fifth field), or null.</summary>
    internal static string? AccountOf(string? arn)
    {
        if (arn is null)
        {
            return null;
        }

        var parts = arn.Split(':');
        return parts.Length > 5 && parts[4].Length > 0 ? parts[4] : null;
    }

    private static async Task<T?> OrNull<T>(Func<Task<T>> call)
        where T : class
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (AwsServiceException e) when (e.IsNotFound)
        {
            return null;
        }
    }
}
