using System;

namespace ZymAws.Engine.Aws;

/// <summary>CreatePolicy output.</summary>
public sealed record IotCreatedPolicy(string PolicyName, string PolicyArn)
{
    public string? PolicyDocument { get; init; }

    public string? PolicyVersionId { get; init; }
}

/// <summary>GetPolicy output.</summary>
public sealed record IotPolicyDescription(string PolicyName, string PolicyArn)
{
    public string? PolicyDocument { get; init; }

    public string? DefaultVersionId { get; init; }

    public DateTimeOffset? CreationDate { get; init; }

    public DateTimeOffset? LastModifiedDate { get; init; }

    public string? GenerationId { get; init; }
}

/// <summary>A policy as listed by ListAttachedPolicies.</summary>
public sealed record IotPolicySummary(string PolicyName, string PolicyArn);

/// <summary>CreateRoleAlias input.</summary>
public sealed record IotCreateRoleAliasRequest(string RoleAlias, string RoleArn)
{
    /// <summary>900-43200 seconds (default 3600), not above the role's MaxSessionDuration.</summary>
    public int? CredentialDurationSeconds { get; init; }
}

/// <summary>UpdateRoleAlias input.</summary>
public sealed record IotUpdateRoleAliasRequest(string RoleAlias)
{
    public string? RoleArn { get; init; }

    public int? CredentialDurationSeconds { get; init; }
}

/// <summary>CreateRoleAlias / UpdateRoleAlias output.</summary>
public sealed record IotRoleAliasReference(string RoleAlias, string RoleAliasArn);

/// <summary>DescribeRoleAlias output.</summary>
public sealed record IotRoleAliasDescription(string RoleAlias, string RoleAliasArn)
{
    public string? RoleArn { get; init; }

    public string? Owner { get; init; }

    public int? CredentialDurationSeconds { get; init; }

    public DateTimeOffset? CreationDate { get; init; }

    public DateTimeOffset? LastModifiedDate { get; init; }
}

/// <summary>Endpoint types for DescribeEndpoint.</summary>
public static class IotEndpointType
{
    public const string DataAts = "iot:Data-ATS";
    public const string Data = "iot:Data";
    public const string CredentialProvider = "iot:CredentialProvider";
    public const string Jobs = "iot:Jobs";
}
