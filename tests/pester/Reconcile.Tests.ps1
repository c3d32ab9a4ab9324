# Re-running Invoke-ZymDeviceProvisioning over a provisioned fleet: the listing answers for complete devices
# (FromListing), a device changed out of band is repaired with its own calls, and -Reconcile chooses when to list.
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    Import-Module $script:ModuleManifest -Force
    $script:Moto = Start-TestMoto
    $script:Aws = Get-TestAwsParameters $script:Moto
    # moto has no quotas: no client-side limit for the operations a batch calls.
    $script:NoLimit = @{}
    foreach ($op in 'RegisterCertificate', 'DescribeCertificate', 'DescribeCACertificate', 'ListCACertificates', 'CreateThing', 'DescribeThing',
        'AttachThingPrincipal', 'ListThingPrincipals', 'GetPolicy', 'AttachPolicy', 'ListAttachedPolicies', 'ListCertificatesByCA', 'ListThings',
        'ListTargetsForPolicy', 'DescribeEndpoint', 'DescribeRoleAlias') { $script:NoLimit["iot:$op"] = 0 }
    # The test certificates carry no O=/OU= (no credentials provider here): the batch's one warning about that is not what is tested.
    $script:Run = $script:Aws + @{ RateLimit = $script:NoLimit; WarningAction = 'SilentlyContinue' }

    $script:Ca = New-ZymCertificateAuthority -Path (Join-Path $TestDrive 'ca') -Subject 'CN=Reconcile Test CA' -NoPassphrase
    $script:Ca | Register-ZymCaWithAws @script:Aws -SetActive | Out-Null
    Invoke-AwsCli $script:Moto iot create-policy --policy-name reconcilePolicy --policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iot:Connect","Resource":"*"}]}' | Out-Null
    $script:Certificates = 1..12 | ForEach-Object { [pscustomobject]@{ ThingName = "rc-$_"; KeyPath = (Join-Path $TestDrive "keys/rc-$_.key") } } |
        New-ZymDeviceCsr -NoPassphrase -IotPolicy 'reconcilePolicy' -Region 'us-east-1' |
        Approve-ZymDeviceCsr -CertificateAuthority $script:Ca -OutDirectory (Join-Path $TestDrive 'certs')
}

AfterAll { Stop-TestMoto $script:Moto }

Describe 'Invoke-ZymDeviceProvisioning run again over a provisioned fleet' {
    BeforeAll {
        $script:First = @($script:Certificates | Invoke-ZymDeviceProvisioning -CertificateAuthority $script:Ca @script:Run -ThrottleLimit 8)
    }

    It 'answers complete devices from the listing, and repairs the one whose policy an operator detached' {
        $script:First.Status | Sort-Object -Unique | Should -Be 'Provisioned'
        $detached = $script:First | Where-Object ThingName -eq 'rc-5'
        Invoke-AwsCli $script:Moto iot detach-policy --policy-name reconcilePolicy --target $detached.CertificateArn | Out-Null

        $verbose = $null
        $again = @($script:Certificates | Invoke-ZymDeviceProvisioning -CertificateAuthority $script:Ca @script:Run -Reconcile Always -Verbose 4>&1 |
            Tee-Object -Variable verbose | Where-Object { $_ -is [ZymAws.Provisioning.DeviceProvisioningResult] })
        $again | Should -HaveCount 12
        $fromListing = @($again | Where-Object FromListing)
        $fromListing | Should -HaveCount 11
        $fromListing.Status | Sort-Object -Unique | Should -Be 'AlreadyProvisioned'
        $fromListing.Actions | Should -BeNullOrEmpty
        $repaired = $again | Where-Object ThingName -eq 'rc-5'
        $repaired.FromListing | Should -BeFalse
        $repaired.Status | Should -Be 'Provisioned'
        $repaired.Actions | Should -Be @('AttachPolicy')
        $targets = @((Invoke-AwsCli $script:Moto iot list-targets-for-policy --policy-name reconcilePolicy).targets)
        $targets | Should -Contain $detached.CertificateArn

        $lines = @($verbose | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message)
        $lines | Where-Object { $_ -like 'Reconcile: read 12 certificate(s)*' } | Should -HaveCount 1
        # The complete devices cost no call of their own: the only per-thing calls are the repaired device's.
        $perThing = @($lines | Where-Object { $_ -like 'AWS iot DescribeThing *' -or $_ -like 'AWS iot ListThingPrincipals *' })
        $perThing | Should -Not -BeNullOrEmpty
        $perThing | Where-Object { $_ -notlike "*'rc-5'*" } | Should -BeNullOrEmpty
        $lines | Where-Object { $_ -like 'AWS iot RegisterCertificate *' } | Should -HaveCount 1
    }

    It 'asks -WhatIf nothing about complete devices, and -Reconcile Never checks each device with its own calls' {
        $whatIf = @($script:Certificates | Invoke-ZymDeviceProvisioning -CertificateAuthority $script:Ca @script:Run -Reconcile Always -WhatIf)
        $whatIf | Should -HaveCount 12
        ($whatIf | Where-Object FromListing) | Should -HaveCount 12
        $whatIf.Status | Sort-Object -Unique | Should -Be 'AlreadyProvisioned'

        $checked = @($script:Certificates | Invoke-ZymDeviceProvisioning -CertificateAuthority $script:Ca @script:Run -Reconcile Never)
        $checked | Should -HaveCount 12
        ($checked | Where-Object FromListing) | Should -BeNullOrEmpty
        $checked.Status | Sort-Object -Unique | Should -Be 'AlreadyProvisioned'
    }

    It 'lists by default only for a batch of 250 or more, and refuses an unknown -Reconcile value' {
        $small = @($script:Certificates | Invoke-ZymDeviceProvisioning -CertificateAuthority $script:Ca @script:Run)
        ($small | Where-Object FromListing) | Should -BeNullOrEmpty
        $small.Status | Sort-Object -Unique | Should -Be 'AlreadyProvisioned'
        { $script:Certificates | Invoke-ZymDeviceProvisioning -CertificateAuthority $script:Ca @script:Aws -Reconcile Sometimes } |
            Should -Throw -ErrorId 'ParameterArgumentValidationError*'
    }
}
