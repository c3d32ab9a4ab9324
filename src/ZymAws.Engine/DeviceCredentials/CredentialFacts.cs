using System;
using System.Collections.Generic;
using ZymAws.Engine.CredentialProvider.Internal;

namespace ZymAws.Engine.DeviceCredentials;

/// <summary>A registered certificate as the control plane describes it.</summary>
public sealed record RegisteredCertificate(string CertificateId, string CertificateArn, string Status)
{
    /// <summary>The CA it was registered with, or null (registered without a CA, or issued by AWS IoT).</summary>
    public string? CaCertificateId { get; init; }

    /// <summary>That CA's status, or null when it is no longer registered.</summary>
    public string? CaStatus { get; init; }

    /// <summary>Start of the certificate's validity, when known.</summary>
    public DateTimeOffset? NotBefore { get; init; }

    /// <summary>End of the certificate's validity, when known.</summary>
    public DateTimeOffset? NotAfter { get; init; }
}

/// <summary>An IoT policy attached to the certificate: its name and default version's document.</summary>
public sealed record PolicyFacts(string Name, string Document);

/// <summary>A role alias: the role it names and how long its credentials last.</summary>
public sealed record RoleAliasFacts(string Name, string Arn, string RoleArn, int DurationSeconds);

/// <summary>An IAM role: its trust policy and MaxSessionDuration.</summary>
public sealed record RoleFacts(string Name, string Arn, string? TrustPolicy, int? MaxSessionDuration);

/// <summary>
/// Everything <see cref="CredentialRule"/> needs to judge one credentials request: the request (host asked, certificate,
/// thing name header, alias) and what the control plane holds about each. Built by <see cref="CredentialFactsReader"/>
/// from AWS (or moto), or by hand in tests and from paged fleet listings.
/// </summary>
public sealed class CredentialFacts
{
    public CredentialFacts(string region, string roleAliasName)
    {
        Region = region ?? throw new ArgumentNullException(nameof(region));
        RoleAliasName = roleAliasName ?? throw new ArgumentNullException(nameof(roleAliasName));
    }

    /// <summary>The region of the endpoint (and of every ARN).</summary>
    public string Region { get; }

    /// <summary>The account, when known (from the certificate's or the alias's ARN).</summary>
    public string? AccountId { get; init; }

    /// <summary>The account's credentials-provider host in <see cref="Region"/>, when known.</summary>
    public string? EndpointHost { get; init; }

    /// <summary>The host the device asks (TLS SNI), or null when it sends none.</summary>
    public string? RequestedHost { get; init; }

    /// <summary>The certificate's id (SHA-256 of its DER), known even when it is not registered.</summary>
    public string? CertificateId { get; init; }

    /// <summary>The registered certificate, or null when the account does not know it.</summary>
    public RegisteredCertificate? Certificate { get; init; }

    /// <summary>The x-amzn-iot-thingname header, or null when not sent.</summary>
    public string? ThingName { get; init; }

    /// <summary>Things the certificate is attached to.</summary>
    public IReadOnlyList<string> AttachedThings { get; init; } = Array.Empty<string>();

    /// <summary>The named thing's type, for policy variables (when read).</summary>
    public string? ThingTypeName { get; init; }

    /// <summary>The named thing's attributes, for policy variables (when read).</summary>
    public IReadOnlyDictionary<string, string> ThingAttributes { get; init; } = new Dictionary<string, string>();

    /// <summary>Policies attached to the certificate.</summary>
    public IReadOnlyList<PolicyFacts> Policies { get; init; } = Array.Empty<PolicyFacts>();

    /// <summary>The alias the device asks for (the URL's /role-aliases/&lt;alias&gt;).</summary>
    public string RoleAliasName { get; }

    /// <summary>The alias, or null when it does not exist.</summary>
    public RoleAliasFacts? RoleAlias { get; init; }

    /// <summary>The alias's role, or null when it does not exist.</summary>
    public RoleFacts? Role { get; init; }

    /// <summary>Subject fields of the certificate for iot:Certificate.Subject.* variables (CommonName, Organization, ...).</summary>
    public IReadOnlyDictionary<string, string> SubjectFields { get; init; } = new Dictionary<string, string>();

    /// <summary>The time the request is judged at (certificate validity).</summary>
    public DateTimeOffset Now { get; init; } = DateTimeOffset.UtcNow;

    /// <summary>The ARN the policy check is about: arn:PARTITION:iot:REGION:ACCOUNT:rolealias/NAME.</summary>
    public string RoleAliasArn => RoleAlias?.Arn ?? AwsNames.IotArn(Region, AccountId ?? "*", "rolealias/" + RoleAliasName);
}
