using System.Collections.Generic;

namespace ZymAws.Engine.CredentialProvider;

/// <summary>The IAM role the AWS IoT credentials provider assumes for devices (New-ZymCredentialProviderRole).</summary>
public sealed class CredentialProviderRoleOptions
{
    /// <summary>Creates options for the role <paramref name="roleName"/>.</summary>
    public CredentialProviderRoleOptions(string roleName)
    {
        RoleName = roleName;
    }

    /// <summary>The role name (1-64 of <c>[\w+=,.@-]</c>).</summary>
    public string RoleName { get; set; }

    /// <summary>The role path, e.g. "/zymbit/" (default "/"). Only used when the role is created.</summary>
    public string? Path { get; set; }

    /// <summary>A description, only used when the role is created.</summary>
    public string? Description { get; set; }

    /// <summary>
    /// MaxSessionDuration in seconds (3600-43200) used when the role is created (null: 3600, and no opinion about an existing role's). A role alias's
    /// credential duration may not exceed it. An existing role keeps its own value (a warning says so when it differs).
    /// </summary>
    public int? MaxSessionDuration { get; set; }

    /// <summary>Managed policy ARNs to attach (attached when missing; others already attached are left alone).</summary>
    public IList<string> ManagedPolicyArns { get; } = new List<string>();

    /// <summary>Inline policies to put, by name: JSON documents. Put when missing; a different existing document is replaced only with <see cref="AllowUpdate"/>.</summary>
    public IDictionary<string, string> InlinePolicies { get; } = new Dictionary<string, string>();

    /// <summary>Replace inline policies whose existing document differs (otherwise: error InlinePolicyConflict).</summary>
    public bool AllowUpdate { get; set; }
}
