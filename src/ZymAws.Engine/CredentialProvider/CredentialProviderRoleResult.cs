using System.Collections.Generic;

namespace ZymAws.Engine.CredentialProvider;

/// <summary>What <see cref="CredentialProviderProvisioner.EnsureRoleAsync"/> found and did.</summary>
public sealed class CredentialProviderRoleResult
{
    internal CredentialProviderRoleResult(string roleName, string roleArn)
    {
        RoleName = roleName;
        RoleArn = roleArn;
    }

    public string RoleName { get; }

    /// <summary>The role's ARN (predicted from account, path and name when creation was skipped).</summary>
    public string RoleArn { get; }

    /// <summary>Created, Existing (nothing changed), Updated (trust policy or policies changed) or Skipped (creation declined).</summary>
    public SetupOutcome Status { get; internal set; }

    /// <summary>Whether the trust policy already named credentials.iot.amazonaws.com (Existing), was created with it, was updated to include it, or the update was declined.</summary>
    public SetupOutcome TrustPolicyStatus { get; internal set; }

    /// <summary>The role's MaxSessionDuration in seconds (the existing role's own value when it already existed).</summary>
    public int MaxSessionDuration { get; internal set; }

    /// <summary>The role's trust policy document as it is now (or would be).</summary>
    public string? TrustPolicyDocument { get; internal set; }

    /// <summary>Managed policy ARNs attached to the role after the step (those asked for plus any already there).</summary>
    public IReadOnlyList<string> ManagedPolicyArns { get; internal set; } = new List<string>();

    /// <summary>What was changed, one line each (e.g. "CreateRole", "AttachRolePolicy arn:...").</summary>
    public IReadOnlyList<string> Changes { get; internal set; } = new List<string>();

    /// <summary>Changes the shouldProcess callback declined.</summary>
    public IReadOnlyList<string> DeclinedChanges { get; internal set; } = new List<string>();

    public override string ToString() => $"{RoleName} ({Status})";
}
