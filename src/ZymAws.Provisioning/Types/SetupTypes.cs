using System.Collections.Generic;
using EngineSetup = ZymAws.Engine.CredentialProvider;

namespace ZymAws.Provisioning;

/// <summary>What a setup step did with an AWS resource. The output types carry it as text (its name).</summary>
public enum SetupStatus
{
    /// <summary>Created by this call.</summary>
    Created,

    /// <summary>Already there as asked; nothing changed.</summary>
    Existing,

    /// <summary>Already there, and brought in line (-Force).</summary>
    Updated,

    /// <summary>Not created or changed (-WhatIf, or declined at -Confirm).</summary>
    Skipped,
}

/// <summary>The IAM role the credentials provider assumes for devices (New-ZymCredentialProviderRole).</summary>
public sealed class CredentialProviderRole
{
    internal CredentialProviderRole(EngineSetup.CredentialProviderRoleResult result)
    {
        RoleName = result.RoleName;
        RoleArn = result.RoleArn;
        Status = SetupTypes.Map(result.Status);
        TrustPolicyStatus = SetupTypes.Map(result.TrustPolicyStatus);
        MaxSessionDuration = result.MaxSessionDuration;
        TrustPolicyDocument = result.TrustPolicyDocument;
        ManagedPolicyArns = Joined.List(result.ManagedPolicyArns);
        Changes = Joined.List(result.Changes);
        DeclinedChanges = Joined.List(result.DeclinedChanges);
    }

    public string RoleName { get; }

    public string RoleArn { get; }

    public string Status { get; }

    /// <summary>Whether the trust policy naming credentials.iot.amazonaws.com was created, found, or updated.</summary>
    public string TrustPolicyStatus { get; }

    /// <summary>Seconds; a role alias's credential duration may not exceed it.</summary>
    public int MaxSessionDuration { get; }

    public string? TrustPolicyDocument { get; }

    public IReadOnlyList<string> ManagedPolicyArns { get; }

    /// <summary>What this call changed.</summary>
    public IReadOnlyList<string> Changes { get; }

    /// <summary>Differences found and left alone (give -Force to apply them).</summary>
    public IReadOnlyList<string> DeclinedChanges { get; }

    public override string ToString() => RoleArn;
}

/// <summary>An AWS IoT role alias (New-ZymRoleAlias).</summary>
public sealed class IotRoleAlias
{
    internal IotRoleAlias(EngineSetup.RoleAliasResult result)
    {
        RoleAlias = result.RoleAlias;
        RoleAliasArn = result.RoleAliasArn;
        RoleArn = result.RoleArn;
        CredentialDurationSeconds = result.CredentialDurationSeconds;
        Status = SetupTypes.Map(result.Status);
        DeclinedChanges = Joined.List(result.DeclinedChanges);
    }

    /// <summary>The alias name (the OU= of device subjects, and the path devices call); binds to -RoleAlias down the pipeline.</summary>
    public string RoleAlias { get; }

    public string RoleAliasArn { get; }

    public string RoleArn { get; }

    public int CredentialDurationSeconds { get; }

    public string Status { get; }

    public IReadOnlyList<string> DeclinedChanges { get; }

    public override string ToString() => RoleAliasArn;
}

/// <summary>An AWS IoT policy allowing iot:AssumeRoleWithCertificate on a role alias (New-ZymIotPolicy).</summary>
public sealed class IotPolicy
{
    internal IotPolicy(EngineSetup.IotPolicyResult result)
    {
        PolicyName = result.PolicyName;
        PolicyArn = result.PolicyArn;
        PolicyDocument = result.PolicyDocument;
        Status = SetupTypes.Map(result.Status);
    }

    public string PolicyName { get; }

    public string PolicyArn { get; }

    public string PolicyDocument { get; }

    public string Status { get; }

    public override string ToString() => PolicyName;
}

/// <summary>The AWS side of the credentials provider, as Initialize-ZymCredentialProvider left it.</summary>
public sealed class CredentialProviderSetup
{
    internal CredentialProviderSetup(EngineSetup.CredentialProviderSetupResult result)
    {
        AccountId = result.AccountId;
        Region = result.Region;
        Role = new CredentialProviderRole(result.Role);
        Alias = new IotRoleAlias(result.RoleAlias);
        Policy = new IotPolicy(result.Policy);
        CredentialEndpoint = result.CredentialsEndpoint;
        EndpointPrefix = result.EndpointPrefix;
    }

    public string AccountId { get; }

    public string Region { get; }

    public string RoleArn => Role.RoleArn;

    /// <summary>The role's name (pipes to Remove-ZymCredentialProvider).</summary>
    public string RoleName => Role.RoleName;

    public string RoleStatus => Role.Status;

    /// <summary>The role alias name: what New-ZymDeviceCsr -RoleAlias wants.</summary>
    public string RoleAlias => Alias.RoleAlias;

    public string RoleAliasArn => Alias.RoleAliasArn;

    public string RoleAliasStatus => Alias.Status;

    /// <summary>The IoT policy name: what New-ZymDeviceCsr -IotPolicy and Invoke-ZymDeviceProvisioning -PolicyName want.</summary>
    public string PolicyName => Policy.PolicyName;

    public string PolicyStatus => Policy.Status;

    /// <summary>The credentials-provider host.</summary>
    public string CredentialEndpoint { get; }

    /// <summary>The host's account-specific prefix (the O= of device subjects).</summary>
    public string EndpointPrefix { get; }

    public CredentialProviderRole Role { get; }

    public IotRoleAlias Alias { get; }

    public IotPolicy Policy { get; }

    public override string ToString() => $"{RoleAlias} -> {RoleArn}";
}

/// <summary>The least-privilege IAM policy a provisioning user needs (Get-ZymProvisionerPolicy).</summary>
public sealed class ProvisionerPolicy
{
    internal ProvisionerPolicy(EngineSetup.ProvisionerPolicyResult policy, string? appliedTo = null, string? inlinePolicyName = null)
    {
        AccountId = policy.AccountId;
        Region = policy.Region;
        PolicyDocument = policy.PolicyDocument;
        Actions = Joined.List(policy.Actions);
        AppliedTo = appliedTo;
        InlinePolicyName = inlinePolicyName;
    }

    /// <summary>With -ApplyToUser / -ApplyToRole: the identity the policy was put on ("user/NAME", "role/NAME"); else null.</summary>
    public string? AppliedTo { get; }

    /// <summary>With -ApplyToUser / -ApplyToRole: the inline policy's name; else null.</summary>
    public string? InlinePolicyName { get; }

    public string AccountId { get; }

    public string Region { get; }

    /// <summary>The IAM policy document (JSON), ready for aws iam create-policy / New-IAMPolicy.</summary>
    public string PolicyDocument { get; }

    public IReadOnlyList<string> Actions { get; }

    public override string ToString() => PolicyDocument;
}

internal static class SetupTypes
{
    /// <summary>The status as text (a <see cref="SetupStatus"/> name): JSON says "Created", and -eq 'Created' works.</summary>
    public static string Map(EngineSetup.SetupOutcome status) => (status switch
    {
        EngineSetup.SetupOutcome.Created => SetupStatus.Created,
        EngineSetup.SetupOutcome.Updated => SetupStatus.Updated,
        EngineSetup.SetupOutcome.Skipped => SetupStatus.Skipped,
        _ => SetupStatus.Existing,
    }).ToString();
}
