namespace ZymAws.Engine.CredentialProvider;

/// <summary>The AWS IoT policy that lets device certificates call the credentials provider for one role alias (New-ZymIotPolicy).</summary>
public sealed class RoleAliasPolicyOptions
{
    /// <summary>Creates options for the policy <paramref name="policyName"/> granting <paramref name="roleAlias"/>.</summary>
    public RoleAliasPolicyOptions(string policyName, string roleAlias)
    {
        PolicyName = policyName;
        RoleAlias = roleAlias;
    }

    /// <summary>The IoT policy name (1-128 of <c>[\w+=,.@-]</c>).</summary>
    public string PolicyName { get; set; }

    /// <summary>The role alias whose ARN the policy allows iot:AssumeRoleWithCertificate on.</summary>
    public string RoleAlias { get; set; }

    /// <summary>
    /// Add the condition <c>{"Bool":{"iot:Connection.Thing.IsAttached":"true"}}</c> so only certificates attached to a
    /// thing get credentials (default true, as the seed's iot-role-policy.json).
    /// </summary>
    public bool RequireAttachedThing { get; set; } = true;
}
