# Safety and clarity (issue 14): replacing a CA, inputs that are not certificates, one key per device, CA folders,
# debug and warning records in a non-interactive batch, -Confirm, certificate files, the operator's IAM policies.
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    Import-Module $script:ModuleManifest -Force
    $script:Moto = Start-TestMoto
    $script:Aws = Get-TestAwsParameters $script:Moto
    function Get-Mode([string] $Path) { (& stat -c '%a' $Path).Trim() }

    # A child pwsh that has no AWS credentials or region anywhere (no environment, no shared files).
    $script:NoAws = @{
        AWS_ACCESS_KEY_ID = $null; AWS_SECRET_ACCESS_KEY = $null; AWS_SESSION_TOKEN = $null; AWS_PROFILE = $null
        AWS_REGION = $null; AWS_DEFAULT_REGION = $null
        AWS_SHARED_CREDENTIALS_FILE = (Join-Path $TestDrive 'no-credentials'); AWS_CONFIG_FILE = (Join-Path $TestDrive 'no-config')
        AWS_EC2_METADATA_DISABLED = 'true'
    }

    # A host that answers every question Yes and counts them (ShouldProcess, ShouldContinue: PromptForChoice).
    Add-Type -TypeDefinition @'
using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Security;

namespace SafetyTests
{
    public sealed class YesHost : PSHost
    {
        private readonly Guid _id = Guid.NewGuid();
        private readonly YesUI _ui = new YesUI();
        public override string Name { get { return "YesHost"; } }
        public override Version Version { get { return new Version(1, 0); } }
        public override Guid InstanceId { get { return _id; } }
        public override PSHostUserInterface UI { get { return _ui; } }
        public YesUI Answers { get { return _ui; } }
        public override CultureInfo CurrentCulture { get { return CultureInfo.InvariantCulture; } }
        public override CultureInfo CurrentUICulture { get { return CultureInfo.InvariantCulture; } }
        public override void SetShouldExit(int exitCode) { }
        public override void EnterNestedPrompt() { throw new NotSupportedException(); }
        public override void ExitNestedPrompt() { throw new NotSupportedException(); }
        public override void NotifyBeginApplication() { }
        public override void NotifyEndApplication() { }
    }

    public sealed class YesUI : PSHostUserInterface
    {
        public readonly List<string> Questions = new List<string>();
        public override PSHostRawUserInterface RawUI { get { return null; } }
        public override int PromptForChoice(string caption, string message, Collection<ChoiceDescription> choices, int defaultChoice)
        {
            lock (Questions) { Questions.Add(message); }
            for (int i = 0; i < choices.Count; i++)
            {
                if (choices[i].Label.Replace("&", "").Equals("Yes", StringComparison.OrdinalIgnoreCase)) { return i; }
            }
            throw new InvalidOperationException("No Yes choice in this prompt.");
        }
        public override Dictionary<string, PSObject> Prompt(string caption, string message, Collection<FieldDescription> descriptions) { throw new NotSupportedException(); }
        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) { throw new NotSupportedException(); }
        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName, PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options) { throw new NotSupportedException(); }
        public override string ReadLine() { return string.Empty; }
        public override SecureString ReadLineAsSecureString() { return new SecureString(); }
        public override void Write(string value) { }
        public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) { }
        public override void WriteLine(string value) { }
        public override void WriteErrorLine(string value) { }
        public override void WriteDebugLine(string message) { }
        public override void WriteProgress(long sourceId, ProgressRecord record) { }
        public override void WriteVerboseLine(string message) { }
        public override void WriteWarningLine(string message) { }
    }
}
'@

    # Runs a script in a runspace with the YesHost; returns its output and the questions asked.
    function Invoke-WithYesHost([string] $Script, [hashtable] $Arguments = @{}) {
        $yes = [SafetyTests.YesHost]::new()
        $runspace = [runspacefactory]::CreateRunspace($yes)
        $runspace.Open()
        try {
            $ps = [powershell]::Create()
            $ps.Runspace = $runspace
            $null = $ps.AddScript("Import-Module '$script:ModuleManifest'").AddStatement().AddScript($Script)
            foreach ($name in $Arguments.Keys) { $null = $ps.AddParameter($name, $Arguments[$name]) }
            $output = $ps.Invoke()
            [pscustomobject]@{ Output = @($output); Errors = @($ps.Streams.Error); Questions = @($yes.Answers.Questions) }
        }
        finally { $runspace.Dispose() }
    }

    $script:Ca = New-ZymCertificateAuthority -Path (Join-Path $TestDrive 'ca') -Subject 'CN=Safety Test CA' -NoPassphrase
    $script:Ca | Register-ZymCaWithAws @script:Aws -SetActive | Out-Null
    Initialize-ZymCredentialProvider -RoleName 'safeRole' -RoleAlias 'safeAlias' -PolicyName 'safePolicy' @script:Aws | Out-Null

    function New-TestCertificates([string] $Prefix, [int] $Count) {
        1..$Count | ForEach-Object { [pscustomobject]@{ ThingName = "$Prefix-$_"; KeyPath = (Join-Path $TestDrive "keys-$Prefix/$Prefix-$_.key") } } |
            New-ZymDeviceCsr -NoPassphrase -IotPolicy 'safePolicy' -Region 'us-east-1' -RoleAlias 'safeAlias' |
            Approve-ZymDeviceCsr -CertificateAuthority $script:Ca -OutDirectory (Join-Path $TestDrive "certs-$Prefix")
    }
}

AfterAll { Stop-TestMoto $script:Moto }

Describe 'New-ZymCertificateAuthority -Force over an existing CA' {
    It 'creates a new CA without a question, but asks before replacing one; a session that cannot ask changes nothing' {
        $dir = Join-Path $TestDrive 'replace-ask'
        # Creating: Medium impact, no question with the default $ConfirmPreference (this Pester session cannot answer one).
        $old = New-ZymCertificateAuthority -Path $dir -Subject 'CN=Old' -NoPassphrase
        $before = Get-Content -Raw (Join-Path $dir 'ca.key')
        { New-ZymCertificateAuthority -Path $dir -Subject 'CN=New' -NoPassphrase -Force -ReplaceRegistered -ErrorAction Stop } |
            Should -Throw -ErrorId 'CaReplaceNotConfirmed*'
        Get-Content -Raw (Join-Path $dir 'ca.key') | Should -Be $before
        @(Get-ChildItem $dir -Directory).Count | Should -Be 0

        # The question is asked once (High impact), and Yes replaces it.
        $asked = Invoke-WithYesHost 'param($Dir) New-ZymCertificateAuthority -Path $Dir -Subject "CN=New" -NoPassphrase -Force -ReplaceRegistered' @{ Dir = $dir }
        $asked.Errors | Should -BeNullOrEmpty
        $asked.Questions.Count | Should -Be 1
        $asked.Questions[0] | Should -Match 'Replace the certificate authority'
        $asked.Output[0].Subject | Should -Be 'CN=New'
        $asked.Output[0].CertificateId | Should -Not -Be $old.CertificateId
    }

    It 'keeps the old key and certificate in an owner-only backup that imports as the old CA, and says AWS was not checked without credentials' {
        $dir = Join-Path $TestDrive 'replace-backup'
        $old = New-ZymCertificateAuthority -Path $dir -Subject 'CN=Kept' -NoPassphrase
        $oldKey = Get-Content -Raw (Join-Path $dir 'ca.key')
        $oldPem = Get-Content -Raw (Join-Path $dir 'ca.pem')
        $child = Invoke-ChildPwsh -Environment $script:NoAws @"
Import-Module '$script:ModuleManifest'
`$new = New-ZymCertificateAuthority -Path '$dir' -Subject 'CN=Replacement' -NoPassphrase -Force -Confirm:`$false -WarningVariable w -Verbose 4>&1 3>`$null
'ID=' + (`$new | Where-Object { `$_ -is [ZymAws.Provisioning.CertificateAuthority] }).CertificateId
'WARN=' + (`$w -join ' ')
"@
        $child.ExitCode | Should -Be 0 -Because ($child.Output -join "`n")
        ($child.Output -match '^WARN=') | Should -Match 'was not checked'
        $newId = (($child.Output -match '^ID=') -replace '^ID=', '')
        $newId | Should -Not -Be $old.CertificateId

        $backup = @(Get-ChildItem $dir -Directory)
        $backup.Count | Should -Be 1
        $backup[0].Name | Should -Match '^backup-\d{8}T\d{6}Z$'
        Get-Mode $backup[0].FullName | Should -Be '700'
        Get-Mode (Join-Path $backup[0].FullName 'ca.key') | Should -Be '600'
        Get-Mode (Join-Path $backup[0].FullName 'ca.pem') | Should -Be '600'
        Get-Content -Raw (Join-Path $backup[0].FullName 'ca.key') | Should -Be $oldKey
        Get-Content -Raw (Join-Path $backup[0].FullName 'ca.pem') | Should -Be $oldPem
        (Import-ZymCertificateAuthority $backup[0].FullName).CertificateId | Should -Be $old.CertificateId
        (Import-ZymCertificateAuthority $dir).CertificateId | Should -Be $newId
    }

    It 'refuses to replace a CA registered with AWS IoT unless -ReplaceRegistered, and says what it checked' {
        $dir = Join-Path $TestDrive 'replace-registered'
        $registered = New-ZymCertificateAuthority -Path $dir -Subject 'CN=Registered' -NoPassphrase
        $registered | Register-ZymCaWithAws @script:Aws -SetActive | Out-Null
        $before = Get-Content -Raw (Join-Path $dir 'ca.key')
        { New-ZymCertificateAuthority -Path $dir -Subject 'CN=Other' -NoPassphrase -Force -Confirm:$false @script:Aws -ErrorAction Stop } |
            Should -Throw -ErrorId 'CaRegisteredWithAws*'
        Get-Content -Raw (Join-Path $dir 'ca.key') | Should -Be $before
        @(Get-ChildItem $dir -Directory).Count | Should -Be 0

        $verbose = New-ZymCertificateAuthority -Path $dir -Subject 'CN=Other' -NoPassphrase -Force -Confirm:$false -ReplaceRegistered @script:Aws -Verbose 4>&1
        ($verbose | Where-Object { $_ -is [ZymAws.Provisioning.CertificateAuthority] }).Subject | Should -Be 'CN=Other'
        ($verbose | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message -join "`n" | Should -Match 'ReplaceRegistered: whether .* was not checked'
        # It stays registered in AWS; the backup holds its key.
        (Invoke-AwsCli $script:Moto iot describe-ca-certificate --certificate-id $registered.CertificateId).certificateDescription.status | Should -Be 'ACTIVE'
        (Import-ZymCertificateAuthority (Get-ChildItem $dir -Directory)[0].FullName).CertificateId | Should -Be $registered.CertificateId
    }

    It 'replaces a CA that AWS IoT does not know, saying which region it checked' {
        $dir = Join-Path $TestDrive 'replace-unregistered'
        New-ZymCertificateAuthority -Path $dir -Subject 'CN=Unregistered' -NoPassphrase | Out-Null
        $verbose = New-ZymCertificateAuthority -Path $dir -Subject 'CN=Next' -NoPassphrase -Force -Confirm:$false @script:Aws -Verbose 4>&1
        ($verbose | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message -join "`n" |
            Should -Match 'Checked AWS IoT in us-east-1: the CA being replaced \(CN=Unregistered .*\) is not registered there'
    }

    It 'prints no passphrase prompt in a session that cannot ask for one' {
        $dir = Join-Path $TestDrive 'ca-prompt'
        $child = Invoke-ChildPwsh @"
Import-Module '$script:ModuleManifest'
try { New-ZymCertificateAuthority -Path '$dir' -Subject 'CN=Prompt' -ErrorAction Stop } catch { 'ERROR=' + `$_.FullyQualifiedErrorId }
"@
        ($child.Output -join "`n") | Should -Match 'ERROR=PassphraseRequired'
        ($child.Output -join "`n") | Should -Not -Match 'Passphrase for'
        $dir | Should -Not -Exist
    }
}

Describe 'Import-ZymCertificateAuthority takes a CA folder' {
    It 'loads the folder New-ZymCertificateAuthority made, and the seed''s layout' {
        (Import-ZymCertificateAuthority (Join-Path $TestDrive 'ca')).CertificateId | Should -Be $script:Ca.CertificateId
        $seed = Join-Path $TestDrive 'seed-ca'
        New-Item -ItemType Directory $seed | Out-Null
        & openssl ecparam -name prime256v1 -genkey -noout -out (Join-Path $seed 'zk_ca.key') 2>$null
        & openssl req -x509 -new -key (Join-Path $seed 'zk_ca.key') -subj '/CN=Seed CA' -days 30 -out (Join-Path $seed 'zk_ca.crt') 2>$null
        (Import-ZymCertificateAuthority -Path $seed).Subject | Should -Be 'CN=Seed CA'
    }

    It 'says what is missing for an empty folder or a certificate without its key' {
        $empty = Join-Path $TestDrive 'empty-ca'
        New-Item -ItemType Directory $empty | Out-Null
        Import-ZymCertificateAuthority $empty -ErrorVariable errors -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'CaFolderEmpty,*'
        $errors[0].Exception.Message | Should -Match 'ca\.pem and ca\.key'
        Import-ZymCertificateAuthority (Join-Path $TestDrive 'ca/ca.pem') -ErrorVariable errors -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'CaKeyPathMissing,*'
    }
}

Describe 'Invoke-ZymDeviceProvisioning: inputs that are not certificates' {
    It 'says a 0-byte file, a file of garbage, a private key and a CSR are not certificates, instead of asking for a thing name' {
        $empty = Join-Path $TestDrive 'empty.pem'; Set-Content $empty -Value $null -NoNewline
        $garbage = Join-Path $TestDrive 'garbage.pem'; Set-Content $garbage 'this is not a certificate'
        $key = Join-Path $TestDrive 'input.key'
        $csr = New-ZymDeviceCsr -ThingName 'as-csr' -KeyPath $key -NoPassphrase -IotPolicy 'safePolicy' -OutFile (Join-Path $TestDrive 'as-csr.csr')
        $results = @((Get-Item $empty), (Get-Item $garbage), (Get-Item $key), (Get-Item $csr.Path)) |
            Invoke-ZymDeviceProvisioning -CertificateAuthority $script:Ca @script:Aws -ErrorVariable errors -ErrorAction SilentlyContinue
        @($results | Where-Object Status -ne 'Failed').Count | Should -Be 0
        $errors.Count | Should -Be 4
        $byFile = @{}
        foreach ($e in $errors) { $byFile[[string]($e.TargetObject.Name ?? $e.TargetObject)] = $e }
        $byFile['empty.pem'].Exception.Message | Should -BeLike "*empty.pem' is not a certificate or CSR: it is empty."
        $byFile['garbage.pem'].Exception.Message | Should -Match "garbage\.pem' is not a certificate or CSR: it contains no PEM CERTIFICATE"
        $byFile['input.key'].Exception.Message | Should -Match "input\.key' is not a certificate or CSR: it holds .*PRIVATE KEY"
        $byFile['as-csr.csr'].FullyQualifiedErrorId | Should -BeLike 'CertificateMissing,*'
        $byFile['as-csr.csr'].Exception.Message | Should -Match 'is given as a CSR, not a certificate: sign it first \(Approve-ZymDeviceCsr\)'
        foreach ($e in $errors) { $e.Exception.Message | Should -Not -Match 'No thing name' }
    }

    It 'tells how to activate a CA that is registered but not ACTIVE' {
        $inactive = New-ZymCertificateAuthority -Path (Join-Path $TestDrive 'inactive-ca') -Subject 'CN=Inactive CA' -NoPassphrase
        $inactive | Register-ZymCaWithAws @script:Aws | Out-Null
        (Invoke-AwsCli $script:Moto iot describe-ca-certificate --certificate-id $inactive.CertificateId).certificateDescription.status | Should -Be 'INACTIVE'
        $certificate = New-TestCertificates 'inactive' 1
        { $certificate | Invoke-ZymDeviceProvisioning -CertificateAuthority $inactive @script:Aws -ErrorAction Stop } |
            Should -Throw -ExpectedMessage '*Enable-ZymCertificateAuthority (or run Register-ZymCaWithAws -SetActive again)*'
    }
}

Describe 'New-ZymDeviceCsr: one key per device, and only devices bind as thing names' {
    It 'refuses a second device on the same key file, and makes the first one''s CSR' {
        $key = Join-Path $TestDrive 'one.key'
        $csrs = @('share-1', 'share-2', 'share-1') | New-ZymDeviceCsr -KeyPath $key -NoPassphrase -ErrorVariable errors -ErrorAction SilentlyContinue
        @($csrs.ThingName) | Should -Be @('share-1', 'share-1')
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'DeviceKeyShared,*'
        $errors[0].TargetObject | Should -Be 'share-2'
        $errors[0].Exception.Message | Should -Match "'share-2' would share its key .* with 'share-1'"
        # Rows with a key each are fine.
        $rows = 'own-1', 'own-2' | ForEach-Object { [pscustomobject]@{ ThingName = $_; KeyPath = (Join-Path $TestDrive "$_.key") } }
        @($rows | New-ZymDeviceCsr -NoPassphrase).Count | Should -Be 2
    }

    It 'does not take the setup result as a thing name, but takes its role alias, region and endpoint' {
        $setup = Initialize-ZymCredentialProvider -RoleName 'safeRole' -RoleAlias 'safeAlias' -PolicyName 'safePolicy' @script:Aws
        $key = Join-Path $TestDrive 'setup.key'
        $setup | New-ZymDeviceCsr -KeyPath $key -NoPassphrase -ErrorVariable errors -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'ParameterArgumentTransformationError,*'
        $errors[0].Exception.Message | Should -Match 'is not a thing name'
        $key | Should -Not -Exist

        $csr = $setup | New-ZymDeviceCsr -ThingName 'from-setup' -KeyPath $key -NoPassphrase
        $csr.ThingName | Should -Be 'from-setup'
        $csr.Subject | Should -Match 'OU=safeAlias'
        $csr.Subject | Should -Match 'ST=safePolicy'

        # Nor do the device cmdlets: no device named after the setup object is looked up or changed.
        $setup | Disable-ZymDevice @script:Aws -ErrorVariable errors -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'ParameterArgumentTransformationError,*'
    }
}

Describe 'Invoke-ZymDeviceProvisioning: -Confirm and -OutDirectory' {
    It 'asks with -Confirm only about devices that need a change' {
        $certificates = @(New-TestCertificates 'confirm' 3)
        $certificates[0..1] | Invoke-ZymDeviceProvisioning -CertificateAuthority $script:Ca @script:Aws | Out-Null
        $run = Invoke-WithYesHost 'param($Items, $Ca, $Aws) $Items | Invoke-ZymDeviceProvisioning -CertificateAuthority $Ca @Aws -Confirm' @{ Items = $certificates; Ca = $script:Ca; Aws = $script:Aws }
        $run.Errors | Should -BeNullOrEmpty
        $run.Questions.Count | Should -Be 1
        $run.Questions[0] | Should -Match 'confirm-3'
        ($run.Output | Where-Object ThingName -eq 'confirm-3').Status | Should -Be 'Provisioned'
        @($run.Output | Where-Object Status -eq 'AlreadyProvisioned').ThingName | Sort-Object | Should -Be @('confirm-1', 'confirm-2')
        ($run.Output | Where-Object ThingName -eq 'confirm-1').CertificateArn | Should -Match $certificates[0].CertificateId
    }

    It 'with -CertificateAuthority AwsIot does not replace another file without -Force, and rewrites nothing for a rerun' {
        $out = Join-Path $TestDrive 'awsiot-out'
        New-Item -ItemType Directory $out | Out-Null
        Set-Content (Join-Path $out 'awsiot-1.pem') 'keep me'
        $csrs = @('awsiot-1', 'awsiot-2') | ForEach-Object {
            New-ZymDeviceCsr -ThingName $_ -KeyPath (Join-Path $TestDrive "$_.key") -NoPassphrase -IotPolicy 'safePolicy' -Region 'us-east-1' -RoleAlias 'safeAlias'
        }
        $results = $csrs | Invoke-ZymDeviceProvisioning -CertificateAuthority AwsIot -OutDirectory $out @script:Aws -ErrorVariable errors -ErrorAction SilentlyContinue
        @($results.Status) | Should -Be @('Provisioned', 'Provisioned')
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'FileExists,*'
        $errors[0].Exception.Message | Should -Match 'use -Force to replace it'
        (Get-Content -Raw (Join-Path $out 'awsiot-1.pem')).Trim() | Should -Be 'keep me'
        $second = Get-Item (Join-Path $out 'awsiot-2.pem')

        Start-Sleep -Milliseconds 1100
        $again = $csrs | Invoke-ZymDeviceProvisioning -CertificateAuthority AwsIot -OutDirectory $out @script:Aws -Force
        @($again.Status) | Should -Be @('AlreadyProvisioned', 'AlreadyProvisioned')
        (Get-Content -Raw (Join-Path $out 'awsiot-1.pem')) | Should -Match 'BEGIN CERTIFICATE'
        (Get-Item (Join-Path $out 'awsiot-2.pem')).LastWriteTimeUtc | Should -Be $second.LastWriteTimeUtc
    }
}

Describe 'Debug and warning records in a non-interactive batch' {
    BeforeAll {
        $script:ProxyPort = Get-FreeTcpPort
        $script:Proxy = Start-Process -FilePath 'python3' -PassThru -ArgumentList @(
            (Join-Path $PSScriptRoot 'fixtures/throttling_proxy.py'), "$script:ProxyPort", $script:Moto.Url, '3')
        Start-Sleep -Milliseconds 500
    }
    AfterAll { if ($script:Proxy -and -not $script:Proxy.HasExited) { Stop-Process -Id $script:Proxy.Id -Force } }

    It 'finishes the batch with $DebugPreference and $WarningPreference at Inquire, and with -Debug, under pwsh -NonInteractive' {
        $certificates = @(New-TestCertificates 'inquire' 6)
        $paths = ($certificates.Path | ForEach-Object { "'$_'" }) -join ','
        $caPem = Join-Path $TestDrive 'ca/ca.pem'
        $child = Invoke-ChildPwsh @"
Import-Module '$script:ModuleManifest'
`$aws = @{ EndpointUrl = 'http://127.0.0.1:$script:ProxyPort'; Region = 'us-east-1'; AccessKey = 'testing'; SecretKey = 'testing' }
`$DebugPreference = 'Inquire'; `$WarningPreference = 'Inquire'
# Every third IoT call is throttled (a debug record per retry); subjects without O= draw a warning mid-batch.
`$results = @($paths) | Invoke-ZymDeviceProvisioning -CertificateAuthority '$caPem' @aws -ThrottleLimit 2
'STATUS=' + ((`$results | ForEach-Object Status) -join ',')
`$DebugPreference = 'SilentlyContinue'; `$WarningPreference = 'Continue'
`$again = @($paths) | Invoke-ZymDeviceProvisioning -CertificateAuthority '$caPem' @aws -Debug
'AGAIN=' + ((`$again | ForEach-Object Status) -join ',')
"@
        $text = $child.Output -join "`n"
        $child.ExitCode | Should -Be 0 -Because $text
        # A retry's debug record: a throttle queued again under the adaptive limit, or another failure retried.
        $text | Should -Match 'DEBUG: AWS iot \w+.*attempt 1 (throttled; queued again|got .*retrying)'
        $text | Should -Match "WARNING: The certificate of 'inquire-\d' has no O="

        ($child.Output -match '^STATUS=') | Should -Be ('STATUS=' + ((@('Provisioned') * 6) -join ','))
        ($child.Output -match '^AGAIN=') | Should -Be ('AGAIN=' + ((@('AlreadyProvisioned') * 6) -join ','))
    }
}

Describe 'Get-ZymProvisionerPolicy: setup and fleet permissions, put on a user or role' {
    It 'lists every operation the setup and fleet cmdlets call (their verbose log) in those scopes' {
        $setupCalls = @(
            Initialize-ZymCredentialProvider -RoleName 'scopeRole' -RoleAlias 'scopeAlias' -PolicyName 'scopePolicy' @script:Aws -Verbose 4>&1
            New-ZymCredentialProviderRole -RoleName 'scopeRole2' @script:Aws -Verbose 4>&1
            New-ZymRoleAlias -RoleAlias 'scopeAlias' -RoleName 'scopeRole' -CredentialDurationSeconds 1800 -Force @script:Aws -Verbose 4>&1
            New-ZymIotPolicy -PolicyName 'scopePolicy2' -RoleAlias 'scopeAlias' @script:Aws -Verbose 4>&1
            New-ZymCertificateAuthority -Path (Join-Path $TestDrive 'scope-ca') -Subject 'CN=Scope CA' -NoPassphrase | Register-ZymCaWithAws @script:Aws -Verbose 4>&1
            Get-ZymCredentialProviderEndpoint @script:Aws -Verbose 4>&1
        ) | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object { if ($_.Message -match '^AWS (iot|iam) (\w+)') { "$($Matches[1]):$($Matches[2])" } } | Sort-Object -Unique
        $scopeCa = Import-ZymCertificateAuthority (Join-Path $TestDrive 'scope-ca')
        $devices = @(New-TestCertificates 'scope' 2)
        $devices | Invoke-ZymDeviceProvisioning -CertificateAuthority $script:Ca @script:Aws | Out-Null
        $fleetCalls = @(
            Get-ZymDevice @script:Aws -Verbose 4>&1
            Test-ZymDevice -ThingName 'scope-1' @script:Aws -Verbose 4>&1
            Disable-ZymDevice -ThingName 'scope-1' @script:Aws -Verbose 4>&1
            Enable-ZymDevice -ThingName 'scope-1' @script:Aws -Verbose 4>&1
            Remove-ZymDevice -ThingName 'scope-2' @script:Aws -Confirm:$false -Verbose 4>&1
            Disable-ZymCertificateAuthority $scopeCa @script:Aws -Confirm:$false -Verbose 4>&1
            Enable-ZymCertificateAuthority $scopeCa @script:Aws -Confirm:$false -Verbose 4>&1
            Unregister-ZymCaWithAws $scopeCa @script:Aws -Confirm:$false -Verbose 4>&1
            Remove-ZymCredentialProvider -RoleName 'scopeRole' -RoleAlias 'scopeAlias' -PolicyName 'scopePolicy' -Force @script:Aws -Confirm:$false -Verbose 4>&1
        ) | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object { if ($_.Message -match '^AWS (iot|iam) (\w+)') { "$($Matches[1]):$($Matches[2])" } } | Sort-Object -Unique

        $setupCalls | Should -Contain 'iot:CreateRoleAlias'
        $setupCalls | Should -Contain 'iot:RegisterCACertificate'
        $fleetCalls | Should -Contain 'iot:DeleteCertificate'
        $fleetCalls | Should -Contain 'iam:DeleteRole'
        $setup = (Get-ZymProvisionerPolicy -Scope Setup @script:Aws).Actions
        $fleet = (Get-ZymProvisionerPolicy -Scope Fleet @script:Aws).Actions
        foreach ($call in $setupCalls) { $setup | Should -Contain $call }
        foreach ($call in $fleetCalls) { $fleet | Should -Contain $call }
        # CreateRoleAlias passes the role: the setup scope needs iam:PassRole.
        $setup | Should -Contain 'iam:PassRole'
        # The provisioning scope alone grants none of setup's or fleet's changes.
        $provisioning = (Get-ZymProvisionerPolicy @script:Aws).Actions
        $provisioning | Should -Not -Contain 'iot:CreateRoleAlias'
        $provisioning | Should -Not -Contain 'iot:DeleteCACertificate'
        (Get-ZymProvisionerPolicy -Scope All @script:Aws).Actions.Count | Should -BeGreaterThan $setup.Count
    }

    It 'puts the policy on an IAM user or role, as the AWS CLI reads it back' {
        Invoke-AwsCli $script:Moto iam create-user --user-name 'provisioner' | Out-Null
        $applied = Get-ZymProvisionerPolicy -RoleName 'safeRole' -PolicyName 'safePolicy' -ApplyToUser 'provisioner' @script:Aws
        $applied.AppliedTo | Should -Be 'user/provisioner'
        $applied.InlinePolicyName | Should -Be 'ZymAws-Provisioning'
        $read = (Invoke-AwsCli $script:Moto iam get-user-policy --user-name 'provisioner' --policy-name 'ZymAws-Provisioning').PolicyDocument
        ($read | ConvertTo-Json -Depth 10 | ConvertFrom-Json).Statement.Action | Should -Contain 'iot:RegisterCertificate'
        @($read.Statement | ForEach-Object { $_.Action }) | ForEach-Object { $_ } | Sort-Object | Should -Be ($applied.Actions | Sort-Object)

        $trust = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}'
        Invoke-AwsCli $script:Moto iam create-role --role-name 'operator' --assume-role-policy-document $trust | Out-Null
        $role = Get-ZymProvisionerPolicy -Scope Setup, Fleet -ApplyToRole 'operator' @script:Aws
        $role.AppliedTo | Should -Be 'role/operator'
        $role.InlinePolicyName | Should -Be 'ZymAws-Setup-Fleet'
        $doc = (Invoke-AwsCli $script:Moto iam get-role-policy --role-name 'operator' --policy-name 'ZymAws-Setup-Fleet').PolicyDocument
        @($doc.Statement | ForEach-Object { $_.Action }) | ForEach-Object { $_ } | Should -Contain 'iot:DeleteCACertificate'

        # -WhatIf puts nothing; a missing user is AWS's NoSuchEntity.
        Get-ZymProvisionerPolicy -Scope Fleet -ApplyToUser 'provisioner' @script:Aws -WhatIf | Should -BeNullOrEmpty
        { Invoke-AwsCli $script:Moto iam get-user-policy --user-name 'provisioner' --policy-name 'ZymAws-Fleet' } | Should -Throw '*NoSuchEntity*'
        { Get-ZymProvisionerPolicy -ApplyToUser 'nobody' @script:Aws -ErrorAction Stop } | Should -Throw '*NoSuchEntity*'
    }
}
