# Credentials-provider setup and fleet provisioning against moto, cross-checked with the AWS CLI.
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    Import-Module $script:ModuleManifest -Force
    $script:Moto = Start-TestMoto
    $script:Aws = Get-TestAwsParameters $script:Moto

    # One CA for the file, registered and ACTIVE.
    $script:Ca = New-ZymCertificateAuthority -Path (Join-Path $TestDrive 'ca') -Subject 'CN=Provisioning Test CA' -NoPassphrase
    $script:Ca | Register-ZymCaWithAws @script:Aws -SetActive | Out-Null

    function New-TestCertificates([string] $Prefix, [int] $Count, [string] $Policy = 'fleetPolicy') {
        $dir = Join-Path $TestDrive "certs-$Prefix"
        1..$Count | ForEach-Object { [pscustomobject]@{ ThingName = "$Prefix-$_"; KeyPath = (Join-Path $TestDrive "keys-$Prefix/$Prefix-$_.key") } } |
            New-ZymDeviceCsr -NoPassphrase -IotPolicy $Policy -Region 'us-east-1' -RoleAlias 'fleetAlias' |
            Approve-ZymDeviceCsr -CertificateAuthority $script:Ca -OutDirectory $dir
    }

    function Get-ThingPrincipals([string] $Thing) { @((Invoke-AwsCli $script:Moto iot list-thing-principals --thing-name $Thing).principals) }
}

AfterAll { Stop-TestMoto $script:Moto }

Describe 'Credentials-provider setup' {
    It 'creates role, alias and policy in one step, and a second run changes nothing' {
        $first = Initialize-ZymCredentialProvider -RoleName 'fleetRole' -RoleAlias 'fleetAlias' -PolicyName 'fleetPolicy' @script:Aws
        $first.RoleStatus | Should -Be 'Created'
        $first.RoleAliasStatus | Should -Be 'Created'
        $first.PolicyStatus | Should -Be 'Created'
        $first.CredentialEndpoint | Should -Match '\.credentials\.iot\.us-east-1\.amazonaws\.com$'

        $second = Initialize-ZymCredentialProvider -RoleName 'fleetRole' -RoleAlias 'fleetAlias' -PolicyName 'fleetPolicy' @script:Aws
        $second.RoleStatus | Should -Be 'Existing'
        $second.RoleAliasStatus | Should -Be 'Existing'
        $second.PolicyStatus | Should -Be 'Existing'
        $second.RoleArn | Should -Be $first.RoleArn

        # The AWS CLI sees the same things.
        $role = (Invoke-AwsCli $script:Moto iam get-role --role-name fleetRole).Role
        ($role.AssumeRolePolicyDocument | ConvertTo-Json -Depth 10) | Should -Match 'credentials\.iot\.amazonaws\.com'
        (Invoke-AwsCli $script:Moto iot describe-role-alias --role-alias fleetAlias).roleAliasDescription.roleArn | Should -Be $first.RoleArn
        $policy = (Invoke-AwsCli $script:Moto iot get-policy --policy-name fleetPolicy).policyDocument | ConvertFrom-Json
        $statement = @($policy.Statement)[0]
        $statement.Action | Should -Be 'iot:AssumeRoleWithCertificate'
        $statement.Resource | Should -Be 'arn:aws:iot:us-east-1:123456789012:rolealias/fleetAlias'
        $statement.Condition.Bool.'iot:Connection.Thing.IsAttached' | Should -Be 'true'
    }

    It 'pipes a role alias into its IoT policy' {
        New-ZymCredentialProviderRole -RoleName 'pipeRole' @script:Aws | Out-Null
        $policy = New-ZymRoleAlias -RoleAlias 'pipeAlias' -RoleName 'pipeRole' @script:Aws | New-ZymIotPolicy -PolicyName 'pipePolicy' @script:Aws
        $policy.PolicyDocument | Should -Match 'rolealias/pipeAlias'
    }

    It 'refuses a credential duration above the role''s MaxSessionDuration before calling AWS' {
        New-ZymCredentialProviderRole -RoleName 'shortRole' -MaxSessionDuration 3600 @script:Aws | Out-Null
        New-ZymRoleAlias -RoleAlias 'tooLong' -RoleName 'shortRole' -CredentialDurationSeconds 7200 @script:Aws -ErrorVariable errors -ErrorAction SilentlyContinue |
            Should -BeNullOrEmpty
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'CredentialDurationInvalid,*'
        { Invoke-AwsCli $script:Moto iot describe-role-alias --role-alias tooLong } | Should -Throw '*ResourceNotFound*'
    }

    It 'creates nothing with -WhatIf' {
        Initialize-ZymCredentialProvider -RoleName 'whatIfRole' -RoleAlias 'whatIfAlias' -PolicyName 'whatIfPolicy' @script:Aws -WhatIf | Out-Null
        { Invoke-AwsCli $script:Moto iam get-role --role-name whatIfRole } | Should -Throw '*NoSuchEntity*'
        { Invoke-AwsCli $script:Moto iot get-policy --policy-name whatIfPolicy } | Should -Throw '*ResourceNotFound*'
    }

    It 'gives the provisioning user a least-privilege policy instead of AdministratorAccess' {
        $policy = Get-ZymProvisionerPolicy -RoleName 'fleetRole' -PolicyName 'fleetPolicy' -CertificateAuthority $script:Ca @script:Aws
        $document = $policy.PolicyDocument | ConvertFrom-Json
        $actions = @($document.Statement | ForEach-Object { $_.Action }) | ForEach-Object { $_ }
        $actions | Should -Contain 'iam:PassRole'
        $actions | Should -Contain 'iot:RegisterCertificate'
        $actions | Should -Contain 'iot:AttachPolicy'
        $actions | Should -Not -Contain '*'
        ($document.Statement | Where-Object { $_.Action -contains 'iam:PassRole' }).Resource | Should -Be 'arn:aws:iam::123456789012:role/fleetRole'
    }
}

Describe 'Invoke-ZymDeviceProvisioning' {
    It 'provisions a fleet from a CSV file; a rerun finds every device already provisioned' {
        New-TestCertificates 'csv' 30 | Out-Null
        $csv = Join-Path $TestDrive 'fleet.csv'
        Get-ChildItem (Join-Path $TestDrive 'certs-csv') -Filter '*.pem' |
            ForEach-Object { [pscustomobject]@{ ThingName = $_.BaseName; CertificatePath = $_.FullName } } | Export-Csv $csv
        $results = Import-Csv $csv | Invoke-ZymDeviceProvisioning -CertificateAuthority $script:Ca @script:Aws -ThrottleLimit 8
        $results.Count | Should -Be 30
        @($results | Where-Object Status -ne 'Provisioned').Count | Should -Be 0
        $results[0].CertificateId | Should -Match '^[0-9a-f]{64}$'
        $results[0].Policy | Should -Be 'fleetPolicy'

        $again = Import-Csv $csv | Invoke-ZymDeviceProvisioning -CertificateAuthority $script:Ca @script:Aws -ThrottleLimit 8
        @($again | Where-Object Status -eq 'AlreadyProvisioned').Count | Should -Be 30

        # The AWS CLI sees each thing with its one certificate, and the policy on it.
        foreach ($result in $results | Select-Object -First 5) {
            $principals = Get-ThingPrincipals $result.ThingName
            $principals | Should -Be @($result.CertificateArn)
            (Invoke-AwsCli $script:Moto iot list-attached-policies --target $result.CertificateArn).policies.policyName | Should -Be 'fleetPolicy'
        }
        $certificates = (Invoke-AwsCli $script:Moto iot list-certificates --page-size 250).certificates | Where-Object { $_.certificateId -in $results.CertificateId }
        @($certificates).Count | Should -Be 30
    }

    It 'pipes straight from Approve-ZymDeviceCsr, taking thing and policy from the certificate' {
        $results = New-TestCertificates 'pipe' 3 | Invoke-ZymDeviceProvisioning -CertificateAuthority $script:Ca @script:Aws
        $results.ThingName | Sort-Object | Should -Be @('pipe-1', 'pipe-2', 'pipe-3')
        $results.Policy | Select-Object -Unique | Should -Be 'fleetPolicy'
    }

    It 'rolls back a failing device, writes its error, and goes on with the batch' {
        $good = New-TestCertificates 'mixed' 3
        $bad = $good[1].CertificatePem -replace 'MII', 'MIJ'
        $inputs = @($good[0], [pscustomobject]@{ ThingName = 'mixed-bad'; CertificatePem = $bad }, $good[2],
            [pscustomobject]@{ ThingName = 'mixed-nopolicy'; CertificatePem = $good[1].CertificatePem; PolicyName = 'noSuchPolicy' })
        $results = $inputs | Invoke-ZymDeviceProvisioning -CertificateAuthority $script:Ca @script:Aws -ErrorVariable errors -ErrorAction SilentlyContinue
        ($results | Where-Object Status -eq 'Provisioned').ThingName | Sort-Object | Should -Be @('mixed-1', 'mixed-3')
        @($results | Where-Object Status -in 'Failed', 'RolledBack').Count | Should -Be 2
        $errors.Count | Should -Be 2
        # Nothing half-done: no thing without a certificate, no certificate of the failed devices left behind.
        { Invoke-AwsCli $script:Moto iot describe-thing --thing-name mixed-nopolicy } | Should -Throw '*ResourceNotFound*'
        $id = ($results | Where-Object ThingName -eq 'mixed-nopolicy').CertificateId
        if ($id) { { Invoke-AwsCli $script:Moto iot describe-certificate --certificate-id $id } | Should -Throw '*ResourceNotFound*' }
    }

    It 'lets AWS IoT issue the certificates from CSRs, and writes them' {
        $out = Join-Path $TestDrive 'awsiot-certs'
        $csrs = 1..3 | ForEach-Object { [pscustomobject]@{ ThingName = "awsiot-$_"; KeyPath = (Join-Path $TestDrive "keys-awsiot/$_.key") } } |
            New-ZymDeviceCsr -NoPassphrase -IotPolicy 'fleetPolicy'
        $results = $csrs | Invoke-ZymDeviceProvisioning -CertificateAuthority AwsIot -OutDirectory $out @script:Aws
        @($results | Where-Object Status -eq 'Provisioned').Count | Should -Be 3
        foreach ($result in $results) {
            $result.CertificatePath | Should -Exist
            (Get-ZymCertificateInfo -Path $result.CertificatePath).CertificateId | Should -Be $result.CertificateId
        }
    }

    It 'needs only the CA''s certificate, never its key, on the provisioning host' {
        New-TestCertificates 'nokey' 2 | Out-Null
        $caPem = Join-Path $TestDrive 'ca/ca.pem'
        $byFile = Get-ChildItem (Join-Path $TestDrive 'certs-nokey') -Filter 'nokey-1.pem' | Invoke-ZymDeviceProvisioning -CertificateAuthority $caPem @script:Aws
        $byFile.Status | Should -Be 'Provisioned'
        $registration = Register-ZymCaWithAws -CertificateAuthority $script:Ca @script:Aws
        $byRegistration = Get-ChildItem (Join-Path $TestDrive 'certs-nokey') -Filter 'nokey-2.pem' | Invoke-ZymDeviceProvisioning -CertificateAuthority $registration @script:Aws
        $byRegistration.Status | Should -Be 'Provisioned'
        { 'x' | Invoke-ZymDeviceProvisioning -CertificateAuthority 'neither a CA nor a file' @script:Aws -ErrorAction Stop } | Should -Throw -ErrorId 'CertificateAuthorityInvalid*'
    }

    It 'gives an unreadable row a Failed result and an error that names the row' {
        $rows = @([pscustomobject]@{ ThingName = 'ghost-1'; CertificatePath = (Join-Path $TestDrive 'no-such.pem') })
        $results = $rows | Invoke-ZymDeviceProvisioning -CertificateAuthority $script:Ca @script:Aws -ErrorVariable errors -ErrorAction SilentlyContinue
        $results.Status | Should -Be 'Failed'
        $results.ThingName | Should -Be 'ghost-1'
        $errors.Count | Should -Be 1
        $errors[0].TargetObject.ThingName | Should -Be 'ghost-1'
    }

    It 'changes nothing with -WhatIf, and leaves the journal alone' {
        $journal = Join-Path $TestDrive 'whatif.journal'
        $results = New-TestCertificates 'whatif' 2 | Invoke-ZymDeviceProvisioning -CertificateAuthority $script:Ca @script:Aws -WhatIf -JournalPath $journal
        $results.Status | Select-Object -Unique | Should -Be 'Skipped'
        $journal | Should -Not -Exist
        { Invoke-AwsCli $script:Moto iot describe-thing --thing-name whatif-1 } | Should -Throw '*ResourceNotFound*'
    }

    It 'resumes a batch killed half way from its journal, provisioning every device exactly once' {
        New-TestCertificates 'kill' 40 | Out-Null
        $journal = Join-Path $TestDrive 'kill.journal'
        $certDir = Join-Path $TestDrive 'certs-kill'
        $caCert = Join-Path $TestDrive 'ca/ca.pem'; $caKey = Join-Path $TestDrive 'ca/ca.key'
        $script = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$script:ModuleManifest'
`$ca = Import-ZymCertificateAuthority -CertificatePath '$caCert' -KeyPath '$caKey'
Get-ChildItem '$certDir' -Filter '*.pem' | Sort-Object Name |
    Invoke-ZymDeviceProvisioning -CertificateAuthority `$ca -JournalPath '$journal' -ThrottleLimit 2 -RateLimit @{ 'iot:CreateThing' = 4 } ``
        -EndpointUrl '$($script:Moto.Url)' -Region us-east-1 -AccessKey testing -SecretKey testing | Out-Null
"@
        $file = Join-Path $TestDrive 'kill.ps1'; Set-Content $file $script
        $exe, $prefix = Get-PwshCommand
        $child = Start-Process -FilePath $exe -ArgumentList (@($prefix) + @('-NoProfile', '-NonInteractive', '-File', $file)) -PassThru
        # Kill it once some devices are done and others are not.
        $deadline = [DateTime]::UtcNow.AddSeconds(90)
        while ([DateTime]::UtcNow -lt $deadline -and -not $child.HasExited) {
            # (The running batch holds the journal's lock, which .NET readers honour: count with grep.)
            if ((Test-Path $journal) -and ([int](& grep -c '"event":"Provisioned"' $journal) -ge 6)) { break }
            Start-Sleep -Milliseconds 100
        }
        $child.HasExited | Should -BeFalse -Because 'the batch must still be running when it is killed'
        Stop-Process -Id $child.Id -Force; $child.WaitForExit(10000) | Out-Null

        $ca = Import-ZymCertificateAuthority -CertificatePath $caCert -KeyPath $caKey
        $results = Get-ChildItem $certDir -Filter '*.pem' | Invoke-ZymDeviceProvisioning -CertificateAuthority $ca -JournalPath $journal @script:Aws -ThrottleLimit 8
        $results.Count | Should -Be 40
        @($results | Where-Object Status -notin 'Provisioned', 'AlreadyProvisioned').Count | Should -Be 0
        @($results | Where-Object Status -eq 'AlreadyProvisioned').Count | Should -BeGreaterThan 0

        foreach ($n in 1..40) {
            @(Get-ThingPrincipals "kill-$n").Count | Should -Be 1 -Because "kill-$n has exactly one certificate"
        }
    }
}

Describe 'Invoke-ZymDeviceProvisioning stopped mid-batch' {
    BeforeAll {
        # A host that answers every prompt with "Halt Command" (as a user would at -ErrorAction Inquire), and keeps
        # the warnings it is given.
        Add-Type -TypeDefinition @'
using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Security;

namespace ZymPesterHosts
{
    public sealed class HaltHost : PSHost
    {
        private readonly HaltUI _ui = new HaltUI();
        private readonly Guid _id = Guid.NewGuid();
        public override string Name { get { return "HaltHost"; } }
        public override Version Version { get { return new Version(1, 0); } }
        public override Guid InstanceId { get { return _id; } }
        public override PSHostUserInterface UI { get { return _ui; } }
        public HaltUI Answers { get { return _ui; } }
        public override CultureInfo CurrentCulture { get { return CultureInfo.InvariantCulture; } }
        public override CultureInfo CurrentUICulture { get { return CultureInfo.InvariantCulture; } }
        public override void SetShouldExit(int exitCode) { }
        public override void EnterNestedPrompt() { throw new NotSupportedException(); }
        public override void ExitNestedPrompt() { throw new NotSupportedException(); }
        public override void NotifyBeginApplication() { }
        public override void NotifyEndApplication() { }
    }

    public sealed class HaltUI : PSHostUserInterface
    {
        public readonly List<string> Prompts = new List<string>();
        public readonly List<string> Warnings = new List<string>();
        public override PSHostRawUserInterface RawUI { get { return null; } }
        public override int PromptForChoice(string caption, string message, Collection<ChoiceDescription> choices, int defaultChoice)
        {
            lock (Prompts) { Prompts.Add(message); }
            for (int i = 0; i < choices.Count; i++)
            {
                if (choices[i].Label.Replace("&", "").StartsWith("Halt", StringComparison.OrdinalIgnoreCase)) { return i; }
            }
            throw new InvalidOperationException("No Halt choice in this prompt.");
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
        public override void WriteWarningLine(string message) { lock (Warnings) { Warnings.Add(message); } }
    }
}
'@

        # Role, alias and policy the devices' subjects name (idempotent: the first Describe may have made them).
        Initialize-ZymCredentialProvider -RoleName 'fleetRole' -RoleAlias 'fleetAlias' -PolicyName 'fleetPolicy' @script:Aws | Out-Null

        # Eight devices; the fourth is refused before any AWS change (a certificate made for another thing name).
        function New-StopBatch([string] $Prefix) {
            $certificates = @(New-TestCertificates $Prefix 8)
            $bad = [pscustomobject]@{ ThingName = "$Prefix-bad"; CertificatePem = $certificates[3].CertificatePem }
            [pscustomobject]@{ Good = @($certificates | Where-Object ThingName -ne "$Prefix-4"); Inputs = @($certificates[0..2]) + @($bad) + @($certificates[4..7]) }
        }

        # The AWS CLI, several calls at once (one process each): returns each call's parsed JSON, in order.
        function Invoke-AwsCliMany([object[]] $Calls) {
            $url = $script:Moto.Url
            $numbered = for ($i = 0; $i -lt $Calls.Count; $i++) { [pscustomobject]@{ Index = $i; Arguments = $Calls[$i] } }
            $answers = $numbered | ForEach-Object -ThrottleLimit 4 -Parallel {
                $arguments = $_.Arguments
                $out = & env AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=us-east-1 aws --endpoint-url $using:url --output json @arguments 2>&1
                if ($LASTEXITCODE -ne 0) { throw "aws $($arguments -join ' ') failed: $out" }
                [pscustomobject]@{ Index = $_.Index; Json = (($out -join "`n") | ConvertFrom-Json) }
            }
            $answers | Sort-Object Index | ForEach-Object { , $_.Json }
        }

        # Every device is complete in AWS (its certificate ACTIVE, alone on its thing, carrying the policy) or absent
        # (no thing, no certificate): no empty thing, no orphan certificate. Checked with the AWS CLI; returns the names
        # of the complete ones.
        function Assert-CompleteOrAbsent([object[]] $Certificates, [string] $Policy = 'fleetPolicy') {
            $inAws, $things, $targets = Invoke-AwsCliMany @(, @('iot', 'list-certificates')), @(, @('iot', 'list-things')), @(, @('iot', 'list-targets-for-policy', '--policy-name', $Policy))
            $inAws = @($inAws.certificates); $things = @($things.things.thingName); $targets = @($targets.targets)
            $present = @($Certificates | Where-Object ThingName -in $things)
            $principals = @{}
            if ($present) {
                $answers = @(Invoke-AwsCliMany @($present | ForEach-Object { , @('iot', 'list-thing-principals', '--thing-name', $_.ThingName) }))
                for ($i = 0; $i -lt $present.Count; $i++) { $principals[$present[$i].ThingName] = @($answers[$i].principals) }
            }
            foreach ($device in $Certificates) {
                $certificate = $inAws | Where-Object certificateId -eq $device.CertificateId
                if ($principals.ContainsKey($device.ThingName)) {
                    $certificate.status | Should -Be 'ACTIVE' -Because "$($device.ThingName) has a thing"
                    $principals[$device.ThingName] | Should -Be @($certificate.certificateArn)
                    $targets | Should -Contain $certificate.certificateArn
                    $device.ThingName
                }
                else {
                    $certificate | Should -BeNullOrEmpty -Because "$($device.ThingName) has no thing, so no certificate may be left"
                }
            }
        }

        function Assert-RerunProvisionsEachOnce([object[]] $Good, [string[]] $DoneBefore) {
            $rerun = @($Good | Invoke-ZymDeviceProvisioning -CertificateAuthority $script:Ca @script:Aws -ThrottleLimit 8)
            $rerun.Count | Should -Be $Good.Count
            foreach ($result in $rerun) {
                if ($result.ThingName -in $DoneBefore) { $result.Status | Should -Be 'AlreadyProvisioned' }
                else { $result.Status | Should -Be 'Provisioned'; $result.Actions | Should -Be @('RegisterCertificate', 'CreateThing', 'AttachThingPrincipal', 'AttachPolicy') }
            }
            @(Assert-CompleteOrAbsent $Good).Count | Should -Be $Good.Count
        }
    }

    It 'with -ErrorAction Stop: devices in flight finish, their results are written before the error surfaces, and a rerun without the journal provisions each once' {
        $batch = New-StopBatch 'estop'
        $caught = $null
        try {
            $batch.Inputs | Invoke-ZymDeviceProvisioning -CertificateAuthority $script:Ca @script:Aws -ThrottleLimit 4 -RateLimit @{ 'iot:CreateThing' = 3 } `
                -ErrorAction Stop -OutVariable results -WarningVariable warnings | Out-Null
        }
        catch { $caught = $_ }

        $caught.FullyQualifiedErrorId | Should -BeLike 'SubjectThingMismatch,*'
        # Every device that was started has its result (written before the error surfaced), and AWS agrees with them.
        @($results | Where-Object ThingName -eq 'estop-bad').Status | Should -Be 'Failed'
        $done = @($results | Where-Object Status -eq 'Provisioned' | ForEach-Object ThingName)
        $complete = @(Assert-CompleteOrAbsent $batch.Good)
        ($complete | Sort-Object) | Should -Be ($done | Sort-Object)
        @($results | Where-Object { $_.Status -notin 'Provisioned', 'Failed' }).Count | Should -Be 0
        ($warnings -join "`n") | Should -Match 'Provisioning stopped before the batch ended'
        ($warnings -join "`n") | Should -Match 'Nothing this batch started is left half-done'

        Assert-RerunProvisionsEachOnce $batch.Good $done
    }

    It 'at an error prompt answered "Halt": devices in flight finish, their results are written, and a rerun without the journal provisions each once' {
        $batch = New-StopBatch 'halt'
        $haltHost = [ZymPesterHosts.HaltHost]::new()
        $runspace = [runspacefactory]::CreateRunspace($haltHost)
        $runspace.Open()
        $ps = [powershell]::Create()
        $ps.Runspace = $runspace
        try {
            $null = $ps.AddCommand('Import-Module').AddArgument($script:ModuleManifest).AddStatement()
            # The results go downstream as they come, as they would to Export-Csv.
            $collected = [System.Collections.Generic.List[object]]::new()
            $null = $ps.AddScript({
                    param($inputs, $ca, $aws, $collected)
                    $inputs | Invoke-ZymDeviceProvisioning -CertificateAuthority $ca @aws -ThrottleLimit 4 -RateLimit @{ 'iot:CreateThing' = 3 } -ErrorAction Inquire |
                        ForEach-Object { $collected.Add($_) }
                }).AddArgument($batch.Inputs).AddArgument($script:Ca).AddArgument($script:Aws).AddArgument($collected)
            { $ps.Invoke() } | Should -Throw
            $results = @($collected)
            $warnings = @($ps.Streams.Warning | ForEach-Object Message)
        }
        finally { $ps.Dispose(); $runspace.Dispose() }

        $haltHost.Answers.Prompts.Count | Should -Be 1 -Because 'the first error is asked about, and halting it asks nothing more'
        $haltHost.Answers.Prompts[0] | Should -Match 'halt-bad'
        @($results | Where-Object ThingName -eq 'halt-bad').Status | Should -Be 'Failed'
        $done = @($results | Where-Object Status -eq 'Provisioned' | ForEach-Object ThingName)
        $complete = @(Assert-CompleteOrAbsent $batch.Good)
        ($complete | Sort-Object) | Should -Be ($done | Sort-Object)
        ($warnings -join "`n") | Should -Match 'Provisioning stopped before the batch ended'

        Assert-RerunProvisionsEachOnce $batch.Good $done
    }

    It 'on Ctrl+C: devices in flight finish or are undone before the command stops, a warning says what was left, and a rerun without the journal provisions each once' {
        $certificates = @(New-TestCertificates 'ctrlc' 12)
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddCommand('Import-Module').AddArgument($script:ModuleManifest).AddStatement()
            $null = $ps.AddScript({
                    param($inputs, $ca, $aws)
                    $inputs | Invoke-ZymDeviceProvisioning -CertificateAuthority $ca @aws -ThrottleLimit 4 -RateLimit @{ 'iot:CreateThing' = 2 }
                }).AddArgument($certificates).AddArgument($script:Ca).AddArgument($script:Aws)
            $noInput = [System.Management.Automation.PSDataCollection[psobject]]::new()
            $noInput.Complete()
            $output = [System.Management.Automation.PSDataCollection[psobject]]::new()
            $handle = $ps.BeginInvoke($noInput, $output)
            $deadline = [DateTime]::UtcNow.AddSeconds(120)
            while ($output.Count -lt 3 -and -not $handle.IsCompleted -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
            $handle.IsCompleted | Should -BeFalse -Because 'the batch must still be running when it is stopped'

            $ps.Stop()
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
            $warnings = @($ps.Streams.Warning | ForEach-Object Message)
        }
        finally { $ps.Dispose() }

        ($warnings -join "`n") | Should -Match 'Provisioning stopped before the batch ended'
        # Whatever was in flight was finished or undone: each device is complete or absent, and the batch stopped early.
        $done = @(Assert-CompleteOrAbsent $certificates)
        $done.Count | Should -BeGreaterOrEqual 3

        Assert-RerunProvisionsEachOnce $certificates $done
    }
}
