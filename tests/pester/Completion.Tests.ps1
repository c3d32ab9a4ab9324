# Tab completion as an operator meets it (TabExpansion2): regions from the SDK, profiles from the shared files, and
# the account's names (policies, aliases, roles, things) asked of moto with the connection the command line names.
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    Import-Module $script:ModuleManifest -Force
    $script:Moto = Start-TestMoto
    $script:Connection = "-EndpointUrl $($script:Moto.Url) -Region us-east-1 -AccessKey testing -SecretKey testing"

    function Get-Completion([string] $Line) {
        @((TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches.CompletionText)
    }
}

AfterAll {
    Stop-TestMoto $script:Moto
}

Describe 'Tab completion' {
    It 'completes -Region from the regions the SDK knows' {
        $regions = Get-Completion 'Get-ZymDevice -Region eu-west-'
        $regions | Should -Contain 'eu-west-1'
        $regions | Should -Contain 'eu-west-3'
        $regions | Should -Not -Contain 'us-east-1'
    }

    It 'completes -ProfileName from the shared config and credentials files' {
        $config = Join-Path $TestDrive 'config'
        Set-Content -Path $config -Value "[profile fleet-admin]`nregion = eu-west-1`n[profile fleet-readonly]`nregion = eu-west-1`n[default]`nregion = us-east-1"
        $saved = $env:AWS_CONFIG_FILE, $env:AWS_SHARED_CREDENTIALS_FILE
        $env:AWS_CONFIG_FILE = $config
        $env:AWS_SHARED_CREDENTIALS_FILE = Join-Path $TestDrive 'no-credentials'
        try {
            Get-Completion 'Get-ZymDevice -ProfileName fleet-' | Sort-Object | Should -Be @('fleet-admin', 'fleet-readonly')
        }
        finally { $env:AWS_CONFIG_FILE, $env:AWS_SHARED_CREDENTIALS_FILE = $saved }
    }

    It 'completes the account''s policies, aliases, roles and things with the command line''s connection' {
        Initialize-ZymCredentialProvider -RoleName 'completeRole' -RoleAlias 'completeAlias' -PolicyName 'completePolicy' -EndpointUrl $script:Moto.Url -Region us-east-1 -AccessKey testing -SecretKey testing | Out-Null
        Invoke-AwsCli $script:Moto iot create-thing --thing-name 'complete-thing-1' | Out-Null
        Invoke-AwsCli $script:Moto iot create-thing --thing-name 'other-thing' | Out-Null

        Get-Completion "Remove-ZymCredentialProvider $script:Connection -PolicyName complete" | Should -Be 'completePolicy'
        Get-Completion "Remove-ZymCredentialProvider $script:Connection -RoleAlias complete" | Should -Be 'completeAlias'
        Get-Completion "Remove-ZymCredentialProvider $script:Connection -RoleName complete" | Should -Be 'completeRole'
        Get-Completion "Disable-ZymDevice $script:Connection -ThingName complete-" | Should -Be 'complete-thing-1'
        Get-Completion "Get-ZymDevice $script:Connection -ThingName other" | Should -Be 'other-thing'
    }

    It 'offers nothing, and leaves no error, when the account cannot be asked' {
        $Error.Clear()
        Get-Completion 'Get-ZymDevice -EndpointUrl http://127.0.0.1:9 -Region us-east-1 -AccessKey testing -SecretKey testing -ThingName a' | Should -BeNullOrEmpty
        $Error.Count | Should -Be 0
    }

    It 'completes Invoke-ZymDeviceProvisioning -CertificateAuthority with its modes' {
        Get-Completion 'Invoke-ZymDeviceProvisioning -CertificateAuthority Aws' | Should -Be 'AwsIot'
    }
}
