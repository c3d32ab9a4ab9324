using System.Collections.Generic;

namespace ZymAws.Engine.CredentialProvider;

/// <summary>The least-privilege IAM policy the provisioning user needs, for one account and region.</summary>
public sealed class ProvisionerPolicyResult
{
    internal ProvisionerPolicyResult(string accountId, string region, string policyDocument, IReadOnlyList<string> actions)
    {
        AccountId = accountId;
        Region = region;
        PolicyDocument = policyDocument;
        Actions = actions;
    }

    public string AccountId { get; }

    public string Region { get; }

    /// <summary>The IAM policy document (indented JSON), ready for aws iam put-user-policy / create-policy.</summary>
    public string PolicyDocument { get; }

    /// <summary>Every action granted, e.g. "iot:RegisterCertificate", "iam:PassRole".</summary>
    public IReadOnlyList<string> Actions { get; }

    public override string ToString() => PolicyDocument;
}
