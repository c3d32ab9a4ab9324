using System.Collections.Generic;

namespace ZymAws.Engine.CredentialProvider;

/// <summary>What to scope the provisioning user's IAM policy to (Get-ZymProvisionerPolicy).</summary>
public sealed class ProvisionerPolicyOptions
{
    /// <summary>The credentials-provider role: iam:GetRole and iam:PassRole are granted on it (as the seed's user-pass-permissions.json). Null: no IAM statement.</summary>
    public string? RoleName { get; set; }

    /// <summary>The role's path (default "/").</summary>
    public string? RolePath { get; set; }

    /// <summary>IoT policy names devices get: GetPolicy/AttachPolicy/DetachPolicy are scoped to them. Empty: policy/*.</summary>
    public IList<string> PolicyNames { get; } = new List<string>();

    /// <summary>Thing names all start with this: thing actions are scoped to thing/PREFIX*. Null: thing/*.</summary>
    public string? ThingNamePrefix { get; set; }

    /// <summary>The registered CA's certificate id (DescribeCACertificate scoped to cacert/ID). Null: cacert/*.</summary>
    public string? CaCertificateId { get; set; }

    /// <summary>Include iot:CreateCertificateFromCsr (AWS IoT issues the certificates). Default false.</summary>
    public bool AllowCreateCertificateFromCsr { get; set; }

    /// <summary>Include iot:RegisterCertificateWithoutCA. Default false.</summary>
    public bool AllowRegisterWithoutCa { get; set; }

    /// <summary>The jobs the policy allows. Default: <see cref="ProvisionerPolicyScope.Provisioning"/>.</summary>
    public ProvisionerPolicyScope Scope { get; set; } = ProvisionerPolicyScope.Provisioning;
}
