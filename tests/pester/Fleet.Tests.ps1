# Fleet management against moto and the local credentials endpoint: listing (module- and seed-provisioned devices),
# silencing and restoring a device or the CA, removal and teardown — each checked by the AWS CLI and a real request.
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    Import-Module $script:ModuleManifest -Force
    $script:Moto = Start-TestMoto
    $script:Aws = Get-TestAwsParameters $script:Moto

    $script:Setup = Initialize-ZymCredentialProvider -RoleName 'fleetRole' -RoleAlias 'fleetAlias' -PolicyName 'fleetPolicy' @script:Aws
    $script:Ca = New-ZymCertificateAuthority -Path (Join-Path $TestDrive 'ca') -Subject 'CN=Fleet Test CA' -NoPassphrase
    $script:Registration = $script:Ca | Register-ZymCaWithAws @script:Aws -SetActive
    $script:EndpointHost = (Get-ZymCredentialProviderEndpoint @script:Aws).Host
    $script:Server = Start-ZymCredentialEndpoint @script:Aws

    function New-FleetDevice([string] $Name) {
        $key = Join-Path $TestDrive "keys/$Name.key"
        $certificate = New-ZymDeviceCsr -ThingName $Name -KeyPath $key -NoPassphrase -IotPolicy 'fleetPolicy' -Region 'us-east-1' `
            -CredentialEndpoint $script:EndpointHost -RoleAlias 'fleetAlias' |
            Approve-ZymDeviceCsr -CertificateAuthority $script:Ca -OutDirectory (Join-Path $TestDrive 'certs')
        $result = $certificate | Invoke-ZymDeviceProvisioning -CertificateAuthority $script:Ca @script:Aws
        [pscustomobject]@{ ThingName = $Name; KeyPath = $key; CertificatePath = $certificate.Path; CertificateId = $result.CertificateId; Result = $result }
    }

    # One credentials request, as the device makes it; $null when refused (the error id in $script:LastRefusal).
    function Request-Credential($Device) {
        $script:LastRefusal = $null
        $credential = Get-ZymAwsCredential -CertificatePath $Device.CertificatePath -KeyPath $Device.KeyPath -Refresh `
            -ConnectAddress $script:Server.ConnectAddress -ServerCaCertificate $script:Server.ServerCaCertificatePath -ErrorVariable errors -ErrorAction SilentlyContinue
        if ($errors) { $script:LastRefusal = $errors[0].FullyQualifiedErrorId.Split(',')[0] }
        $credential
    }

    function Get-CliStatus($Device) {
        (Invoke-AwsCli $script:Moto iot describe-certificate --certificate-id $Device.CertificateId).certificateDescription.status
    }
}

AfterAll {
    Stop-ZymCredentialEndpoint
    Stop-TestMoto $script:Moto
}

Describe 'Get-ZymDevice' {
    It 'lists module- and seed-provisioned devices alike, with wildcards and filters' {
        New-FleetDevice 'list-mod-1' | Out-Null
        $seed = New-ZymDeviceCsr -ThingName 'list-seed-1' -KeyPath (Join-Path $TestDrive 'keys/list-seed-1.key') -NoPassphrase -IotPolicy 'fleetPolicy' `
            -Region 'us-east-1' -CredentialEndpoint $script:EndpointHost -RoleAlias 'fleetAlias' |
            Approve-ZymDeviceCsr -CertificateAuthority $script:Ca -OutDirectory (Join-Path $TestDrive 'certs')
        # provision-device.sh's way, with the AWS CLI.
        $arn = (Invoke-AwsCli $script:Moto iot register-certificate --certificate-pem $seed.CertificatePem --ca-certificate-pem $script:Ca.CertificatePem --set-as-active).certificateArn
        Invoke-AwsCli $script:Moto iot create-thing --thing-name 'list-seed-1' | Out-Null
        Invoke-AwsCli $script:Moto iot attach-thing-principal --thing-name 'list-seed-1' --principal $arn | Out-Null
        Invoke-AwsCli $script:Moto iot attach-policy --policy-name fleetPolicy --target $arn | Out-Null

        $devices = @(Get-ZymDevice -ThingName 'list-*' @script:Aws)
        $devices.ThingName | Sort-Object | Should -Be @('list-mod-1', 'list-seed-1')
        foreach ($device in $devices) {
            $device.Status | Should -Be 'ACTIVE'
            $device.Policies | Should -Be 'fleetPolicy'
            $device.CredentialsReady | Should -BeTrue
            $device.Certificates[0].CaCertificateId | Should -Be $script:Registration.CertificateId
        }

        @(Get-ZymDevice -ThingName 'list-seed-*' -CertificateAuthority $script:Registration @script:Aws).ThingName | Should -Be 'list-seed-1'
        @(Get-ZymDevice -ThingName 'list-*' -Status Inactive @script:Aws).Count | Should -Be 0
        $detailed = Get-ZymDevice -ThingName 'list-mod-1' -Detailed @script:Aws
        $detailed.Certificates[0].NotAfter | Should -BeGreaterThan ([DateTime]::UtcNow)
    }

    It 'names a thing it cannot find, and a CA that is not registered' {
        $found = @(Get-ZymDevice -ThingName 'list-mod-1', 'no-such-device' @script:Aws -ErrorVariable errors -ErrorAction SilentlyContinue)
        $found.ThingName | Should -Be 'list-mod-1'
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'ThingNotFound,*'
        $errors[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $errors[0].TargetObject | Should -Be 'no-such-device'

        $other = New-ZymCertificateAuthority -Path (Join-Path $TestDrive 'unregistered-ca') -Subject 'CN=Never Registered' -NoPassphrase
        { Get-ZymDevice -CertificateAuthority $other @script:Aws -ErrorAction Stop } | Should -Throw -ErrorId 'CaCertificateNotRegistered*'
    }
}

Describe 'Disable-ZymDevice / Enable-ZymDevice' {
    It 'silences one device: refused on its next request, the others are not; enabled, it works again' {
        $silenced = New-FleetDevice 'silence-1'
        $other = New-FleetDevice 'silence-2'
        Request-Credential $silenced | Should -Not -BeNullOrEmpty

        $change = Get-ZymDevice -ThingName 'silence-1' @script:Aws | Disable-ZymDevice @script:Aws
        $change.Changed | Should -BeTrue
        $change.PreviousStatus | Should -Be 'ACTIVE'
        $change.Status | Should -Be 'INACTIVE'
        Get-CliStatus $silenced | Should -Be 'INACTIVE'
        Request-Credential $silenced | Should -BeNullOrEmpty
        $script:LastRefusal | Should -Be 'CredentialCertificateRefused'
        Request-Credential $other | Should -Not -BeNullOrEmpty
        (Test-ZymDevice 'silence-1' @script:Aws).FailedCheck | Should -Be 'Certificate'

        (Disable-ZymDevice 'silence-1' @script:Aws).Changed | Should -BeFalse

        $back = $silenced.Result | Enable-ZymDevice @script:Aws
        $back.Status | Should -Be 'ACTIVE'
        Request-Credential $silenced | Should -Not -BeNullOrEmpty
    }

    It 'changes nothing under -WhatIf' {
        $device = New-FleetDevice 'silence-whatif'
        Disable-ZymDevice 'silence-whatif' -WhatIf @script:Aws | Should -BeNullOrEmpty
        Get-CliStatus $device | Should -Be 'ACTIVE'
    }

    It 'revokes for good' {
        $device = New-FleetDevice 'revoke-1'
        (Disable-ZymDevice 'revoke-1' -Revoke -Force @script:Aws).Status | Should -Be 'REVOKED'
        Get-CliStatus $device | Should -Be 'REVOKED'
        Enable-ZymDevice 'revoke-1' @script:Aws -ErrorVariable errors -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'CertificateRevoked,*'
        Request-Credential $device | Should -BeNullOrEmpty
        # Already silenced: disabling again is no error and changes nothing.
        $again = Disable-ZymDevice 'revoke-1' @script:Aws
        $again.Changed | Should -BeFalse
        $again.Status | Should -Be 'REVOKED'
    }

    It 'will not revoke when it cannot ask, unless -Force' {
        New-FleetDevice 'revoke-2' | Out-Null
        { Disable-ZymDevice 'revoke-2' -Revoke -Confirm:$false @script:Aws -ErrorAction Stop } | Should -Throw -ErrorId 'RevokeNeedsForce*'
        (Get-ZymDevice 'revoke-2' @script:Aws).Status | Should -Be 'ACTIVE'
    }
}

Describe 'Disable-ZymCertificateAuthority / Enable-ZymCertificateAuthority' {
    It 'refuses every device with the CA off, and restores them' {
        $first = New-FleetDevice 'ca-switch-1'
        $second = New-FleetDevice 'ca-switch-2'
        try {
            $off = $script:Registration | Disable-ZymCertificateAuthority -Confirm:$false @script:Aws
            $off.Status | Should -Be 'INACTIVE'
            $off.ActiveCertificates | Should -BeGreaterOrEqual 2
            (Invoke-AwsCli $script:Moto iot describe-ca-certificate --certificate-id $script:Registration.CertificateId).certificateDescription.status | Should -Be 'INACTIVE'
            Request-Credential $first | Should -BeNullOrEmpty
            Request-Credential $second | Should -BeNullOrEmpty
        }
        finally {
            $on = $script:Registration | Enable-ZymCertificateAuthority -Confirm:$false @script:Aws
        }
        $on.Status | Should -Be 'ACTIVE'
        Request-Credential $first | Should -Not -BeNullOrEmpty
        Request-Credential $second | Should -Not -BeNullOrEmpty
    }
}

Describe 'Remove-ZymDevice, Unregister-ZymCaWithAws, Remove-ZymCredentialProvider' {
    It 'removes a device completely, and again is no error' {
        $device = New-FleetDevice 'remove-1'
        $removal = Remove-ZymDevice 'remove-1' -Confirm:$false @script:Aws
        $removal.Complete | Should -BeTrue
        $removal.ThingDeleted | Should -BeTrue
        $removal.CertificatesDeleted | Should -Be @($device.CertificateId)
        { Invoke-AwsCli $script:Moto iot describe-thing --thing-name 'remove-1' } | Should -Throw '*ResourceNotFound*'
        { Invoke-AwsCli $script:Moto iot describe-certificate --certificate-id $device.CertificateId } | Should -Throw '*ResourceNotFound*'
        (Remove-ZymDevice 'remove-1' -Confirm:$false @script:Aws).Complete | Should -BeTrue
    }

    It 'tears down a whole rehearsal: moto holds nothing it created' {
        $ca = New-ZymCertificateAuthority -Path (Join-Path $TestDrive 'td-ca') -Subject 'CN=Teardown CA' -NoPassphrase
        $registration = $ca | Register-ZymCaWithAws @script:Aws -SetActive
        $setup = Initialize-ZymCredentialProvider -RoleName 'tdRole' -RoleAlias 'tdAlias' -PolicyName 'tdPolicy' @script:Aws
        $certificates = 1..3 | ForEach-Object { "td-$_" } | ForEach-Object {
            New-ZymDeviceCsr -ThingName $_ -KeyPath (Join-Path $TestDrive "keys/$_.key") -NoPassphrase -IotPolicy 'tdPolicy' -Region 'us-east-1' -CredentialEndpoint $script:EndpointHost -RoleAlias 'tdAlias'
        } | Approve-ZymDeviceCsr -CertificateAuthority $ca -OutDirectory (Join-Path $TestDrive 'td-certs')
        $certificates | Invoke-ZymDeviceProvisioning -CertificateAuthority $ca @script:Aws | Out-Null

        # The CA is refused while its certificates are registered, and nothing changes.
        $registration | Unregister-ZymCaWithAws -Confirm:$false @script:Aws -ErrorVariable errors -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'CaCertificateInUse,*'

        # The credentials provider's policy is refused while attached, and the alias and role are kept with it.
        $kept = @($setup | Remove-ZymCredentialProvider -Confirm:$false @script:Aws -ErrorAction SilentlyContinue)
        $kept.Outcome | Should -Be @('Refused', 'Skipped', 'Skipped')

        $unregistered = $registration | Unregister-ZymCaWithAws -RemoveDevices -Confirm:$false @script:Aws
        $unregistered.Deleted | Should -BeTrue
        $unregistered.CertificatesRemoved | Should -Be 3
        # Again: nothing to do, and no error.
        $again = $registration | Unregister-ZymCaWithAws -Confirm:$false @script:Aws
        $again.WasNotRegistered | Should -BeTrue
        # -WhatIf: each part is read and shown, nothing is written and nothing goes.
        Remove-ZymCredentialProvider -RoleName 'tdRole' -RoleAlias 'tdAlias' -PolicyName 'tdPolicy' -WhatIf @script:Aws | Should -BeNullOrEmpty
        (Invoke-AwsCli $script:Moto iam get-role --role-name tdRole).Role.RoleName | Should -Be 'tdRole'
        $removed = @(Remove-ZymCredentialProvider -RoleName 'tdRole' -RoleAlias 'tdAlias' -PolicyName 'tdPolicy' -Confirm:$false @script:Aws)
        $removed.Outcome | Should -Be @('Removed', 'Removed', 'Removed')

        @((Invoke-AwsCli $script:Moto iot list-things).things.thingName | Where-Object { $_ -like 'td-*' }).Count | Should -Be 0
        @((Invoke-AwsCli $script:Moto iot list-ca-certificates).certificates.certificateId) | Should -Not -Contain $registration.CertificateId
        @((Invoke-AwsCli $script:Moto iot list-policies).policies.policyName) | Should -Not -Contain 'tdPolicy'
        @((Invoke-AwsCli $script:Moto iot list-role-aliases).roleAliases) | Should -Not -Contain 'tdAlias'
        { Invoke-AwsCli $script:Moto iam get-role --role-name tdRole } | Should -Throw '*NoSuchEntity*'
    }
}
