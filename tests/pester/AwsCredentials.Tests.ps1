# Credentials and region as AWS Tools for PowerShell resolves them, seen from the cmdlets.
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    Import-Module $script:ModuleManifest -Force
    $script:Moto = Start-TestMoto

    # What AWS.Tools' Set-AWSCredential leaves in $StoredAWSCredentials: an object whose GetCredentials() gives
    # AccessKey/SecretKey/Token (here from a PowerShell class, i.e. another assembly than the module's AWSSDK.Core).
    class FakeImmutableCredentials { [string] $AccessKey; [string] $SecretKey; [string] $Token }
    class FakeAwsCredentials {
        [FakeImmutableCredentials] GetCredentials() { return [FakeImmutableCredentials]@{ AccessKey = 'AKIDSTORED'; SecretKey = 'stored-secret-never-shown'; Token = $null } }
    }

    function Get-CredentialSource([hashtable] $Parameters) {
        $records = Get-ZymCredentialProviderEndpoint @Parameters -Verbose 4>&1
        $line = @($records | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -like 'AWS credentials from*' })[0]
        $line.Message
    }
}

AfterAll {
    Stop-TestMoto $script:Moto
    Remove-Variable -Name StoredAWSCredentials -Scope Global -ErrorAction SilentlyContinue
}

Describe 'AWS credentials' {
    It 'uses $StoredAWSCredentials set by AWS.Tools, and never shows its secret' {
        $global:StoredAWSCredentials = [FakeAwsCredentials]::new()
        try {
            $records = Get-ZymCredentialProviderEndpoint -EndpointUrl $script:Moto.Url -Region us-east-1 -Verbose 4>&1
            ($records | Where-Object { $_ -is [ZymAws.Provisioning.CredentialProviderEndpoint] }).Host | Should -Match 'credentials\.iot'
            $text = ($records | ForEach-Object { "$_" }) -join "`n"
            $text | Should -Match ([regex]::Escape('AWS credentials from $StoredAWSCredentials'))
            $text | Should -Not -Match 'stored-secret-never-shown'
        }
        finally { Remove-Variable -Name StoredAWSCredentials -Scope Global }
    }

    It 'prefers literal keys to $StoredAWSCredentials, as AWS.Tools does' {
        $global:StoredAWSCredentials = [FakeAwsCredentials]::new()
        try {
            Get-CredentialSource @{ EndpointUrl = $script:Moto.Url; Region = 'us-east-1'; AccessKey = 'AKIDLITERAL'; SecretKey = 'x' } |
                Should -Match '-AccessKey/-SecretKey parameters'
        }
        finally { Remove-Variable -Name StoredAWSCredentials -Scope Global }
    }

    It 'takes a PSCredential (access key id as user name, secret as password), and never shows the secret' {
        $secret = ConvertTo-SecureString 'pscredential-secret-never-shown' -AsPlainText -Force
        $credential = [pscredential]::new('AKIDPSCREDENTIAL', $secret)
        $records = Get-ZymCredentialProviderEndpoint -EndpointUrl $script:Moto.Url -Region us-east-1 -Credential $credential -Verbose 4>&1
        ($records | Where-Object { $_ -is [ZymAws.Provisioning.CredentialProviderEndpoint] }).Host | Should -Match 'credentials\.iot'
        $text = ($records | ForEach-Object { "$_" }) -join "`n"
        $text | Should -Match ([regex]::Escape('-Credential (PSCredential'))
        $text | Should -Not -Match 'pscredential-secret-never-shown'
    }

    It 'reads a named profile from -ProfileLocation' {
        $file = Join-Path $TestDrive 'credentials'
        Set-Content $file "[fleet-admin]`naws_access_key_id = AKIDPROFILE`naws_secret_access_key = profile-secret`n"
        Get-CredentialSource @{ EndpointUrl = $script:Moto.Url; Region = 'us-east-1'; ProfileName = 'fleet-admin'; ProfileLocation = $file } |
            Should -Match "profile 'fleet-admin'"
    }

    It 'refuses half a key pair with a clear error' {
        { Get-ZymCredentialProviderEndpoint -EndpointUrl $script:Moto.Url -Region us-east-1 -AccessKey 'AKIDONLY' -ErrorAction Stop } |
            Should -Throw -ErrorId 'AwsCredentialIncomplete*'
    }

    It 'turns a failing instance-metadata lookup into the same clear error, off EC2' {
        $home3 = Join-Path $TestDrive 'empty-home-imds'; New-Item -ItemType Directory $home3 | Out-Null
        # Metadata is not disabled here: the lookup runs, fails (no EC2), and must still say what was tried.
        $environment = @{ HOME = $home3; AWS_EC2_METADATA_DISABLED = $null; AWS_EC2_METADATA_SERVICE_ENDPOINT = 'http://127.0.0.1:9'
            AWS_ACCESS_KEY_ID = $null; AWS_SECRET_ACCESS_KEY = $null; AWS_PROFILE = $null; AWS_SHARED_CREDENTIALS_FILE = $null; AWS_CONFIG_FILE = $null }
        $child = Invoke-ChildPwsh -Environment $environment @"
Import-Module '$script:ModuleManifest'
try { Get-ZymCredentialProviderEndpoint -EndpointUrl '$($script:Moto.Url)' -Region us-east-1 } catch { `$_.FullyQualifiedErrorId }
"@
        $child.Output[-1] | Should -BeLike 'AwsCredentialsNotFound,*'
    }

    It 'says what it tried when there are no credentials anywhere' {
        $home2 = Join-Path $TestDrive 'empty-home'; New-Item -ItemType Directory $home2 | Out-Null
        $environment = @{ HOME = $home2; AWS_EC2_METADATA_DISABLED = 'true'; AWS_ACCESS_KEY_ID = $null; AWS_SECRET_ACCESS_KEY = $null; AWS_PROFILE = $null
            AWS_SHARED_CREDENTIALS_FILE = $null; AWS_CONFIG_FILE = $null }
        $child = Invoke-ChildPwsh -Environment $environment @"
Import-Module '$script:ModuleManifest'
try { Get-ZymCredentialProviderEndpoint -EndpointUrl '$($script:Moto.Url)' -Region us-east-1 } catch { `$_.FullyQualifiedErrorId; `$_.Exception.Message }
"@
        $child.Output[0] | Should -BeLike 'AwsCredentialsNotFound,*'
        ($child.Output -join "`n") | Should -Match 'StoredAWSCredentials'
        ($child.Output -join "`n") | Should -Match 'AWS_ACCESS_KEY_ID'
    }
}
