using System.Collections.Generic;

namespace ZymAws.Engine.CredentialProvider;

/// <summary>Everything Initialize-ZymCredentialProvider sets up: role, role alias and IoT policy, in one idempotent step.</summary>
public sealed class CredentialProviderInitializeOptions
{
    /// <summary>Creates options for the three resources.</summary>
    public CredentialProviderInitializeOptions(string roleName, string roleAlias, string policyName)
    {
        RoleName = roleName;
        RoleAlias = roleAlias;
        PolicyName = policyName;
    }

    public string RoleName { get; set; }

    public string RoleAlias { get; set; }

    public string PolicyName { get; set; }

    /// <summary>See <see cref="CredentialProviderRoleOptions.Path"/>.</summary>
    public string? RolePath { get; set; }

    /// <summary>See <see cref="CredentialProviderRoleOptions.Description"/>.</summary>
    public string? RoleDescription { get; set; }

    /// <summary>See <see cref="CredentialProviderRoleOptions.MaxSessionDuration"/> (default 3600).</summary>
    public int? MaxSessionDuration { get; set; }

    /// <summary>See <see cref="RoleAliasOptions.CredentialDurationSeconds"/> (default 3600).</summary>
    public int CredentialDurationSeconds { get; set; } = CredentialProviderProvisioner.DefaultCredentialDurationSeconds;

    /// <summary>See <see cref="CredentialProviderRoleOptions.ManagedPolicyArns"/>.</summary>
    public IList<string> ManagedPolicyArns { get; } = new List<string>();

    /// <summary>See <see cref="CredentialProviderRoleOptions.InlinePolicies"/>.</summary>
    public IDictionary<string, string> InlinePolicies { get; } = new Dictionary<string, string>();

    /// <summary>See <see cref="RoleAliasPolicyOptions.RequireAttachedThing"/> (default true).</summary>
    public bool RequireAttachedThing { get; set; } = true;

    /// <summary>Update an alias pointing at another role / with another duration, and replace differing inline policies.</summary>
    public bool AllowUpdate { get; set; }
}
