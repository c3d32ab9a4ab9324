namespace ZymAws.Engine.CredentialProvider;

/// <summary>What Initialize found and did: the three resources with their status, and the credentials endpoint.</summary>
public sealed class CredentialProviderSetupResult
{
    internal CredentialProviderSetupResult(string accountId, string region, CredentialProviderRoleResult role, RoleAliasResult roleAlias, IotPolicyResult policy, string credentialsEndpoint)
    {
        AccountId = accountId;
        Region = region;
        Role = role;
        RoleAlias = roleAlias;
        Policy = policy;
        CredentialsEndpoint = credentialsEndpoint;
    }

    /// <summary>The account (STS GetCallerIdentity).</summary>
    public string AccountId { get; }

    /// <summary>The session's region.</summary>
    public string Region { get; }

    public CredentialProviderRoleResult Role { get; }

    public RoleAliasResult RoleAlias { get; }

    public IotPolicyResult Policy { get; }

    /// <summary>"&lt;prefix&gt;.credentials.iot.&lt;region&gt;.amazonaws.com" (DescribeEndpoint iot:CredentialProvider).</summary>
    public string CredentialsEndpoint { get; }

    /// <summary>The first label of <see cref="CredentialsEndpoint"/> (the seed subject layout's O field).</summary>
    public string EndpointPrefix => CredentialsEndpoint.Split('.')[0];

    public string RoleArn => Role.RoleArn;

    public SetupOutcome RoleStatus => Role.Status;

    public string RoleAliasArn => RoleAlias.RoleAliasArn;

    public SetupOutcome RoleAliasStatus => RoleAlias.Status;

    public string PolicyName => Policy.PolicyName;

    public SetupOutcome PolicyStatus => Policy.Status;

    public override string ToString() => $"Role {Role.RoleName} ({Role.Status}), alias {RoleAlias.RoleAlias} ({RoleAlias.Status}), policy {Policy.PolicyName} ({Policy.Status}), endpoint {CredentialsEndpoint}";
}
