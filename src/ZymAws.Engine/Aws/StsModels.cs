using System;

namespace ZymAws.Engine.Aws;

/// <summary>GetCallerIdentity output.</summary>
public sealed record StsCallerIdentity(string Account, string Arn, string UserId);

/// <summary>AssumeRole input.</summary>
public sealed record StsAssumeRoleRequest(string RoleArn, string RoleSessionName)
{
    /// <summary>900 seconds up to the role's MaxSessionDuration.</summary>
    public int? DurationSeconds { get; init; }

    /// <summary>An inline session policy (JSON) to narrow the role's permissions.</summary>
    public string? Policy { get; init; }

    public string? ExternalId { get; init; }
}

/// <summary>
/// AssumeRole output: temporary credentials. <see cref="SecretAccessKey"/> and <see cref="SessionToken"/> are
/// secrets: ToString() leaves them out, never log them.
/// </summary>
public sealed record StsAssumedRole(string AccessKeyId, string SecretAccessKey, string SessionToken, DateTimeOffset Expiration)
{
    public string? AssumedRoleArn { get; init; }

    public string? AssumedRoleId { get; init; }

    /// <summary>A secret-free summary.</summary>
    public override string ToString() => $"StsAssumedRole(AccessKeyId={AccessKeyId}, Expiration={Expiration:o}, AssumedRoleArn={AssumedRoleArn})";
}
