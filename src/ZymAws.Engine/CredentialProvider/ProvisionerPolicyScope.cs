using System;

namespace ZymAws.Engine.CredentialProvider;

/// <summary>Which of the module's jobs an IAM policy from Get-ZymProvisionerPolicy allows (combinable).</summary>
[Flags]
public enum ProvisionerPolicyScope
{
    /// <summary>Invoke-ZymDeviceProvisioning: register certificates, create things, attach principals and policies.</summary>
    Provisioning = 1,

    /// <summary>
    /// Setting up once: the credentials-provider role, role alias and IoT policy (Initialize-ZymCredentialProvider,
    /// New-ZymCredentialProviderRole, New-ZymRoleAlias, New-ZymIotPolicy) and registering a CA (Register-ZymCaWithAws).
    /// </summary>
    Setup = 2,

    /// <summary>
    /// Looking after the fleet: Get-ZymDevice, Test-ZymDevice, Disable-/Enable-/Remove-ZymDevice,
    /// Disable-/Enable-ZymCertificateAuthority, Unregister-ZymCaWithAws, Remove-ZymCredentialProvider.
    /// </summary>
    Fleet = 4,

    /// <summary>Everything the module calls.</summary>
    All = Provisioning | Setup | Fleet,
}
