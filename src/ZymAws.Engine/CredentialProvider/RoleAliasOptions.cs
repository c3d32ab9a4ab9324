namespace ZymAws.Engine.CredentialProvider;

/// <summary>An AWS IoT role alias pointing at the credentials-provider role (New-ZymRoleAlias).</summary>
public sealed class RoleAliasOptions
{
    /// <summary>Creates options for the alias <paramref name="roleAlias"/>; set <see cref="RoleArn"/> or <see cref="RoleName"/>.</summary>
    public RoleAliasOptions(string roleAlias)
    {
        RoleAlias = roleAlias;
    }

    /// <summary>The alias name (1-128 of <c>[\w=,@-]</c>).</summary>
    public string RoleAlias { get; set; }

    /// <summary>The role by ARN (its name is taken from the ARN to read MaxSessionDuration with GetRole).</summary>
    public string? RoleArn { get; set; }

    /// <summary>The role by name (GetRole gives its ARN and MaxSessionDuration).</summary>
    public string? RoleName { get; set; }

    /// <summary>Lifetime of the credentials devices get: 900-43200 seconds (default 3600), not above the role's MaxSessionDuration.</summary>
    public int CredentialDurationSeconds { get; set; } = CredentialProviderProvisioner.DefaultCredentialDurationSeconds;

    /// <summary>When the alias exists pointing at another role or with another duration, update it (otherwise: error RoleAliasConflict for another role, a warning for another duration).</summary>
    public bool AllowUpdate { get; set; }
}
