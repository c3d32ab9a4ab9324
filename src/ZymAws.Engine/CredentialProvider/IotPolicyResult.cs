namespace ZymAws.Engine.CredentialProvider;

/// <summary>What <see cref="CredentialProviderProvisioner.EnsureRoleAliasPolicyAsync"/> found and did.</summary>
public sealed class IotPolicyResult
{
    internal IotPolicyResult(string policyName, string policyArn, string policyDocument, SetupOutcome status)
    {
        PolicyName = policyName;
        PolicyArn = policyArn;
        PolicyDocument = policyDocument;
        Status = status;
    }

    public string PolicyName { get; }

    public string PolicyArn { get; }

    /// <summary>The policy document (JSON) with the real account and region in the role alias ARN.</summary>
    public string PolicyDocument { get; }

    public SetupOutcome Status { get; }

    public override string ToString() => $"{PolicyName} ({Status})";
}
