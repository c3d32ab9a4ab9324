# Device credentials against moto and the local credentials endpoint: Get-ZymAwsCredential (software key and the Zymkey
# simulator), the AWS CLI through an installed credential_process profile, Test-ZymDevice, the endpoint's life cycle.
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    Import-Module $script:ModuleManifest -Force
    Initialize-TestCredentialWorld
}

AfterAll {
    Stop-TestCredentialWorld
}

Describe 'Get-ZymAwsCredential' {
    It 'gets credentials with a software key, and the default view shows no secret' {
        $device = New-TestDevice 'cred-1'
        $rehearsal = Get-Rehearsal $device
        $credential = Get-ZymAwsCredential @rehearsal

        $credential.AccessKeyId | Should -Match '^ASIA'
        $credential.Expiration | Should -BeGreaterThan ([DateTime]::UtcNow.AddMinutes(50))
        $credential.ThingName | Should -Be 'cred-1'
        $credential.RoleAlias | Should -Be 'devAlias'
        $credential.Region | Should -Be 'us-east-1'
        $shown = ($credential | Out-String) + ($credential | Format-List | Out-String) + "$credential"
        $shown | Should -Not -Match ([regex]::Escape($credential.SecretAccessKey))
        $shown | Should -Not -Match ([regex]::Escape($credential.SessionToken.Substring(0, 20)))
    }

    It 'answers from its cache until asked to refresh' {
        $device = New-TestDevice 'cred-cache'
        $rehearsal = Get-Rehearsal $device
        $first = Get-ZymAwsCredential @rehearsal
        $served = $script:Server.ServedCount

        $second = Get-ZymAwsCredential @rehearsal
        $second.FromCache | Should -BeTrue
        $second.AccessKeyId | Should -Be $first.AccessKeyId
        $script:Server.ServedCount | Should -Be $served

        $third = Get-ZymAwsCredential @rehearsal -Refresh
        $third.FromCache | Should -BeFalse
        $script:Server.ServedCount | Should -Be ($served + 1)
    }

    It 'never answers another key from the cache: it must prove itself' {
        $device = New-TestDevice 'cred-otherkey'
        $rehearsal = Get-Rehearsal $device
        Get-ZymAwsCredential @rehearsal | Out-Null
        $other = New-TestDevice 'cred-otherkey-2' -NoProvisioning
        $rehearsal.KeyPath = $other.KeyPath

        Get-ZymAwsCredential @rehearsal -ErrorVariable errors -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'CredentialKeyMismatch,*'
    }

    It 'prints credential_process JSON with the real expiry and nothing else' {
        $device = New-TestDevice 'cred-process'
        $rehearsal = Get-Rehearsal $device
        $out = @(Get-ZymAwsCredential @rehearsal -AsCredentialProcess)
        $out.Count | Should -Be 1
        $json = $out[0] | ConvertFrom-Json
        $json.Version | Should -Be 1
        $json.AccessKeyId | Should -Match '^ASIA'
        ([DateTime]$json.Expiration).ToUniversalTime() | Should -BeGreaterThan ([DateTime]::UtcNow.AddMinutes(50))
    }

    It 'sets the AWS_* variables, with which the AWS CLI is the role' {
        $device = New-TestDevice 'cred-env'
        $rehearsal = Get-Rehearsal $device
        $saved = @{}; foreach ($n in 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_REGION', 'AWS_DEFAULT_REGION') { $saved[$n] = [Environment]::GetEnvironmentVariable($n) }
        try {
            Get-ZymAwsCredential @rehearsal -SetEnvironment | Should -BeNullOrEmpty
            $env:AWS_ACCESS_KEY_ID | Should -Match '^ASIA'
            $env:AWS_REGION | Should -Be 'us-east-1'
            $identity = & aws --endpoint-url $script:Moto.Url --output json sts get-caller-identity | ConvertFrom-Json
            $identity.Arn | Should -BeLike "arn:aws:sts::123456789012:assumed-role/devRole/*"
        }
        finally { foreach ($n in $saved.Keys) { Set-ProcessVariable $n $saved[$n] } }
    }

    It 'reports a refusal with the check, the status AWS sends and the device as target' {
        $device = New-TestDevice 'cred-refused'
        $arn = @((Invoke-AwsCli $script:Moto iot list-thing-principals --thing-name 'cred-refused').principals)[0]
        Invoke-AwsCli $script:Moto iot detach-policy --policy-name devPolicy --target $arn | Out-Null
        $rehearsal = Get-Rehearsal $device

        Get-ZymAwsCredential @rehearsal -ErrorVariable errors -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'CredentialAccessDenied,*'
        $errors[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
        $errors[0].TargetObject | Should -Be 'cred-refused'
        $errors[0].Exception.Message | Should -Match '403 "Access Denied"'

        # As a credential process, a refusal fails the command.
        { Get-ZymAwsCredential @rehearsal -AsCredentialProcess } | Should -Throw -ErrorId 'CredentialAccessDenied,*'
    }

    It 'takes every value from the installed certificate and trust anchor' {
        $device = New-TestDevice 'cred-installed'
        $folder = Join-Path $TestDrive 'device-folder'
        $installed = Install-ZymDeviceCertificate -CertificatePath $device.CertificatePath -ServerCaCertificate $script:Server.ServerCaCertificatePath -Directory $folder
        $installed.ThingName | Should -Be 'cred-installed'
        $installed.CertificatePath | Should -Be (Join-Path $folder 'device.crt')
        Test-Path (Join-Path $folder 'credentials-provider-ca.pem') | Should -BeTrue

        $env:ZYMAWS_DEVICE_DIRECTORY = $folder
        try {
            $credential = Get-ZymAwsCredential -KeyPath $device.KeyPath -ConnectAddress $script:Server.ConnectAddress -Refresh
            $credential.ThingName | Should -Be 'cred-installed'
        }
        finally { Remove-Item Env:ZYMAWS_DEVICE_DIRECTORY }
    }

    It 'refuses to install a file that holds a private key' {
        $device = New-TestDevice 'cred-keyfile' -NoProvisioning
        Install-ZymDeviceCertificate -CertificatePath $device.KeyPath -Directory (Join-Path $TestDrive 'nokey') -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'CertificateFileHasPrivateKey,*'
        Test-Path (Join-Path $TestDrive 'nokey/device.crt') | Should -BeFalse
    }

    It 'signs the handshake inside the Zymkey (simulator, child process)' {
        $device = New-TestZymkeyDevice 'zk-cred' 'ZK-CRED-PESTER'
        $environment = $device.Environment; $certificate = $device.Certificate

        $fetch = Invoke-ChildPwsh -Environment $environment @"
Import-Module '$script:ModuleManifest'
`$c = Get-ZymAwsCredential -CertificatePath '$($certificate.Path)' -ConnectAddress '$($script:Server.ConnectAddress)' -ServerCaCertificate '$($script:Server.ServerCaCertificatePath)'
`$c.AccessKeyId
"@
        $fetch.ExitCode | Should -Be 0 -Because ($fetch.Output -join "`n")
        $fetch.Output[-1] | Should -Match '^ASIA'
    }
}

Describe 'Install-ZymCredentialProcess' {
    It 'writes a profile the AWS CLI uses, keeping the rest of the config' {
        $device = New-TestDevice 'cred-profile'
        $config = Join-Path $TestDrive 'aws/config'
        New-Item -ItemType Directory -Force (Split-Path $config) | Out-Null
        Set-Content -Path $config -Value "[default]`nregion = eu-west-1`n# keep me`n"
        $profile = Install-ZymCredentialProcess -ProfileName zymkey -ConfigPath $config -CertificatePath $device.CertificatePath -KeyPath $device.KeyPath `
            -ConnectAddress $script:Server.ConnectAddress -ServerCaCertificate $script:Server.ServerCaCertificatePath -CacheDirectory (Join-Path $TestDrive 'cache')

        $profile.Region | Should -Be 'us-east-1'
        $profile.Changed | Should -BeTrue
        $text = Get-Content -Raw $config
        $text | Should -Match '(?s)^\[default\]\nregion = eu-west-1\n# keep me\n\n\[profile zymkey\]\nregion = us-east-1\ncredential_process = '

        $cli = Invoke-AwsCliAs @{ AWS_CONFIG_FILE = $config; AWS_SHARED_CREDENTIALS_FILE = '/dev/null'; AWS_ACCESS_KEY_ID = $null; AWS_SECRET_ACCESS_KEY = $null } @('--profile', 'zymkey', 'sts', 'get-caller-identity')
        $cli.ExitCode | Should -Be 0 -Because $cli.Output
        ($cli.Output | ConvertFrom-Json).Arn | Should -BeLike 'arn:aws:sts::123456789012:assumed-role/devRole/*'

        # A second install says nothing changed.
        (Install-ZymCredentialProcess -ProfileName zymkey -ConfigPath $config -CertificatePath $device.CertificatePath -KeyPath $device.KeyPath `
            -ConnectAddress $script:Server.ConnectAddress -ServerCaCertificate $script:Server.ServerCaCertificatePath -CacheDirectory (Join-Path $TestDrive 'cache')).Changed | Should -BeFalse
    }

    It 'checks the key before writing anything: another key, or an encrypted one without its passphrase' {
        $device = New-TestDevice 'cred-profile-key' -NoProvisioning
        $other = New-TestDevice 'cred-profile-key-2' -NoProvisioning
        $config = Join-Path $TestDrive 'aws-key/config'
        Install-ZymCredentialProcess -ProfileName wrongkey -ConfigPath $config -CertificatePath $device.CertificatePath -KeyPath $other.KeyPath -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'CredentialKeyMismatch,*'

        $encrypted = Join-Path $TestDrive 'keys/encrypted.key'
        $passphrase = ConvertTo-SecureString 'correct horse battery' -AsPlainText -Force
        $csr = New-ZymDeviceCsr -ThingName 'cred-encrypted' -KeyPath $encrypted -Passphrase $passphrase -IotPolicy devPolicy -Region us-east-1 -CredentialEndpoint $script:EndpointHost -RoleAlias devAlias
        $certificate = $csr | Approve-ZymDeviceCsr -CertificateAuthority $script:Ca -OutDirectory (Join-Path $TestDrive 'certs')
        Install-ZymCredentialProcess -ProfileName encrypted -ConfigPath $config -CertificatePath $certificate.Path -KeyPath $encrypted -ErrorVariable errors2 -ErrorAction SilentlyContinue
        $errors2[0].FullyQualifiedErrorId | Should -BeLike 'KeyPassphraseRequired,*'
        Test-Path $config | Should -BeFalse
    }

    It 'checks the certificate before writing anything' {
        $config = Join-Path $TestDrive 'aws-none/config'
        Install-ZymCredentialProcess -ProfileName broken -ConfigPath $config -CertificatePath (Join-Path $TestDrive 'missing.crt') -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors.Count | Should -BeGreaterThan 0
        Test-Path $config | Should -BeFalse
    }
}

Describe 'Test-ZymDevice' {
    It 'says a provisioned device is ready, with every check passed' {
        $device = New-TestDevice 'ready-1'
        $report = Test-ZymDevice -ThingName 'ready-1' @script:Aws
        $report.Ready | Should -BeTrue
        $report.FailedCheck | Should -BeNullOrEmpty
        @($report.Checks | Where-Object Outcome -eq 'Failed').Count | Should -Be 0
        @($report.Checks).Count | Should -Be 8
    }

    It 'judges provisioning results piped in, and names the check, status and message AWS would send' {
        $good = New-TestDevice 'judge-good'
        $wrongAlias = New-TestDevice 'judge-alias' -RoleAlias 'noSuchAlias'
        $reports = @($good.Result, $wrongAlias.Result) | Test-ZymDevice @script:Aws
        ($reports | Where-Object ThingName -eq 'judge-good').Ready | Should -BeTrue
        $bad = $reports | Where-Object ThingName -eq 'judge-alias'
        $bad.Ready | Should -BeFalse
        # The policy covers only devAlias, and AWS checks the policy before the alias's existence.
        $bad.FailedCheck | Should -Be 'Policy'
        $bad.HttpStatus | Should -Be 403
        $bad.Message | Should -Be 'Access Denied'
        ($bad.Checks | Where-Object Check -eq 'RoleAlias').Outcome | Should -Be 'Failed'

        # The device itself is refused the same way.
        $rehearsal = Get-Rehearsal $wrongAlias
        Get-ZymAwsCredential @rehearsal -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'CredentialAccessDenied,*'
    }

    It 'judges certificate files, and a thing with no certificate' {
        $unprovisioned = New-TestDevice 'judge-file' -NoProvisioning
        $report = Test-ZymDevice -CertificatePath $unprovisioned.CertificatePath @script:Aws
        $report.FailedCheck | Should -Be 'Certificate'
        $report.HttpStatus | Should -BeNullOrEmpty
        $report.Message | Should -Match 'TLS handshake'

        Invoke-AwsCli $script:Moto iot create-thing --thing-name 'lonely-thing' | Out-Null
        $lonely = Test-ZymDevice 'lonely-thing' @script:Aws
        $lonely.Ready | Should -BeFalse
        $lonely.Reason | Should -Match 'no certificate is attached'
    }

    It 'writes an error naming a thing that does not exist' {
        Test-ZymDevice 'no-such-thing' @script:Aws -ErrorVariable errors -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'ThingNotFound,*'
        $errors[0].TargetObject | Should -Be 'no-such-thing'
    }
}

Describe 'Start-/Stop-ZymCredentialEndpoint' {
    It 'starts nothing under -WhatIf' {
        Start-ZymCredentialEndpoint @script:Aws -WhatIf | Should -BeNullOrEmpty
    }

    It 'stops an endpoint: its port no longer answers, and a device says the endpoint is unreachable' {
        $extra = Start-ZymCredentialEndpoint @script:Aws
        $extra.Running | Should -BeTrue
        $device = New-TestDevice 'cred-stopped'
        $stopped = $extra | Stop-ZymCredentialEndpoint -PassThru
        $stopped.Running | Should -BeFalse

        Get-ZymAwsCredential -CertificatePath $device.CertificatePath -KeyPath $device.KeyPath -ConnectAddress $extra.ConnectAddress `
            -ServerCaCertificate $script:Server.ServerCaCertificatePath -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'CredentialEndpointUnreachable,*'
        Test-Path $extra.ServerCaCertificatePath | Should -BeFalse
    }
}
