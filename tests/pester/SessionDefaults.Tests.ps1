# Set-/Get-/Clear-ZymAwsDefault: the session's defaults, kept in $PSDefaultParameterValues, used by the cmdlets
# against moto, beaten by a parameter given on the command line, and never reaching AWS.Tools or a parameter of the
# same name that means something else.
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    Import-Module $script:ModuleManifest -Force
    $script:Moto = Start-TestMoto
    $script:Keys = @{ AccessKey = 'testing'; SecretKey = 'testing' }
}

AfterAll {
    Clear-ZymAwsDefault
    $global:PSDefaultParameterValues.Remove('Get-AWSRegion:Region')
    Stop-TestMoto $script:Moto
}

Describe 'Session defaults' {
    BeforeEach { Clear-ZymAwsDefault }

    It 'sets the connection once; the cmdlets use it, and a parameter on the command line wins' {
        $global:PSDefaultParameterValues['Get-AWSRegion:Region'] = 'kept-for-aws-tools'
        $set = Set-ZymAwsDefault -EndpointUrl $script:Moto.Url -Region 'eu-west-1' -PassThru
        $set.Name | Should -Be @('Region', 'EndpointUrl')

        (Get-ZymCredentialProviderEndpoint @script:Keys).Region | Should -Be 'eu-west-1'
        (Get-ZymCredentialProviderEndpoint @script:Keys -Region 'us-east-1').Region | Should -Be 'us-east-1'

        $defaults = @(Get-ZymAwsDefault)
        $defaults.Name | Should -Be @('Region', 'EndpointUrl')
        ($defaults | Where-Object Name -EQ 'Region').Value | Should -Be 'eu-west-1'
        ($defaults | Where-Object Name -EQ 'Region').Commands | Should -Contain 'Invoke-ZymDeviceProvisioning'
        $global:PSDefaultParameterValues['Get-AWSRegion:Region'] | Should -Be 'kept-for-aws-tools'
    }

    It 'does not give -ProfileName to Install-ZymCredentialProcess, whose -ProfileName is the profile it writes' {
        Set-ZymAwsDefault -ProfileName 'fleet-admin' -WarningAction SilentlyContinue
        $global:PSDefaultParameterValues.Keys | Should -Contain 'Get-ZymDevice:ProfileName'
        $global:PSDefaultParameterValues.Keys | Should -Not -Contain 'Install-ZymCredentialProcess:ProfileName'
    }

    It 'gives the CA to Approve-ZymDeviceCsr and Invoke-ZymDeviceProvisioning, not to Get-ZymDevice''s filter' {
        $ca = New-ZymCertificateAuthority -Path (Join-Path $TestDrive 'ca') -Subject 'CN=Default CA' -NoPassphrase
        Set-ZymAwsDefault -CertificateAuthority $ca
        $global:PSDefaultParameterValues.Keys | Should -Not -Contain 'Get-ZymDevice:CertificateAuthority'
        $certificate = New-ZymDeviceCsr -ThingName 'default-ca-1' -KeyPath (Join-Path $TestDrive 'default-ca-1.key') -NoPassphrase |
            Approve-ZymDeviceCsr -OutDirectory (Join-Path $TestDrive 'certs')
        $certificate.Issuer | Should -Be 'CN=Default CA'

        Set-ZymAwsDefault -CertificateAuthority AwsIot
        $global:PSDefaultParameterValues['Invoke-ZymDeviceProvisioning:CertificateAuthority'] | Should -Be 'AwsIot'
        $global:PSDefaultParameterValues.Keys | Should -Not -Contain 'Approve-ZymDeviceCsr:CertificateAuthority'
    }

    It 'refuses a mistyped region with the nearest real one, and sets nothing' {
        Set-ZymAwsDefault -Region 'eu-wset-1' -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'AwsRegionUnknown,*'
        $errors[0].Exception.Message | Should -Match "did you mean 'eu-west-1'"
        Get-ZymAwsDefault | Should -BeNullOrEmpty
    }

    It 'clears what it set, and only that; -WhatIf changes nothing' {
        Set-ZymAwsDefault -Region 'eu-west-1' -EndpointUrl $script:Moto.Url
        Clear-ZymAwsDefault -Name Region -WhatIf
        @(Get-ZymAwsDefault).Count | Should -Be 2
        (Clear-ZymAwsDefault -Name Region -PassThru).Value | Should -Be 'eu-west-1'
        (Get-ZymAwsDefault).Name | Should -Be 'EndpointUrl'
    }
}
