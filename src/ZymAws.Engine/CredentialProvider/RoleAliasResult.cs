using System.Collections.Generic;

namespace ZymAws.Engine.CredentialProvider;

/// <summary>What <see cref="CredentialProviderProvisioner.EnsureRoleAliasAsync"/> found and did.</summary>
public sealed class RoleAliasResult
{
    internal RoleAliasResult(string roleAlias, string roleAliasArn, string roleArn, int credentialDurationSeconds, SetupOutcome status)
    {
        RoleAlias = roleAlias;
        RoleAliasArn = roleAliasArn;
        RoleArn = roleArn;
        CredentialDurationSeconds = credentialDurationSeconds;
        Status = status;
    }

    public string RoleAlias { get; }

    /// <summary>arn:aws:iot:REGION:ACCOUNT:rolealias/ALIAS.</summary>
    public string RoleAliasArn { get; }

    /// <summary>The role the alias points at (after the step).</summary>
    public string RoleArn { get; }

    /// <summary>The alias's credential duration (after the step).</summary>
    public int CredentialDurationSeconds { get; }

    public SetupOutcome Status { get; }

    /// <summary>Changes the shouldProcess callback declined.</summary>
    public IReadOnlyList<string> DeclinedChanges { get; internal set; } = new List<string>();

    public override string ToString() => $"{RoleAlias} -> {RoleArn} ({Status})";
}
