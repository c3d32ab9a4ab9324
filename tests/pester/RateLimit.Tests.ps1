# Issue 12, part A: adaptive client-side rate limits against real quotas — the quota-emulating proxy
# (tools/ZymAws.QuotaProxy) in front of moto — and the -NoRateLimit switch.
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    Import-Module $script:ModuleManifest -Force
    $script:Moto = Start-TestMoto
    $script:Aws = Get-TestAwsParameters $script:Moto

    # Setup straight against moto (unlimited); the batches below go through proxies.
    $script:Ca = New-ZymCertificateAuthority -Path (Join-Path $TestDrive 'ca') -Subject 'CN=Rate Limit Test CA' -NoPassphrase
    $script:Ca | Register-ZymCaWithAws @script:Aws -SetActive | Out-Null
    Initialize-ZymCredentialProvider -RoleName 'rateRole' -RoleAlias 'rateAlias' -PolicyName 'ratePolicy' @script:Aws | Out-Null

    function New-TestCertificates([string] $Prefix, [int] $Count) {
        1..$Count | ForEach-Object { [pscustomobject]@{ ThingName = "$Prefix-$_"; KeyPath = (Join-Path $TestDrive "keys-$Prefix/$Prefix-$_.key") } } |
            New-ZymDeviceCsr -NoPassphrase -IotPolicy 'ratePolicy' -Region 'us-east-1' -RoleAlias 'rateAlias' |
            Approve-ZymDeviceCsr -CertificateAuthority $script:Ca -OutDirectory (Join-Path $TestDrive "certs-$Prefix")
    }
}

AfterAll { Stop-TestMoto $script:Moto }

Describe 'The quota proxy answers over-quota calls as AWS does' {
    BeforeAll { $script:Strict = Start-QuotaProxy -Upstream $script:Moto.Url -Quota @{ 'iot:DescribeEndpoint' = 0.05; 'iam:GetRole' = 0.05 } }
    AfterAll { Stop-QuotaProxy $script:Strict }

    It 'is read as throttling by the AWS CLI (IoT: 400 ThrottlingException; IAM: the Query XML Throttling error)' {
        $proxy = [pscustomobject]@{ Url = $script:Strict.Url }
        $env:AWS_MAX_ATTEMPTS = '1'
        try {
            Invoke-AwsCli $proxy iot describe-endpoint --endpoint-type iot:Data-ATS | Out-Null
            { Invoke-AwsCli $proxy iot describe-endpoint --endpoint-type iot:Data-ATS } | Should -Throw '*(ThrottlingException)*Rate exceeded*'
            Invoke-AwsCli $proxy iam get-role --role-name rateRole | Out-Null
            { Invoke-AwsCli $proxy iam get-role --role-name rateRole } | Should -Throw '*(Throttling)*Rate exceeded*'
        }
        finally { Remove-Item Env:AWS_MAX_ATTEMPTS -ErrorAction SilentlyContinue }
        $stats = Get-QuotaProxyStats $script:Strict
        $stats.operations.'iot:DescribeEndpoint'.throttled | Should -Be 1
        $stats.operations.'iam:GetRole'.throttled | Should -Be 1
    }
}

Describe 'Adaptive rate limits' {
    It 'finishes a batch against quotas below the documented ones with no throttling error surfaced (endpoint from AWS_ENDPOINT_URL)' {
        # Every quota at 40% of AWS's default (RegisterCertificate 4/s where the module starts at 10, AttachPolicy 6 where
        # it starts at 15, ...), half a second of burst: the module must find the lower quotas by itself.
        $proxy = Start-QuotaProxy -Upstream $script:Moto.Url -QuotaScale 0.4 -BurstSeconds 0.5
        try {
            $certificates = New-TestCertificates 'slow' 24
            $aws = @{ Region = 'us-east-1'; AccessKey = 'testing'; SecretKey = 'testing' }   # no -EndpointUrl
            Set-ProcessVariable AWS_ENDPOINT_URL $proxy.Url
            try {
                $results = $certificates | Invoke-ZymDeviceProvisioning -CertificateAuthority $script:Ca -ThrottleLimit 8 @aws `
                    -ErrorVariable errors -ErrorAction SilentlyContinue -Verbose 4>&1
            }
            finally { Set-ProcessVariable AWS_ENDPOINT_URL $null }
            $stats = Get-QuotaProxyStats $proxy
        }
        finally { Stop-QuotaProxy $proxy }

        $errors | Should -BeNullOrEmpty
        $devices = @($results | Where-Object { $_ -is [ZymAws.Provisioning.DeviceProvisioningResult] })
        $devices.Count | Should -Be 24
        @($devices | Where-Object Status -ne 'Provisioned') | Should -BeNullOrEmpty
        # The quotas were really hit (else this test would prove nothing), and every throttle was absorbed.
        $stats.throttled | Should -BeGreaterThan 0
        $stats.operations.'iot:RegisterCertificate'.requests | Should -BeGreaterOrEqual 24
        $verbose = @($results | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message)
        $verbose | Where-Object { $_ -like 'Client-side rate limit: iot:*adaptive*throttled*' } | Should -Not -BeNullOrEmpty
        (Invoke-AwsCli $script:Moto iot list-thing-principals --thing-name 'slow-24').principals.Count | Should -Be 1
    }

    It 'keeps an explicit -RateLimit fixed: no adaptation, the limit is the user''s' {
        $proxy = Start-QuotaProxy -Upstream $script:Moto.Url
        try {
            $certificates = New-TestCertificates 'fixed' 3
            $results = $certificates | Invoke-ZymDeviceProvisioning -CertificateAuthority $script:Ca @script:Aws -EndpointUrl $proxy.Url `
                -RateLimit @{ 'iot:RegisterCertificate' = 2 } -Verbose 4>&1
        }
        finally { Stop-QuotaProxy $proxy }
        @($results | Where-Object { $_ -is [ZymAws.Provisioning.DeviceProvisioningResult] -and $_.Status -eq 'Provisioned' }).Count | Should -Be 3
        $lines = @($results | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message)
        $lines | Where-Object { $_ -like '*RegisterCertificate*waiting for the rate limit*' } | Should -Not -BeNullOrEmpty
    }

    It 'turns every client-side limit off with -NoRateLimit: AWS''s throttles then spend the normal retries and surface' {
        # RegisterCertificate at one call per 5 s: without the client-side limit, 8 devices at once exhaust their
        # 5 attempts (backoff of at most 0.2+0.4+0.8+1.6 s) long before the quota lets them through.
        $proxy = Start-QuotaProxy -Upstream $script:Moto.Url -Quota @{ 'iot:RegisterCertificate' = 0.2 }
        try {
            $certificates = New-TestCertificates 'nolimit' 8
            $results = $certificates | Invoke-ZymDeviceProvisioning -CertificateAuthority $script:Ca -ThrottleLimit 8 @script:Aws -EndpointUrl $proxy.Url `
                -NoRateLimit -ErrorVariable errors -ErrorAction SilentlyContinue -Verbose 4>&1
        }
        finally { Stop-QuotaProxy $proxy }
        $errors.Count | Should -BeGreaterOrEqual 5
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'IotThrottling,*'
        $lines = @($results | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message)
        $lines | Where-Object { $_ -like '*waiting for the rate limit*' -or $_ -like 'Client-side rate limit:*' } | Should -BeNullOrEmpty
    }

    It 'refuses -NoRateLimit together with -RateLimit' {
        $certificate = New-TestCertificates 'conflict' 1
        $caught = $null
        try { $certificate | Invoke-ZymDeviceProvisioning -CertificateAuthority $script:Ca @script:Aws -NoRateLimit -RateLimit @{ CreateThing = 5 } }
        catch { $caught = $_ }
        $caught | Should -Not -BeNullOrEmpty
        $caught.FullyQualifiedErrorId | Should -BeLike 'RateLimitConflict,*'
        { Invoke-AwsCli $script:Moto iot describe-thing --thing-name 'conflict-1' } | Should -Throw '*ResourceNotFound*'
    }
}
