using System;
using System.Collections.Generic;
using System.Linq;

namespace ZymAws.Engine.DeviceCredentials;

/// <summary>The checks the AWS IoT credentials provider makes, in the order it makes them.</summary>
public enum CredentialCheck
{
    /// <summary>The device asks this account's credentials-provider host (TLS SNI = the endpoint host).</summary>
    Endpoint,

    /// <summary>The certificate is registered in the account, ACTIVE, and within its validity.</summary>
    Certificate,

    /// <summary>The CA that issued the certificate, when it was registered with one, is ACTIVE.</summary>
    CertificateAuthority,

    /// <summary>The x-amzn-iot-thingname header, when sent, names a thing attached to the certificate.</summary>
    ThingName,

    /// <summary>A policy attached to the certificate allows iot:AssumeRoleWithCertificate on the role alias, and none denies it.</summary>
    Policy,

    /// <summary>The role alias exists.</summary>
    RoleAlias,

    /// <summary>The alias's role exists and trusts credentials.iot.amazonaws.com.</summary>
    Role,

    /// <summary>The alias's credential duration is within the role's MaxSessionDuration.</summary>
    Duration,
}

/// <summary>How one check came out.</summary>
public enum CheckOutcome
{
    Passed,
    Failed,

    /// <summary>Not evaluated: what it needs is missing because an earlier check failed (e.g. no certificate, so no policies).</summary>
    Skipped,

    /// <summary>Does not apply to this request (no thing header sent, no CA).</summary>
    NotApplicable,
}

/// <summary>
/// How the credentials provider refuses when a check fails: the HTTP status, <c>x-amzn-ErrorType</c> and body message
/// it answers, or a refusal inside the TLS handshake. One table, used by the rule (<see cref="CredentialRule"/>), the
/// local endpoint (which answers with it) and the device client (which reads a refusal back into a check).
/// </summary>
public sealed class CredentialRefusal
{
    private CredentialRefusal(CredentialCheck check, int? status, string? errorType, string message, string errorId, string fix)
    {
        Check = check;
        HttpStatus = status;
        ErrorType = errorType;
        Message = message;
        ErrorId = errorId;
        Fix = fix;
    }

    /// <summary>The check this refusal reports.</summary>
    public CredentialCheck Check { get; }

    /// <summary>403, 404 or 400; null when the refusal is a TLS alert in the handshake.</summary>
    public int? HttpStatus { get; }

    /// <summary>The x-amzn-ErrorType header value (null for a TLS refusal).</summary>
    public string? ErrorType { get; }

    /// <summary>The body's message exactly as AWS sends it, or a description of the TLS refusal.</summary>
    public string Message { get; }

    /// <summary>The module's error id for this refusal.</summary>
    public string ErrorId { get; }

    /// <summary>What an operator does about it.</summary>
    public string Fix { get; }

    /// <summary>Whether AWS refuses this one in the TLS handshake rather than with an HTTP answer.</summary>
    public bool InHandshake => HttpStatus is null;

    // The statuses and messages are AWS's (../shared/reference/aws-iot.md). UNVERIFIED: the ErrorType of the 404 and
    // 400 answers, and that an unknown/INACTIVE/REVOKED certificate (or a certificate whose CA is not ACTIVE) is refused
    // in the TLS handshake rather than with 403 "Certificate is invalid on this endpoint": the local endpoint refuses
    // in the handshake, and the client recognises both.
    private static readonly CredentialRefusal[] s_table =
    {
        new(CredentialCheck.Endpoint, 403, "AccessDeniedException", "Certificate is invalid on this endpoint", "CredentialEndpointMismatch",
            "Connect to the account's credentials-provider host (Get-ZymCredentialProviderEndpoint) with TLS SNI set to it; the certificate's O= (endpoint prefix) and L= (region) must name it."),
        new(CredentialCheck.Certificate, null, null, "The certificate was refused in the TLS handshake", "CredentialCertificateRefused",
            "Register the certificate in the account and make it ACTIVE (Invoke-ZymDeviceProvisioning registers it; Enable-ZymDevice reactivates one disabled on purpose; a REVOKED one needs a new certificate)."),
        new(CredentialCheck.CertificateAuthority, null, null, "The certificate was refused in the TLS handshake", "CredentialCertificateRefused",
            "The CA that issued the certificate is registered but not ACTIVE: activate it (Enable-ZymCertificateAuthority, or Register-ZymCaWithAws -SetActive)."),
        new(CredentialCheck.ThingName, 403, "AccessDeniedException", "Invalid thing name passed", "CredentialThingNameInvalid",
            "Send the name of a thing the certificate is attached to (the certificate's CN in the seed layout), or attach the certificate to that thing."),
        new(CredentialCheck.Policy, 403, "AccessDeniedException", "Access Denied", "CredentialAccessDenied",
            "Attach an IoT policy allowing iot:AssumeRoleWithCertificate on the role alias to the certificate (New-ZymIotPolicy; its condition needs the thing name header and the thing attached)."),
        new(CredentialCheck.RoleAlias, 404, "ResourceNotFoundException", "Role alias does not exist", "CredentialRoleAliasNotFound",
            "Create the role alias (New-ZymRoleAlias or Initialize-ZymCredentialProvider), or ask for the alias that exists (the certificate's OU=)."),
        new(CredentialCheck.Role, 400, "InvalidRequestException", "Unable to assume the role, or the role to assume does not exist", "CredentialRoleUnusable",
            "Make the alias point at an existing role whose trust policy lets credentials.iot.amazonaws.com call sts:AssumeRole (New-ZymCredentialProviderRole)."),
        new(CredentialCheck.Duration, 400, "InvalidRequestException", "The requested CredentialDurationSeconds exceeds the MaxSessionDuration set for the role", "CredentialDurationTooLong",
            "Lower the alias's credential duration (New-ZymRoleAlias -CredentialDurationSeconds) or raise the role's MaxSessionDuration."),
    };

    /// <summary>The refusal for a failed check.</summary>
    public static CredentialRefusal For(CredentialCheck check) => s_table.First(r => r.Check == check);

    /// <summary>
    /// Reads an HTTP refusal back into the check it reports (by status and message), or null when it is none of the
    /// table's (429, 5xx, an unknown body). 403 "Certificate is invalid on this endpoint" is the Endpoint row.
    /// </summary>
    public static CredentialRefusal? FromHttp(int status, string? message)
    {
        string text = message?.Trim() ?? string.Empty;
        var byMessage = s_table.FirstOrDefault(r => r.HttpStatus == status && string.Equals(r.Message, text, StringComparison.OrdinalIgnoreCase));
        if (byMessage is not null)
        {
            return byMessage;
        }

        // Same status, different wording: the row the status alone names, when only one row has it.
        var byStatus = s_table.Where(r => r.HttpStatus == status).ToList();
        if (byStatus.Count == 1)
        {
            return byStatus[0];
        }

        if (status == 400 && text.IndexOf("MaxSessionDuration", StringComparison.OrdinalIgnoreCase) >= 0)
        {
            return For(CredentialCheck.Duration);
        }

        return status == 400 && text.IndexOf("assume", StringComparison.OrdinalIgnoreCase) >= 0 ? For(CredentialCheck.Role) : null;
    }

    /// <summary>The JSON body AWS answers with: {"message":"..."}.</summary>
    public string ToJsonBody() => "{\"message\":" + System.Text.Json.JsonSerializer.Serialize(Message) + "}";

    /// <inheritdoc />
    public override string ToString() => InHandshake ? $"TLS handshake refused ({Check})" : $"{HttpStatus} {Message}";
}

/// <summary>One check's outcome, with AWS's answer when it failed.</summary>
public sealed class CredentialCheckResult
{
    internal CredentialCheckResult(CredentialCheck check, CheckOutcome outcome, string detail)
    {
        Check = check;
        Outcome = outcome;
        Detail = detail;
        Refusal = outcome == CheckOutcome.Failed ? CredentialRefusal.For(check) : null;
    }

    public CredentialCheck Check { get; }

    public CheckOutcome Outcome { get; }

    /// <summary>What was found, in words (ids, statuses, the deciding policy statement).</summary>
    public string Detail { get; }

    /// <summary>How the endpoint refuses, when the check failed.</summary>
    public CredentialRefusal? Refusal { get; }

    /// <inheritdoc />
    public override string ToString() => $"{Check}: {Outcome} ({Detail})";
}

/// <summary>What the credentials provider would answer, and why.</summary>
public sealed class CredentialDecision
{
    internal CredentialDecision(IReadOnlyList<CredentialCheckResult> checks, string? roleArn, int? durationSeconds)
    {
        Checks = checks;
        FirstFailure = checks.FirstOrDefault(c => c.Outcome == CheckOutcome.Failed);
        RoleArn = roleArn;
        DurationSeconds = durationSeconds;
    }

    /// <summary>True when the endpoint would hand out credentials.</summary>
    public bool Allowed => FirstFailure is null;

    /// <summary>The failed check the endpoint answers with (the first in its order), or null.</summary>
    public CredentialCheckResult? FirstFailure { get; }

    /// <summary>Every check, in the endpoint's order.</summary>
    public IReadOnlyList<CredentialCheckResult> Checks { get; }

    /// <summary>The role the credentials would be for (from the alias), when known.</summary>
    public string? RoleArn { get; }

    /// <summary>How long the credentials would last (the alias's duration), when known.</summary>
    public int? DurationSeconds { get; }
}

/// <summary>
/// Would this certificate get credentials? Answers from control-plane facts exactly as the AWS IoT credentials
/// provider would, in the same order (../shared/reference/aws-iot.md). Pure: no I/O, so the same rule serves
/// Test-ZymDevice, the local credentials endpoint and fleet listings. Every check is evaluated where its facts
/// allow (an operator wants all the problems, not just the first); the endpoint answers with the first failure.
/// </summary>
public static class CredentialRule
{
    /// <summary>The action the credentials provider asks IoT policies about.</summary>
    public const string Action = "iot:AssumeRoleWithCertificate";

    /// <summary>The service principal a role's trust policy must allow.</summary>
    public const string ServicePrincipal = CredentialProvider.Internal.AwsNames.CredentialsProviderPrincipal;

    /// <summary>Judges one request.</summary>
    public static CredentialDecision Evaluate(CredentialFacts facts)
    {
        if (facts is null)
        {
            throw new ArgumentNullException(nameof(facts));
        }

        var checks = new List<CredentialCheckResult>(8);
        void Add(CredentialCheck check, CheckOutcome outcome, string detail) => checks.Add(new CredentialCheckResult(check, outcome, detail));

        // 1. Endpoint (SNI).
        if (facts.RequestedHost is null)
        {
            Add(CredentialCheck.Endpoint, CheckOutcome.Failed, "the request names no endpoint host (no TLS SNI, or the certificate has no O= and L= and none was given)");
        }
        else if (facts.EndpointHost is null)
        {
            Add(CredentialCheck.Endpoint, CheckOutcome.Skipped, $"asks {facts.RequestedHost}; the account's endpoint is not known");
        }
        else if (!string.Equals(facts.RequestedHost, facts.EndpointHost, StringComparison.OrdinalIgnoreCase))
        {
            Add(CredentialCheck.Endpoint, CheckOutcome.Failed, $"asks {facts.RequestedHost}, but the account's endpoint is {facts.EndpointHost}");
        }
        else
        {
            Add(CredentialCheck.Endpoint, CheckOutcome.Passed, facts.EndpointHost);
        }

        // 2-3. Certificate and its CA.
        var cert = facts.Certificate;
        checks.AddRange(CertificateChecks(cert, facts.CertificateId, facts.Now));

        // 4. Thing header.
        bool attached = false;
        if (facts.ThingName is null)
        {
            Add(CredentialCheck.ThingName, CheckOutcome.NotApplicable, "no thing name sent");
        }
        else if (cert is null)
        {
            Add(CredentialCheck.ThingName, CheckOutcome.Skipped, "no registered certificate");
        }
        else
        {
            attached = facts.AttachedThings.Contains(facts.ThingName, StringComparer.Ordinal);
            Add(CredentialCheck.ThingName, attached ? CheckOutcome.Passed : CheckOutcome.Failed, attached
                ? $"thing '{facts.ThingName}' is attached"
                : facts.AttachedThings.Count == 0
                    ? $"thing '{facts.ThingName}' is not attached; the certificate is attached to no thing"
                    : $"thing '{facts.ThingName}' is not attached; the certificate is attached to {string.Join(", ", facts.AttachedThings.Select(t => "'" + t + "'"))}");
        }

        // 5. Policy.
        string aliasArn = facts.RoleAliasArn;
        if (cert is null)
        {
            Add(CredentialCheck.Policy, CheckOutcome.Skipped, "no registered certificate");
        }
        else if (facts.Policies.Count == 0)
        {
            Add(CredentialCheck.Policy, CheckOutcome.Failed, "no policy is attached to the certificate");
        }
        else
        {
            var decision = PolicyEvaluator.Evaluate(facts.Policies.Select(p => (p.Name, p.Document)), new PolicyRequest(Action, aliasArn)
            {
                Context = PolicyContext(facts, cert, attached),
            });
            string notes = decision.Notes.Count == 0 ? string.Empty : "; " + string.Join("; ", decision.Notes);
            Add(CredentialCheck.Policy, decision.Allowed ? CheckOutcome.Passed : CheckOutcome.Failed, decision.Allowed
                ? $"{decision.Deciding} allows {Action} on {aliasArn}{notes}"
                : decision.ExplicitDeny
                    ? $"{decision.Deciding} denies {Action} on {aliasArn}{notes}"
                    : $"no statement of {string.Join(", ", facts.Policies.Select(p => "'" + p.Name + "'"))} allows {Action} on {aliasArn}" +
                        (facts.ThingName is null ? " (no thing name sent: iot:Connection.Thing.IsAttached is false)" : string.Empty) + notes);
        }

        // 6. Role alias.
        var alias = facts.RoleAlias;
        Add(CredentialCheck.RoleAlias, alias is null ? CheckOutcome.Failed : CheckOutcome.Passed, alias is null
            ? $"role alias '{facts.RoleAliasName}' does not exist"
            : $"role alias '{alias.Name}' → {alias.RoleArn} for {alias.DurationSeconds} s");

        // 7. Role and its trust policy.
        var role = facts.Role;
        if (alias is null)
        {
            Add(CredentialCheck.Role, CheckOutcome.Skipped, "no role alias");
            Add(CredentialCheck.Duration, CheckOutcome.Skipped, "no role alias");
        }
        else if (role is null)
        {
            Add(CredentialCheck.Role, CheckOutcome.Failed, $"role {alias.RoleArn} does not exist");
            Add(CredentialCheck.Duration, CheckOutcome.Skipped, "no role");
        }
        else
        {
            var trust = TrustDecision(role.Name, role.TrustPolicy, role.Arn, facts.AccountId, aliasArn);
            Add(CredentialCheck.Role, trust.Allowed ? CheckOutcome.Passed : CheckOutcome.Failed, trust.Allowed
                ? $"role {role.Name} trusts {ServicePrincipal}"
                : $"role {role.Name}'s trust policy does not let {ServicePrincipal} call sts:AssumeRole" + (trust.Notes.Count == 0 ? string.Empty : "; " + string.Join("; ", trust.Notes)));

            // 8. Duration.
            int max = role.MaxSessionDuration ?? 3600;
            Add(CredentialCheck.Duration, alias.DurationSeconds <= max ? CheckOutcome.Passed : CheckOutcome.Failed,
                $"alias asks {alias.DurationSeconds} s; the role allows up to {max} s");
        }

        return new CredentialDecision(checks, alias?.RoleArn, alias?.DurationSeconds);
    }

    /// <summary>
    /// Whether a role's trust policy lets the credentials provider (<see cref="ServicePrincipal"/>) call sts:AssumeRole.
    /// The one rule for it: the Role check uses it, and so does the setup that adds the principal when it is missing.
    /// </summary>
    public static PolicyDecision TrustDecision(string roleName, string? trustPolicy, string roleArn, string? accountId, string? roleAliasArn) =>
        PolicyEvaluator.Evaluate(new[] { ("trust policy of " + roleName, trustPolicy ?? string.Empty) }, new PolicyRequest("sts:AssumeRole", roleArn)
        {
            Principal = ("Service", ServicePrincipal),

            // UNVERIFIED: the context the credentials provider gives a trust policy's conditions; these are the
            // confused-deputy keys AWS documents for service principals. Unknown ones leave the key absent.
            Context = Present(("aws:SourceAccount", accountId), ("aws:SourceArn", roleAliasArn)),
        });

    /// <summary>
    /// The certificate and CA checks alone: what the endpoint judges in the TLS handshake, before any request is read.
    /// </summary>
    public static IReadOnlyList<CredentialCheckResult> CertificateChecks(RegisteredCertificate? cert, string? certificateId, DateTimeOffset now)
    {
        var checks = new List<CredentialCheckResult>(2);
        void Add(CredentialCheck check, CheckOutcome outcome, string detail) => checks.Add(new CredentialCheckResult(check, outcome, detail));
        if (cert is null)
        {
            Add(CredentialCheck.Certificate, CheckOutcome.Failed, $"certificate {Short(certificateId)} is not registered in the account");
            Add(CredentialCheck.CertificateAuthority, CheckOutcome.Skipped, "no registered certificate");
        }
        else
        {
            if (cert.Status != "ACTIVE")
            {
                Add(CredentialCheck.Certificate, CheckOutcome.Failed, $"certificate {Short(cert.CertificateId)} is {cert.Status}");
            }
            else if (cert.NotAfter is { } notAfter && notAfter <= now)
            {
                Add(CredentialCheck.Certificate, CheckOutcome.Failed, $"certificate {Short(cert.CertificateId)} expired on {notAfter.UtcDateTime:u}");
            }
            else if (cert.NotBefore is { } notBefore && notBefore > now)
            {
                Add(CredentialCheck.Certificate, CheckOutcome.Failed, $"certificate {Short(cert.CertificateId)} is not valid before {notBefore.UtcDateTime:u}");
            }
            else
            {
                Add(CredentialCheck.Certificate, CheckOutcome.Passed, $"certificate {Short(cert.CertificateId)} is ACTIVE" + (cert.NotAfter is { } until ? $" until {until.UtcDateTime:u}" : string.Empty));
            }

            if (cert.CaCertificateId is null)
            {
                Add(CredentialCheck.CertificateAuthority, CheckOutcome.NotApplicable, "registered without a CA");
            }
            else if (cert.CaStatus is null)
            {
                Add(CredentialCheck.CertificateAuthority, CheckOutcome.Failed, $"its CA {Short(cert.CaCertificateId)} is no longer registered");
            }
            else
            {
                Add(CredentialCheck.CertificateAuthority, cert.CaStatus == "ACTIVE" ? CheckOutcome.Passed : CheckOutcome.Failed, $"its CA {Short(cert.CaCertificateId)} is {cert.CaStatus}");
            }
        }

        return checks;
    }

    private static Dictionary<string, string> PolicyContext(CredentialFacts facts, RegisteredCertificate cert, bool attached)
    {
        var context = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["iot:Connection.Thing.IsAttached"] = attached ? "true" : "false",
            ["credentials-iot:AwsCertificateId"] = cert.CertificateId,
            ["aws:SourceAccount"] = facts.AccountId ?? string.Empty,
        };
        if (facts.ThingName is not null && attached)
        {
            context["iot:Connection.Thing.ThingName"] = facts.ThingName;
            context["credentials-iot:ThingName"] = facts.ThingName;
            if (facts.ThingTypeName is not null)
            {
                context["iot:Connection.Thing.ThingTypeName"] = facts.ThingTypeName;
                context["credentials-iot:ThingTypeName"] = facts.ThingTypeName;
            }

            foreach (var pair in facts.ThingAttributes)
            {
                context[$"iot:Connection.Thing.Attributes[{pair.Key}]"] = pair.Value;
            }
        }

        foreach (var pair in facts.SubjectFields)
        {
            context["iot:Certificate.Subject." + pair.Key] = pair.Value;
        }

        return context;
    }

    private static Dictionary<string, string> Present(params (string Key, string? Value)[] pairs)
    {
        var context = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in pairs)
        {
            if (!string.IsNullOrEmpty(value))
            {
                context[key] = value!;
            }
        }

        return context;
    }

    private static string Short(string? id) => id is null ? "(unknown)" : id.Length > 12 ? id.Substring(0, 12) + "…" : id;
}
