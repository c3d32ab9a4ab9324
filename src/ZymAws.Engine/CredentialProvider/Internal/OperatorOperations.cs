using System.Collections.Generic;
using ZymAws.Engine.Provisioning.Internal;

namespace ZymAws.Engine.CredentialProvider.Internal;

/// <summary>
/// Every AWS operation the setup and fleet cmdlets call (besides provisioning's, in <see cref="ProvisioningOperations"/>),
/// with the resource IAM evaluates it against; Get-ZymProvisionerPolicy -Scope Setup / Fleet is built from this table.
/// Pester runs each cmdlet with -Verbose and checks every operation its log shows is listed here.
/// </summary>
internal static class OperatorOperations
{
    /// <summary>Initialize-ZymCredentialProvider, New-ZymCredentialProviderRole, New-ZymRoleAlias, New-ZymIotPolicy, Register-ZymCaWithAws, Get-ZymCredentialProviderEndpoint.</summary>
    public static IReadOnlyList<(string Action, IotResourceScope Scope)> SetupIot { get; } = new List<(string, IotResourceScope)>
    {
        ("DescribeEndpoint", IotResourceScope.None),
        ("DescribeRoleAlias", IotResourceScope.RoleAlias),
        ("CreateRoleAlias", IotResourceScope.RoleAlias),
        ("UpdateRoleAlias", IotResourceScope.RoleAlias),
        ("GetPolicy", IotResourceScope.Policy),
        ("CreatePolicy", IotResourceScope.Policy),
        ("GetRegistrationCode", IotResourceScope.None),
        ("RegisterCACertificate", IotResourceScope.None),
        ("DescribeCACertificate", IotResourceScope.CaCertificate),
        ("UpdateCACertificate", IotResourceScope.CaCertificate),
    };

    /// <summary>The credentials-provider role, on the role's ARN (CreateRoleAlias needs iam:PassRole on it).</summary>
    public static IReadOnlyList<string> SetupIam { get; } = new[]
    {
        "iam:GetRole", "iam:CreateRole", "iam:UpdateAssumeRolePolicy", "iam:GetRolePolicy", "iam:PutRolePolicy",
        "iam:ListAttachedRolePolicies", "iam:AttachRolePolicy", "iam:PassRole",
    };

    /// <summary>Get-ZymDevice, Test-ZymDevice, Disable-/Enable-/Remove-ZymDevice, Disable-/Enable-ZymCertificateAuthority, Unregister-ZymCaWithAws, Remove-ZymCredentialProvider.</summary>
    public static IReadOnlyList<(string Action, IotResourceScope Scope)> FleetIot { get; } = new List<(string, IotResourceScope)>
    {
        ("DescribeEndpoint", IotResourceScope.None),
        ("ListCACertificates", IotResourceScope.None),
        ("ListCertificates", IotResourceScope.None),
        ("ListCertificatesByCA", IotResourceScope.None),
        ("ListPolicies", IotResourceScope.None),
        ("ListRoleAliases", IotResourceScope.None),
        ("ListThings", IotResourceScope.None),
        ("ListPrincipalThings", IotResourceScope.None),
        ("DescribeCACertificate", IotResourceScope.CaCertificate),
        ("UpdateCACertificate", IotResourceScope.CaCertificate),
        ("DeleteCACertificate", IotResourceScope.CaCertificate),
        ("DescribeCertificate", IotResourceScope.Certificate),
        ("UpdateCertificate", IotResourceScope.Certificate),
        ("DeleteCertificate", IotResourceScope.Certificate),
        ("DescribeThing", IotResourceScope.Thing),
        ("DeleteThing", IotResourceScope.Thing),
        ("ListThingPrincipals", IotResourceScope.Thing),
        ("AttachThingPrincipal", IotResourceScope.Thing),
        ("DetachThingPrincipal", IotResourceScope.Thing),
        ("GetPolicy", IotResourceScope.Policy),
        ("ListPolicyVersions", IotResourceScope.Policy),
        ("DeletePolicyVersion", IotResourceScope.Policy),
        ("DeletePolicy", IotResourceScope.Policy),
        ("ListTargetsForPolicy", IotResourceScope.Policy),
        ("ListAttachedPolicies", IotResourceScope.CertificateAndPolicy),
        ("DetachPolicy", IotResourceScope.CertificateAndPolicy),
        ("DescribeRoleAlias", IotResourceScope.RoleAlias),
        ("DeleteRoleAlias", IotResourceScope.RoleAlias),
    };

    /// <summary>Reading the role (Test-ZymDevice, Get-ZymDevice) and removing it (Remove-ZymCredentialProvider).</summary>
    public static IReadOnlyList<string> FleetIam { get; } = new[]
    {
        "iam:GetRole", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies", "iam:DeleteRolePolicy", "iam:DetachRolePolicy", "iam:DeleteRole",
    };
}
