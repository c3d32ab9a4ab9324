using System.Collections.Generic;

namespace ZymAws.Engine.Provisioning.Internal;

/// <summary>What an IAM statement for an IoT action can be scoped to.</summary>
internal enum IotResourceScope
{
    /// <summary>The action supports no resource-level permission: Resource "*".</summary>
    None,
    Certificate,
    CaCertificate,
    Thing,
    Policy,

    /// <summary>Attach/detach/list policies on a target: scoped to certificates and the policies (UNVERIFIED which one AWS evaluates, so both are named).</summary>
    CertificateAndPolicy,

    /// <summary>Role aliases (the device subject's OU= is checked to exist).</summary>
    RoleAlias,
}

/// <summary>
/// Every AWS IoT operation <see cref="FleetProvisioner"/> calls, with the resource IAM evaluates it against. The
/// provisioner policy (Get-ZymProvisionerPolicy) is built from this table; tests run batches (success, failure,
/// rollback, resume, CSR recovery, faults and unfinished undos) and check every operation the log shows is listed here.
/// </summary>
internal static class ProvisioningOperations
{
    public static IReadOnlyList<(string Action, IotResourceScope Scope)> Always { get; } = new List<(string, IotResourceScope)>
    {
        ("RegisterCertificate", IotResourceScope.None),
        ("ListCertificates", IotResourceScope.None),
        ("DescribeCertificate", IotResourceScope.Certificate),
        ("UpdateCertificate", IotResourceScope.Certificate),
        ("DeleteCertificate", IotResourceScope.Certificate),
        ("DescribeCACertificate", IotResourceScope.CaCertificate),
        ("CreateThing", IotResourceScope.Thing),
        ("DescribeThing", IotResourceScope.Thing),
        ("DeleteThing", IotResourceScope.Thing),
        ("AttachThingPrincipal", IotResourceScope.Thing),
        ("DetachThingPrincipal", IotResourceScope.Thing),
        ("ListThingPrincipals", IotResourceScope.Thing),
        ("ListPrincipalThings", IotResourceScope.None),
        ("GetPolicy", IotResourceScope.Policy),
        ("AttachPolicy", IotResourceScope.CertificateAndPolicy),
        ("DetachPolicy", IotResourceScope.CertificateAndPolicy),
        ("ListAttachedPolicies", IotResourceScope.CertificateAndPolicy),
        ("DescribeEndpoint", IotResourceScope.None),
        ("DescribeRoleAlias", IotResourceScope.RoleAlias),

        // The reconcile listing (ReconcileSnapshot): the fleet by pages before per-device work.
        ("ListCertificatesByCA", IotResourceScope.None),
        ("ListThings", IotResourceScope.None),
        ("ListTargetsForPolicy", IotResourceScope.Policy),
    };

    /// <summary>Only in <see cref="CertificateRegistrationMode.FromCsr"/>.</summary>
    public const string CreateCertificateFromCsr = "CreateCertificateFromCsr";

    /// <summary>Only in <see cref="CertificateRegistrationMode.WithoutCa"/>.</summary>
    public const string RegisterCertificateWithoutCa = "RegisterCertificateWithoutCA";
}
