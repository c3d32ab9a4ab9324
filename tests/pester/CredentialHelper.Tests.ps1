# The native zymaws-credential helper as packaged (bin/<rid>/zymaws-credential), against the local credentials endpoint
# judging against moto, with the AWS CLI as the client: a credential_process profile written by
# Install-ZymCredentialProcess, serve's container (ECS) and instance metadata (IMDSv2) endpoints, the credentials file
# kept by update; one request for twenty parallel cold invocations; a silenced device.
BeforeDiscovery {
    $arch = [System.Runtime.InteropServices.RuntimeInformation]::OSArchitecture.ToString().ToLowerInvariant()
    $rid = @{ x64 = 'linux-x64'; arm64 = 'linux-arm64' }[$arch]
    $script:HelperMissing = -not ($IsLinux -and $rid -and $env:ZYM_MODULE_PATH -and (Test-Path (Join-Path $env:ZYM_MODULE_PATH "bin/$rid/zymaws-credential")))
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    Import-Module $script:ModuleManifest -Force
    $rid = @{ X64 = 'linux-x64'; Arm64 = 'linux-arm64' }[[System.Runtime.InteropServices.RuntimeInformation]::OSArchitecture.ToString()]
    $script:Helper = Join-Path $script:ModulePath "bin/$rid/zymaws-credential"
    Initialize-TestCredentialWorld

    function New-HelperProcess([string[]] $Arguments, [hashtable] $Environment = @{}) {
        # The helper as a child process, stdout and stderr read to the end in the background (so it never blocks on a pipe).
        $start = [System.Diagnostics.ProcessStartInfo]::new($script:Helper)
        foreach ($argument in $Arguments) { $start.ArgumentList.Add($argument) }
        $start.UseShellExecute = $false; $start.RedirectStandardOutput = $true; $start.RedirectStandardError = $true
        foreach ($name in $Environment.Keys) {
            if ($null -eq $Environment[$name]) { $start.Environment.Remove($name) | Out-Null } else { $start.Environment[$name] = $Environment[$name] }
        }
        $process = [System.Diagnostics.Process]::Start($start)
        $process | Add-Member -NotePropertyName StdOutTask -NotePropertyValue $process.StandardOutput.ReadToEndAsync()
        $process | Add-Member -NotePropertyName StdErrTask -NotePropertyValue $process.StandardError.ReadToEndAsync() -PassThru
    }

    function Complete-HelperProcess($Process, [int] $TimeoutSeconds = 60) {
        if (-not $Process.WaitForExit($TimeoutSeconds * 1000)) { $Process.Kill(); throw "zymaws-credential did not exit within $TimeoutSeconds s." }
        $Process.WaitForExit()
        [pscustomobject]@{ ExitCode = $Process.ExitCode; StdOut = $Process.StdOutTask.Result; StdErr = $Process.StdErrTask.Result }
    }

    function Invoke-Helper([string[]] $Arguments, [hashtable] $Environment = @{}) {
        Complete-HelperProcess (New-HelperProcess $Arguments $Environment)
    }

    function Stop-HelperProcess($Process) {
        # SIGTERM, as systemd stops a service: the helper ends cleanly with exit code 0.
        if (-not $Process.HasExited) { & /bin/kill -TERM $Process.Id }
        Complete-HelperProcess $Process 20
    }

    # The helper's options for a device of this world, with a cache folder of its own.
    function Get-HelperArguments($Device, [string] $Cache = (Join-Path $TestDrive "cache-$($Device.ThingName)")) {
        @('--certificate', $Device.CertificatePath, '--key', $Device.KeyPath, '--connect-address', $script:Server.ConnectAddress,
            '--server-ca', $script:Server.ServerCaCertificatePath, '--cache-dir', $Cache)
    }

    # serve with a free port; waits for its --env-file and returns the process with the variables it printed.
    function Start-HelperServe($Device, [string[]] $Extra = @(), [string] $Cache = (Join-Path $TestDrive "cache-$($Device.ThingName)")) {
        $envFile = Join-Path $TestDrive ("serve-" + [guid]::NewGuid().ToString('n') + '.env')
        $process = New-HelperProcess (@('serve', '--port', '0', '--env-file', $envFile) + (Get-HelperArguments $Device $Cache) + $Extra)
        $deadline = [DateTime]::UtcNow.AddSeconds(30)
        while (-not (Test-Path $envFile)) {
            if ($process.HasExited -or [DateTime]::UtcNow -gt $deadline) {
                $result = Complete-HelperProcess $process 5
                throw "serve did not start: $($result.StdErr)"
            }
            Start-Sleep -Milliseconds 50
        }
        $variables = @{}
        foreach ($line in Get-Content $envFile) { $name, $value = $line -split '=', 2; $variables[$name] = $value }
        [pscustomobject]@{ Process = $process; Variables = $variables; EnvFile = $envFile }
    }

    # The AWS CLI with nothing but what a test gives it: no profile files, no keys in the environment.
    $script:Bare = @{ AWS_CONFIG_FILE = '/dev/null'; AWS_SHARED_CREDENTIALS_FILE = '/dev/null'; AWS_ACCESS_KEY_ID = $null; AWS_SECRET_ACCESS_KEY = $null
        AWS_SESSION_TOKEN = $null; AWS_PROFILE = $null; AWS_DEFAULT_REGION = 'us-east-1'; AWS_CONTAINER_CREDENTIALS_FULL_URI = $null
        AWS_CONTAINER_AUTHORIZATION_TOKEN = $null; AWS_EC2_METADATA_SERVICE_ENDPOINT = $null; AWS_EC2_METADATA_DISABLED = 'true' }
    function Invoke-CallerIdentity([hashtable] $Environment, [string[]] $Extra = @()) {
        $all = $script:Bare.Clone(); foreach ($name in $Environment.Keys) { $all[$name] = $Environment[$name] }
        Invoke-AwsCliAs $all (@($Extra) + @('sts', 'get-caller-identity'))
    }

    $script:RoleArn = 'arn:aws:sts::123456789012:assumed-role/devRole/*'
}

AfterAll {
    Stop-TestCredentialWorld
}

Describe 'zymaws-credential' -Skip:$script:HelperMissing {
    It 'says its version and usage; a wrong command line exits 2 with the reason on stderr' {
        $version = Invoke-Helper @('--version')
        $version.ExitCode | Should -Be 0
        $version.StdOut | Should -Match '^zymaws-credential \d+\.\d+\.\d+'
        (Invoke-Helper @('serve', '--help')).StdOut | Should -Match 'AWS_CONTAINER_AUTHORIZATION_TOKEN'

        $wrong = Invoke-Helper @('credential-process', '--port', '1')
        $wrong.ExitCode | Should -Be 2
        $wrong.StdOut | Should -BeNullOrEmpty
        $wrong.StdErr | Should -Match "'--port' does not go with 'credential-process'"
    }

    It 'inspect shows the subject fields, endpoint, key source and cache state, and asks nothing' {
        $device = New-TestDevice 'helper-inspect'
        $arguments = Get-HelperArguments $device
        $requests = $script:Server.RequestCount

        $inspect = Invoke-Helper (@('inspect', '--json') + $arguments)
        $inspect.ExitCode | Should -Be 0 -Because $inspect.StdErr
        $facts = $inspect.StdOut | ConvertFrom-Json
        $facts.subject | Should -Match 'CN=helper-inspect'
        $facts.thingName | Should -Be 'helper-inspect'
        $facts.roleAlias | Should -Be 'devAlias'
        $facts.region | Should -Be 'us-east-1'
        $facts.endpointHost | Should -Be $script:EndpointHost
        $facts.keySource | Should -BeLike "*$($device.KeyPath)"
        $facts.cacheState | Should -Be 'empty'
        $script:Server.RequestCount | Should -Be $requests

        (Invoke-Helper (@('credential-process') + $arguments)).ExitCode | Should -Be 0
        $after = (Invoke-Helper (@('inspect', '--json', '--check-key') + $arguments)).StdOut | ConvertFrom-Json
        $after.cacheState | Should -Be 'fresh'
        $after.cachedAccessKeyId | Should -Match '^ASIA'
        $after.keyCheck | Should -Be 'matches the certificate'
        (Get-Item $after.cacheFile).UnixFileMode | Should -Be ([System.IO.UnixFileMode]'UserRead, UserWrite')
        $script:Server.RequestCount | Should -Be ($requests + 1)

        $text = Invoke-Helper (@('inspect') + $arguments)
        $text.StdOut | Should -Match 'role alias\s+devAlias\s+\[certificate OU\]'
    }

    It 'credential-process prints only the JSON, with the real expiry; a second call is answered from the cache' {
        $device = New-TestDevice 'helper-json'
        $arguments = Get-HelperArguments $device
        $served = $script:Server.ServedCount

        $first = Invoke-Helper (@('credential-process') + $arguments)
        $first.ExitCode | Should -Be 0 -Because $first.StdErr
        $first.StdErr | Should -BeNullOrEmpty
        $json = $first.StdOut | ConvertFrom-Json
        $json.Version | Should -Be 1
        $json.AccessKeyId | Should -Match '^ASIA'
        ([DateTime]$json.Expiration).ToUniversalTime() | Should -BeGreaterThan ([DateTime]::UtcNow.AddMinutes(50))

        $second = Invoke-Helper (@('credential-process') + $arguments)
        ($second.StdOut | ConvertFrom-Json).AccessKeyId | Should -Be $json.AccessKeyId
        $script:Server.ServedCount | Should -Be ($served + 1)
    }

    It 'Install-ZymCredentialProcess points a profile at it (Native), and the AWS CLI is the role; -UsePwsh falls back to pwsh' {
        $device = New-TestDevice 'helper-profile'
        $config = Join-Path $TestDrive 'helper-aws/config'
        $common = @{ ConfigPath = $config; CertificatePath = $device.CertificatePath; KeyPath = $device.KeyPath; ConnectAddress = $script:Server.ConnectAddress
            ServerCaCertificate = $script:Server.ServerCaCertificatePath; CacheDirectory = (Join-Path $TestDrive 'helper-profile-cache') }
        $profile = Install-ZymCredentialProcess -ProfileName device @common
        $profile.Native | Should -BeTrue
        $profile.CredentialProcess | Should -BeLike "$script:Helper credential-process *"

        $cli = Invoke-CallerIdentity @{ AWS_CONFIG_FILE = $config } @('--profile', 'device')
        $cli.ExitCode | Should -Be 0 -Because $cli.Output
        ($cli.Output | ConvertFrom-Json).Arn | Should -BeLike $script:RoleArn

        $fallback = Install-ZymCredentialProcess -ProfileName device-pwsh -UsePwsh @common
        $fallback.Native | Should -BeFalse
        $fallback.CredentialProcess | Should -Match 'zymaws-credential\.ps1'
        $viaPwsh = Invoke-CallerIdentity @{ AWS_CONFIG_FILE = $config } @('--profile', 'device-pwsh')
        $viaPwsh.ExitCode | Should -Be 0 -Because $viaPwsh.Output
        ($viaPwsh.Output | ConvertFrom-Json).Arn | Should -BeLike $script:RoleArn
    }

    It 'twenty parallel credential-process invocations with a cold cache make exactly one request' {
        $device = New-TestDevice 'helper-parallel'
        $arguments = @('credential-process') + (Get-HelperArguments $device (Join-Path $TestDrive 'parallel-cache'))
        $requests = $script:Server.RequestCount
        $processes = 1..20 | ForEach-Object { New-HelperProcess $arguments }
        $results = $processes | ForEach-Object { Complete-HelperProcess $_ }

        @($results | Where-Object ExitCode -ne 0).Count | Should -Be 0 -Because (($results | Where-Object ExitCode -ne 0 | Select-Object -First 1).StdErr)
        @($results | ForEach-Object { ($_.StdOut | ConvertFrom-Json).AccessKeyId } | Sort-Object -Unique).Count | Should -Be 1
        $script:Server.RequestCount | Should -Be ($requests + 1)
    }

    It 'signs the handshake inside the Zymkey (simulator)' {
        $device = New-TestZymkeyDevice 'zk-helper' 'ZK-HELPER-PESTER'
        $environment = $device.Environment; $certificate = $device.Certificate

        $arguments = @('credential-process', '--certificate', $certificate.Path, '--connect-address', $script:Server.ConnectAddress,
            '--server-ca', $script:Server.ServerCaCertificatePath, '--cache-dir', (Join-Path $TestDrive 'zk-helper-cache'), '--verbose')
        $fetched = Invoke-Helper $arguments $environment
        $fetched.ExitCode | Should -Be 0 -Because $fetched.StdErr
        ($fetched.StdOut | ConvertFrom-Json).AccessKeyId | Should -Match '^ASIA'
        $fetched.StdErr | Should -Match 'Zymkey slot 0'
    }
}

Describe 'zymaws-credential serve' -Skip:$script:HelperMissing {
    BeforeAll {
        $script:ServeDevice = New-TestDevice 'helper-serve'
        $script:Serve = Start-HelperServe $script:ServeDevice
        $script:Endpoint = $script:Serve.Variables.AWS_EC2_METADATA_SERVICE_ENDPOINT
    }

    AfterAll {
        if ($script:Serve) { Stop-HelperProcess $script:Serve.Process | Out-Null }
    }

    It 'prints the container variables, loopback only, with a generated token, in an owner-only file' {
        $script:Serve.Variables.AWS_CONTAINER_CREDENTIALS_FULL_URI | Should -Match '^http://127\.0\.0\.1:\d+/credentials$'
        $script:Serve.Variables.AWS_CONTAINER_AUTHORIZATION_TOKEN | Should -Match '^[A-Za-z0-9_-]{40,}$'
        $script:Endpoint | Should -Match '^http://127\.0\.0\.1:\d+/$'
        (Get-Item $script:Serve.EnvFile).UnixFileMode | Should -Be ([System.IO.UnixFileMode]'UserRead, UserWrite')
    }

    It 'the AWS CLI is the role through the container endpoint (ECS)' {
        $cli = Invoke-CallerIdentity @{ AWS_CONTAINER_CREDENTIALS_FULL_URI = $script:Serve.Variables.AWS_CONTAINER_CREDENTIALS_FULL_URI
            AWS_CONTAINER_AUTHORIZATION_TOKEN = $script:Serve.Variables.AWS_CONTAINER_AUTHORIZATION_TOKEN }
        $cli.ExitCode | Should -Be 0 -Because $cli.Output
        ($cli.Output | ConvertFrom-Json).Arn | Should -BeLike $script:RoleArn
    }

    It 'refuses a container request without the token, or with another' {
        $uri = $script:Serve.Variables.AWS_CONTAINER_CREDENTIALS_FULL_URI
        (Invoke-WebRequest $uri -SkipHttpErrorCheck).StatusCode | Should -Be 401
        (Invoke-WebRequest $uri -Headers @{ Authorization = 'not-the-token' } -SkipHttpErrorCheck).StatusCode | Should -Be 401

        # And the AWS CLI without it reports the refusal.
        $cli = Invoke-CallerIdentity @{ AWS_CONTAINER_CREDENTIALS_FULL_URI = $uri }
        $cli.ExitCode | Should -Not -Be 0
        $cli.Output | Should -Match '401'
    }

    It 'the AWS CLI is the role through the instance metadata flow (IMDSv2)' {
        $cli = Invoke-CallerIdentity @{ AWS_EC2_METADATA_DISABLED = $null; AWS_EC2_METADATA_SERVICE_ENDPOINT = $script:Endpoint }
        $cli.ExitCode | Should -Be 0 -Because $cli.Output
        ($cli.Output | ConvertFrom-Json).Arn | Should -BeLike $script:RoleArn
    }

    It 'serves metadata only with a session token (PUT first), never to a forwarded PUT, and lists the role alias' {
        $list = "$($script:Endpoint)latest/meta-data/iam/security-credentials/"
        (Invoke-WebRequest $list -SkipHttpErrorCheck).StatusCode | Should -Be 401
        (Invoke-WebRequest "$($script:Endpoint)latest/api/token" -Method Put -Headers @{ 'X-aws-ec2-metadata-token-ttl-seconds' = '60'; 'X-Forwarded-For' = '10.0.0.1' } -SkipHttpErrorCheck).StatusCode | Should -Be 403
        (Invoke-WebRequest "$($script:Endpoint)latest/api/token" -Method Put -SkipHttpErrorCheck).StatusCode | Should -Be 400

        $token = Invoke-RestMethod "$($script:Endpoint)latest/api/token" -Method Put -Headers @{ 'X-aws-ec2-metadata-token-ttl-seconds' = '60' }
        $headers = @{ 'X-aws-ec2-metadata-token' = $token }
        Invoke-RestMethod $list -Headers $headers | Should -Be 'devAlias'
        $credentials = Invoke-RestMethod "$($list)devAlias" -Headers $headers
        $credentials.Code | Should -Be 'Success'
        $credentials.AccessKeyId | Should -Match '^ASIA'
        ([DateTime]$credentials.Expiration).ToUniversalTime() | Should -BeGreaterThan ([DateTime]::UtcNow.AddMinutes(50))
        Invoke-RestMethod "$($script:Endpoint)latest/meta-data/placement/region" -Headers $headers | Should -Be 'us-east-1'
    }

    It 'stops on SIGTERM with exit code 0 and removes its environment file' {
        $serve = Start-HelperServe $script:ServeDevice @('--no-imds')
        $serve.Variables.ContainsKey('AWS_EC2_METADATA_SERVICE_ENDPOINT') | Should -BeFalse
        $stopped = Stop-HelperProcess $serve.Process
        $stopped.ExitCode | Should -Be 0 -Because $stopped.StdErr
        Test-Path $serve.EnvFile | Should -BeFalse
    }
}

Describe 'zymaws-credential update' -Skip:$script:HelperMissing {
    It 'writes the profile into the credentials file, the rest kept, owner-only; the AWS CLI is the role' {
        $device = New-TestDevice 'helper-update'
        $file = Join-Path $TestDrive 'update/credentials'
        New-Item -ItemType Directory -Force (Split-Path $file) | Out-Null
        Set-Content -Path $file -Value "[default]`naws_access_key_id = AKIAKEEPME`naws_secret_access_key = keep`n# a comment`n" -NoNewline

        $once = Invoke-Helper (@('update', '--profile', 'device', '--credentials-file', $file, '--once') + (Get-HelperArguments $device))
        $once.ExitCode | Should -Be 0 -Because $once.StdErr
        $once.StdOut | Should -BeNullOrEmpty
        $text = Get-Content -Raw $file
        $text | Should -Match '(?s)^\[default\]\naws_access_key_id = AKIAKEEPME\naws_secret_access_key = keep\n# a comment\n\n\[device\]\naws_access_key_id = ASIA\w+\naws_secret_access_key = \S+\naws_session_token = \S+\n$'
        (Get-Item $file).UnixFileMode | Should -Be ([System.IO.UnixFileMode]'UserRead, UserWrite')

        $cli = Invoke-CallerIdentity @{ AWS_SHARED_CREDENTIALS_FILE = $file } @('--profile', 'device')
        $cli.ExitCode | Should -Be 0 -Because $cli.Output
        ($cli.Output | ConvertFrom-Json).Arn | Should -BeLike $script:RoleArn
    }

    It 'is safe with several writers: five at once into one file lose nothing' {
        $device = New-TestDevice 'helper-writers'
        $file = Join-Path $TestDrive 'writers/credentials'
        $processes = 1..5 | ForEach-Object { New-HelperProcess (@('update', '--profile', "p$_", '--credentials-file', $file, '--once') + (Get-HelperArguments $device)) }
        $results = $processes | ForEach-Object { Complete-HelperProcess $_ }
        @($results | Where-Object ExitCode -ne 0).Count | Should -Be 0
        foreach ($n in 1..5) { (Get-Content -Raw $file) | Should -Match "\[p$n\]\naws_access_key_id = ASIA" }
    }

    It 'keeps running until SIGTERM, having written the profile' {
        $device = New-TestDevice 'helper-update-loop'
        $file = Join-Path $TestDrive 'loop/credentials'
        $process = New-HelperProcess (@('update', '--profile', 'device', '--credentials-file', $file) + (Get-HelperArguments $device))
        $deadline = [DateTime]::UtcNow.AddSeconds(30)
        while (-not ((Test-Path $file) -and (Get-Content -Raw $file) -match 'aws_session_token') -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
        $process.HasExited | Should -BeFalse
        $stopped = Stop-HelperProcess $process
        $stopped.ExitCode | Should -Be 0
        $stopped.StdErr | Should -Match 'profile \[device\] .* rewritten at'
    }
}

Describe 'a silenced device' -Skip:$script:HelperMissing {
    BeforeAll {
        # A device that got credentials, then was silenced: its certificate set INACTIVE with the AWS CLI.
        $script:Silenced = New-TestDevice 'helper-silenced'
        $script:SilencedCache = Join-Path $TestDrive 'silenced-cache'
        (Invoke-Helper (@('credential-process') + (Get-HelperArguments $script:Silenced $script:SilencedCache))).ExitCode | Should -Be 0
        Invoke-AwsCli $script:Moto iot update-certificate --certificate-id $script:Silenced.Certificate.CertificateId --new-status INACTIVE | Out-Null
    }

    It 'credential-process exits 1 with the endpoint''s reason on stderr and nothing on stdout' {
        $refused = Invoke-Helper (@('credential-process') + (Get-HelperArguments $script:Silenced (Join-Path $TestDrive 'silenced-fresh-cache')))
        $refused.ExitCode | Should -Be 1
        $refused.StdOut | Should -BeNullOrEmpty
        $refused.StdErr | Should -Match 'CredentialCertificateRefused|refused the device certificate'
        $refused.StdErr | Should -Match 'INACTIVE'
    }

    It 'serve re-asks once its cached credentials are no longer usable, and answers the refusal, not stale credentials' {
        # The cache holds this device's credentials as if fetched 56 minutes ago: 4 minutes left, inside the refresh margin.
        $cacheFile = ((Invoke-Helper (@('inspect', '--json') + (Get-HelperArguments $script:Silenced $script:SilencedCache))).StdOut | ConvertFrom-Json).cacheFile
        $stale = Get-Content -Raw $cacheFile | ConvertFrom-Json
        $stale.AccessKeyId = 'ASIASTALECREDENTIALS'
        $stale.Expiration = [DateTime]::UtcNow.AddMinutes(4).ToString('o')
        $stale.ObtainedAt = [DateTime]::UtcNow.AddMinutes(-56).ToString('o')
        Set-Content -Path $cacheFile -Value ($stale | ConvertTo-Json -Compress) -NoNewline
        $requests = $script:Server.RequestCount + $script:Server.HandshakeRefusalCount

        $serve = Start-HelperServe $script:Silenced -Cache $script:SilencedCache
        try {
            $container = @{ AWS_CONTAINER_CREDENTIALS_FULL_URI = $serve.Variables.AWS_CONTAINER_CREDENTIALS_FULL_URI
                AWS_CONTAINER_AUTHORIZATION_TOKEN = $serve.Variables.AWS_CONTAINER_AUTHORIZATION_TOKEN }
            $answer = Invoke-WebRequest $container.AWS_CONTAINER_CREDENTIALS_FULL_URI -Headers @{ Authorization = $container.AWS_CONTAINER_AUTHORIZATION_TOKEN } -SkipHttpErrorCheck
            $answer.StatusCode | Should -Be 403
            $answer.Content | Should -Not -Match 'ASIASTALE'
            ($answer.Content | ConvertFrom-Json).Message | Should -Match 'INACTIVE'

            # The AWS CLI reports the endpoint's reason.
            $cli = Invoke-CallerIdentity $container
            $cli.ExitCode | Should -Not -Be 0
            $cli.Output | Should -Match 'container-role'
            $cli.Output | Should -Match '403'
            $cli.Output | Should -Match 'INACTIVE'

            # The metadata protocol does not hand out the stale credentials either.
            $token = Invoke-RestMethod "$($serve.Variables.AWS_EC2_METADATA_SERVICE_ENDPOINT)latest/api/token" -Method Put -Headers @{ 'X-aws-ec2-metadata-token-ttl-seconds' = '60' }
            $imds = Invoke-WebRequest "$($serve.Variables.AWS_EC2_METADATA_SERVICE_ENDPOINT)latest/meta-data/iam/security-credentials/devAlias" -Headers @{ 'X-aws-ec2-metadata-token' = $token } -SkipHttpErrorCheck
            $imds.StatusCode | Should -Be 403
            $imds.Content | Should -Not -Match 'ASIASTALE'

            # It did ask the endpoint again (and was refused in the handshake).
            ($script:Server.RequestCount + $script:Server.HandshakeRefusalCount) | Should -BeGreaterThan $requests
        }
        finally { Stop-HelperProcess $serve.Process | Out-Null }
    }
}
