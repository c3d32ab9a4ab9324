@{
    # ModuleVersion and HelpInfoUri (ZymDocsBaseUri) are stamped from Directory.Build.props by build.ps1 -Task Package.
    RootModule           = 'ZymAws.Provisioning.dll'
    ModuleVersion        = '0.1.0'
    HelpInfoUri          = 'https://github.com/zymaws/ZymAwsProvisioning/blob/main/docs/en-US/'
    CompatiblePSEditions = @('Core', 'Desktop')
    GUID                 = '5b0f7f0e-6a3c-4d2e-9d64-2f1c8e7a4b19'
    Author               = 'ZymAwsProvisioning contributors'
    CompanyName          = 'ZymAwsProvisioning'
    Copyright            = '(c) ZymAwsProvisioning contributors. All rights reserved.'
    Description          = 'Provision IoT fleets whose devices carry a Zymbit Zymkey onto AWS IoT: certificate authority, device CSRs signed inside the Zymkey, bulk provisioning, and temporary AWS credentials through the AWS IoT credentials provider.'
    PowerShellVersion    = '5.1'
    DotNetFrameworkVersion = '4.7.2'
    FormatsToProcess     = @('ZymAwsProvisioning.Format.ps1xml')
    CmdletsToExport      = @(
        'Approve-ZymDeviceCsr'
        'Clear-ZymAwsDefault'
        'Disable-ZymCertificateAuthority'
        'Disable-ZymDevice'
        'Enable-ZymCertificateAuthority'
        'Enable-ZymDevice'
        'Get-ZymAwsCredential'
        'Get-ZymAwsDefault'
        'Get-ZymCertificateInfo'
        'Get-ZymCredentialProviderEndpoint'
        'Get-ZymDevice'
        'Get-ZymDeviceId'
        'Get-ZymkeyInfo'
        'Get-ZymProvisionerPolicy'
        'Import-ZymCertificateAuthority'
        'Initialize-ZymCredentialProvider'
        'Install-ZymCredentialProcess'
        'Install-ZymDeviceCertificate'
        'Invoke-ZymDeviceProvisioning'
        'New-ZymCertificateAuthority'
        'New-ZymCredentialProviderRole'
        'New-ZymDeviceCsr'
        'New-ZymIotPolicy'
        'New-ZymRoleAlias'
        'Register-ZymCaWithAws'
        'Remove-ZymCredentialProvider'
        'Remove-ZymDevice'
        'Set-ZymAwsDefault'
        'Start-ZymCredentialEndpoint'
        'Stop-ZymCredentialEndpoint'
        'Test-ZymDevice'
        'Unregister-ZymCaWithAws'
    )
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('AWS', 'IoT', 'Zymkey', 'Zymbit', 'PKI', 'Provisioning', 'CredentialsProvider', 'PSEdition_Core', 'PSEdition_Desktop', 'Linux')
            ProjectUri   = 'https://github.com/zymaws/ZymAwsProvisioning'
            ReleaseNotes = 'See CHANGELOG.md'
        }
    }
}
