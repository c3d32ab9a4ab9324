using System;

namespace ZymAws.Engine.Aws;

/// <summary>CreateRole input.</summary>
public sealed record IamCreateRoleRequest(string RoleName, string AssumeRolePolicyDocument)
{
    public string? Path { get; init; }

    public string? Description { get; init; }

    /// <summary>3600-43200 seconds; a role alias's credential duration may not exceed it.</summary>
    public int? MaxSessionDuration { get; init; }

    public string? PermissionsBoundary { get; init; }
}

/// <summary>An IAM role (CreateRole, GetRole). <see cref="AssumeRolePolicyDocument"/> is URL-decoded JSON.</summary>
public sealed record IamRole(string RoleName, string Arn)
{
    public string? RoleId { get; init; }

    public string? Path { get; init; }

    public DateTimeOffset? CreateDate { get; init; }

    public string? AssumeRolePolicyDocument { get; init; }

    public string? Description { get; init; }

    public int? MaxSessionDuration { get; init; }
}

/// <summary>A managed policy attached to a role.</summary>
public sealed record IamAttachedPolicy(string PolicyName, string PolicyArn);
