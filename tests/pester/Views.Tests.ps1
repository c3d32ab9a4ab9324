# What an operator sees and what a script gets: every default view at 120 columns (whole ids, no wrapped headers), and
# provisioning results through ConvertTo-Json / Export-Csv and back into a retry, against moto; progress of batches.
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    Import-Module $script:ModuleManifest -Force
    Initialize-TestCredentialWorld

    # The module's views, by type name: every one must be rendered below (the last test checks it).
    [xml] $format = Get-Content -Raw (Join-Path $script:ModulePath 'ZymAwsProvisioning.Format.ps1xml')
    $script:ViewTypes = @($format.Configuration.ViewDefinitions.View | ForEach-Object { $_.ViewSelectedBy.TypeName }) | Sort-Object -Unique
    $script:Rendered = [System.Collections.Generic.HashSet[string]]::new()

    function Show-Default($InputObject) {
        <# The default formatting at 120 columns, as lines; records the types rendered. #>
        foreach ($item in @($InputObject)) { [void] $script:Rendered.Add($item.GetType().FullName) }
        @($InputObject | Out-String -Width 120 -Stream)
    }

    function Assert-Fits([string[]] $Lines, [string[]] $Whole = @(), [string[]] $Headers = @()) {
        <# Nothing wider than 120 columns; each of $Whole appears uncut; each header label appears on the header line. #>
        $Lines | Where-Object { $_.Length -gt 120 } | Should -BeNullOrEmpty
        $text = $Lines -join "`n"
        foreach ($value in $Whole) { $text | Should -Match ([regex]::Escape($value)) -Because "'$value' must be shown whole" }
        if ($Headers) {
            $header = @($Lines | Where-Object { $_ -match "^\s*$([regex]::Escape($Headers[0]))\b" })[0]
            $header | Should -Not -BeNullOrEmpty -Because "the table's header starts with $($Headers[0])"
            foreach ($label in $Headers) { $header | Should -Match "(^|\s)$([regex]::Escape($label))(\s|$)" -Because "header '$label' must not wrap or be dropped" }
        }
    }

    $script:Device = New-TestDevice 'view-dev-001'
    $script:DeviceCert = $script:Device.Certificate
    $script:Results = Join-Path $TestDrive 'results'
    New-Item -ItemType Directory -Path $script:Results | Out-Null

    function New-Certificates([string] $Prefix, [int] $Count, [string] $Policy) {
        1..$Count | ForEach-Object { [pscustomobject]@{ ThingName = "$Prefix-$_"; KeyPath = (Join-Path $TestDrive "keys-$Prefix/$Prefix-$_.key") } } |
            New-ZymDeviceCsr -NoPassphrase -IotPolicy $Policy -Region 'us-east-1' -CredentialEndpoint $script:EndpointHost -RoleAlias 'devAlias' |
            Approve-ZymDeviceCsr -CertificateAuthority $script:Ca -OutDirectory (Join-Path $TestDrive "certs-$Prefix")
    }
}

AfterAll { Stop-TestCredentialWorld }

Describe 'Default views at 120 columns' {
    It 'CertificateAuthority: a list with the whole id and the whole subject' {
        $lines = Show-Default $script:Ca
        Assert-Fits $lines -Whole @($script:Ca.CertificateId, $script:Ca.Subject, 'KeyEncrypted')
    }

    It 'CaRegistration: whole id, the header on one line' {
        $registration = $script:Ca | Register-ZymCaWithAws @script:Aws
        Assert-Fits (Show-Default $registration) -Whole @($registration.CertificateId) -Headers @('CertificateId', 'Status', 'AutoRegistration', 'Mode', 'AlreadyRegistered')
    }

    It 'setup objects: the credentials endpoint whole; role, alias and policy tables' {
        $setup = Initialize-ZymCredentialProvider -RoleName 'devRole' -RoleAlias 'devAlias' -PolicyName 'devPolicy' @script:Aws
        Assert-Fits (Show-Default $setup) -Whole @($setup.CredentialEndpoint, $setup.RoleArn, $setup.EndpointPrefix)
        Assert-Fits (Show-Default $setup.Role) -Whole @($setup.RoleArn) -Headers @('RoleName', 'Status', 'TrustPolicy', 'MaxSession', 'RoleArn')
        Assert-Fits (Show-Default $setup.Alias) -Whole @($setup.Alias.RoleArn) -Headers @('RoleAlias', 'Status', 'Duration', 'RoleArn')
        Assert-Fits (Show-Default $setup.Policy) -Whole @($setup.Policy.PolicyArn) -Headers @('PolicyName', 'Status', 'PolicyArn')
        $provisioner = Get-ZymProvisionerPolicy -RoleName 'devRole' -PolicyName 'devPolicy' @script:Aws
        Assert-Fits (Show-Default $provisioner) -Headers @('AccountId', 'Region', 'Actions')
        Assert-Fits (Show-Default (Get-ZymCredentialProviderEndpoint @script:Aws)) -Whole @($script:EndpointHost) -Headers @('Region', 'Prefix', 'Host')
    }

    It 'DeviceCsr and DeviceCertificate: whole ids, file names rather than cut paths' {
        $csr = New-ZymDeviceCsr -ThingName 'zym-0123456789abcdef0123456789abcdef' -KeyPath (Join-Path $TestDrive 'keys/long.key') -NoPassphrase `
            -IotPolicy 'devPolicy' -Region 'ap-southeast-2' -CredentialEndpoint 'c1a2b3c4d5e6f7.credentials.iot.ap-southeast-2.amazonaws.com' `
            -RoleAlias 'devAlias' -OutDirectory (Join-Path $TestDrive 'csr-long')
        Assert-Fits (Show-Default $csr) -Whole @('zym-0123456789abcdef0123456789abcdef', 'zym-0123456789abcdef0123456789abcdef.csr', 'long.key') `
            -Headers @('ThingName', 'Key', 'File', 'Region')
        $certificate = $csr | Approve-ZymDeviceCsr -CertificateAuthority $script:Ca -OutDirectory (Join-Path $TestDrive 'cert-long')
        # With a 36-character thing name and a whole 64-hex id, only the last column (the file, named after the thing) is cut.
        Assert-Fits (Show-Default $certificate) -Whole @('zym-0123456789abcdef0123456789abcdef', $certificate.CertificateId, $certificate.NotAfter.ToString('yyyy-MM-dd')) `
            -Headers @('ThingName', 'NotAfter', 'CertificateId', 'File')
        Assert-Fits (Show-Default $script:DeviceCert) -Whole @($script:DeviceCert.CertificateId, 'view-dev-001.pem')
    }

    It 'CertificateInfo: ThingName, NotAfter, Region, RoleAlias and a subject that fits' {
        $info = Get-ZymCertificateInfo -Path $script:Device.CertificatePath
        Assert-Fits (Show-Default $info) -Whole @('view-dev-001', $info.NotAfter.ToString('yyyy-MM-dd'), 'us-east-1', 'devAlias', $info.Subject) `
            -Headers @('ThingName', 'NotAfter', 'Region', 'RoleAlias', 'Subject')
    }

    It 'DeviceProvisioningResult: whole ids for the done, a short reason for the failed' {
        $good = New-Certificates 'view-ok' 2 'devPolicy'
        $bad = New-Certificates 'view-bad' 1 'noSuchViewPolicy'
        $results = @($good) + @($bad) | Invoke-ZymDeviceProvisioning -CertificateAuthority $script:Ca @script:Aws -ErrorAction SilentlyContinue
        $failed = $results | Where-Object Status -eq 'Failed'
        $failed.Reason | Should -Match "noSuchViewPolicy"
        $lines = Show-Default $results
        Assert-Fits $lines -Whole (@($results | Where-Object CertificateId | ForEach-Object CertificateId) + $failed.Reason) -Headers @('ThingName', 'Status', 'CertificateId / Reason')
        @($lines | Where-Object { $_ -match '^view-bad-1\s+Failed\s+IoT policy' }).Count | Should -Be 1
    }

    It 'fleet objects: devices, certificates, status changes, removals: whole ids' {
        $device = Get-ZymDevice 'view-dev-001' @script:Aws
        Assert-Fits (Show-Default $device) -Whole @('view-dev-001', 'devPolicy') -Headers @('ThingName', 'Status', 'Policies', 'Ready', 'FailedCheck')
        Assert-Fits (Show-Default $device.Certificates) -Whole @($script:DeviceCert.CertificateId) -Headers @('CertificateId', 'Status', 'Ready', 'FailedCheck')
        $off = Disable-ZymDevice 'view-ok-1' -Confirm:$false @script:Aws
        Assert-Fits (Show-Default $off) -Whole @($off.CertificateId) -Headers @('ThingName', 'PreviousStatus', 'Status', 'Changed', 'CertificateId')
        $removed = Remove-ZymDevice 'view-ok-1' -Confirm:$false @script:Aws
        Assert-Fits (Show-Default $removed) -Whole @('view-ok-1') -Headers @('ThingName', 'Complete', 'ThingDeleted', 'Certificates', 'Left')
    }

    It 'device side: readiness, checks, credentials (no secret), local endpoint, installed certificate, profile' {
        $report = Test-ZymDevice -CertificatePath $script:Device.CertificatePath @script:Aws
        Assert-Fits (Show-Default $report) -Whole @('view-dev-001') -Headers @('ThingName', 'Ready', 'FailedCheck', 'Status', 'Message')
        Assert-Fits (Show-Default $report.Checks) -Headers @('Check', 'Outcome', 'Status', 'Detail')
        $rehearsal = Get-Rehearsal $script:Device
        $credential = Get-ZymAwsCredential @rehearsal
        $lines = Show-Default $credential
        Assert-Fits $lines -Whole @($credential.AccessKeyId)
        ($lines -join "`n") | Should -Not -Match ([regex]::Escape($credential.SecretAccessKey))
        ($lines -join "`n") | Should -Not -Match ([regex]::Escape($credential.SessionToken))
        Assert-Fits (Show-Default $script:Server) -Whole @($script:Server.Host, $script:Server.ConnectAddress) -Headers @('Id', 'Host', 'ConnectAddress', 'Served', 'Refused', 'Running')
        $installed = Install-ZymDeviceCertificate -CertificatePath $script:Device.CertificatePath -ServerCaCertificate $script:Server.ServerCaCertificatePath -Directory (Join-Path $TestDrive 'installed')
        Assert-Fits (Show-Default $installed) -Whole @('view-dev-001', 'devAlias') -Headers @('ThingName', 'RoleAlias', 'Region', 'CertificatePath')
        $profile = Install-ZymCredentialProcess -ProfileName 'view' -ConfigPath (Join-Path $TestDrive 'aws/config') -CertificatePath $script:Device.CertificatePath `
            -KeyPath $script:Device.KeyPath -UsePwsh
        Assert-Fits (Show-Default $profile) -Whole @('view') -Headers @('ProfileName', 'Region', 'Native', 'Changed', 'ConfigPath')
    }

    It 'Zymkey objects and session defaults' {
        $zymkey = [ZymAws.Provisioning.ZymkeyInfo] @{ Model = 'ZYMKEY4i'; FirmwareVersion = '1.2.3'; SerialNumber = 'ZK-0001'; LibraryPath = '/usr/lib/libzk_app_utils.so' }
        Assert-Fits (Show-Default $zymkey) -Whole @('ZK-0001') -Headers @('Model', 'FirmwareVersion', 'SerialNumber', 'LibraryPath')
        $identity = [ZymAws.Provisioning.DeviceIdentity]::new('zym-0123456789abcdef0123456789abcdef', 'ZK-0001', [string[]] @('zymkey-serial', 'cpu-serial'), 'zym-device-id/v1')
        Assert-Fits (Show-Default $identity) -Whole @('zym-0123456789abcdef0123456789abcdef', 'zymkey-serial, cpu-serial') -Headers @('DeviceId', 'ZymkeySerial', 'Sources')
        try {
            $defaults = Set-ZymAwsDefault -Region 'us-east-1' -EndpointUrl $script:Moto.Url -PassThru
            Assert-Fits (Show-Default $defaults) -Whole @($script:Moto.Url) -Headers @('Name', 'Value', 'Cmdlets')
        }
        finally { Clear-ZymAwsDefault }
    }

    It 'tearing down: CA status change, unregistration, credentials-provider removal' {
        $ca = New-ZymCertificateAuthority -Path (Join-Path $TestDrive 'ca-teardown') -Subject 'CN=Teardown CA' -NoPassphrase
        $ca | Register-ZymCaWithAws @script:Aws -SetActive | Out-Null
        $change = Disable-ZymCertificateAuthority -CertificateAuthority $ca -Confirm:$false @script:Aws
        Assert-Fits (Show-Default $change) -Whole @($ca.CertificateId) -Headers @('PreviousStatus', 'Status', 'Changed', 'Active', 'CertificateId')
        $gone = Unregister-ZymCaWithAws -CertificateAuthority $ca -Confirm:$false @script:Aws
        Assert-Fits (Show-Default $gone) -Whole @($ca.CertificateId) -Headers @('Deleted', 'CertificatesRemoved', 'CertificateId')
        New-ZymCredentialProviderRole -RoleName 'viewGoneRole' @script:Aws | Out-Null
        $removal = Remove-ZymCredentialProvider -RoleName 'viewGoneRole' -Confirm:$false @script:Aws -ErrorAction SilentlyContinue
        Assert-Fits (Show-Default $removal) -Whole @('viewGoneRole') -Headers @('Kind', 'Name', 'Outcome', 'Detail')
    }

    It 'every type with a view was rendered above' {
        $missing = $script:ViewTypes | Where-Object { -not $script:Rendered.Contains($_) }
        $missing | Should -BeNullOrEmpty -Because 'each format view needs its rendering test'
    }
}

Describe 'Provisioning results for scripts' {
    BeforeAll {
        # A batch with real failures: two devices name an IoT policy that does not exist yet.
        $good = New-Certificates 'rt-ok' 2 'devPolicy'
        $bad = New-Certificates 'rt-bad' 2 'rtLaterPolicy'
        $script:Batch = @($good) + @($bad) | Invoke-ZymDeviceProvisioning -CertificateAuthority $script:Ca @script:Aws -ErrorAction SilentlyContinue
        $script:Csv = Join-Path $script:Results 'results.csv'
        $script:Json = Join-Path $script:Results 'results.json'
        $script:Batch | Export-Csv -Path $script:Csv
        $script:Batch | ConvertTo-Json -Depth 4 | Set-Content -Path $script:Json
    }

    It 'JSON: status by name, duration as one number, a failed result''s error as id and short reason, lists as arrays' {
        $parsed = Get-Content -Raw $script:Json | ConvertFrom-Json
        $failed = @($parsed | Where-Object ThingName -like 'rt-bad-*')
        $failed.Count | Should -Be 2
        $failed[0].Status | Should -BeExactly 'Failed'
        $failed[0].ErrorId | Should -BeExactly 'ProvisioningPolicyNotFound'
        $failed[0].Reason | Should -Match "IoT policy 'rtLaterPolicy' does not exist"
        $failed[0].DurationSeconds | Should -BeOfType [double]
        ($failed[0] | ConvertTo-Json -Depth 4).Length | Should -BeLessThan 2048 -Because 'the whole ErrorRecord made a failed result about 6 KB'
        $ok = @($parsed | Where-Object ThingName -eq 'rt-ok-1')[0]
        $ok.Status | Should -BeExactly 'Provisioned'
        $ok.Actions | Should -Be @('RegisterCertificate', 'CreateThing', 'AttachThingPrincipal', 'AttachPolicy')
        Get-Content -Raw $script:Json | Should -Not -Match '"Status":\s*\d'
    }

    It 'CSV: lists joined, no type names, scripts compare Status as text' {
        $text = Get-Content -Raw $script:Csv
        $text | Should -Not -Match 'System\.(Collections|String\[\]|Management)'
        $rows = Import-Csv $script:Csv
        @($rows | Where-Object Status -eq 'Failed').Count | Should -Be 2
        @($rows | Where-Object ThingName -eq 'rt-ok-2')[0].Actions | Should -BeExactly 'RegisterCertificate; CreateThing; AttachThingPrincipal; AttachPolicy'
        # In memory the status is text too, and still compares with the enum.
        @($script:Batch | Where-Object { $_.Status -eq [ZymAws.Provisioning.ProvisioningStatus]::Failed }).Count | Should -Be 2
    }

    It 're-imported from CSV, the failures retry and succeed once their cause is fixed' {
        Invoke-AwsCli $script:Moto iot create-policy --policy-name rtLaterPolicy --policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iot:Connect","Resource":"*"}]}' | Out-Null
        # The certificate files may be gone by the retry: the rows carry the certificates themselves.
        Remove-Item (Join-Path $TestDrive 'certs-rt-bad') -Recurse -Force
        $retry = Import-Csv $script:Csv | Where-Object Status -eq 'Failed' | Invoke-ZymDeviceProvisioning -CertificateAuthority $script:Ca @script:Aws
        @($retry).Count | Should -Be 2
        $retry.Status | Should -Be @('Provisioned', 'Provisioned')
        foreach ($result in $retry) {
            $principals = (Invoke-AwsCli $script:Moto iot list-thing-principals --thing-name $result.ThingName).principals
            $principals | Should -Contain $result.CertificateArn
        }
    }

    It 're-imported from JSON, the whole batch pipes back in: the done are AlreadyProvisioned' {
        $again = Get-Content -Raw $script:Json | ConvertFrom-Json | Invoke-ZymDeviceProvisioning -CertificateAuthority $script:Ca @script:Aws
        @($again).Count | Should -Be 4
        @($again | Where-Object Status -eq 'AlreadyProvisioned').Count | Should -Be 4
    }

    It 'a result carries where its certificate came from' {
        $row = @($script:Batch | Where-Object ThingName -eq 'rt-ok-1')[0]
        $row.CertificatePath | Should -Be (Join-Path $TestDrive 'certs-rt-ok/rt-ok-1.pem')
        $row.CertificatePem | Should -Match 'BEGIN CERTIFICATE'
    }

    It 'AwsIot mode: failed CSR devices re-imported from JSON retry from their CSRs' {
        $csrs = 1..2 | ForEach-Object {
            New-ZymDeviceCsr -ThingName "rt-csr-$_" -KeyPath (Join-Path $TestDrive "keys-rt-csr/$_.key") -NoPassphrase -IotPolicy 'rtCsrPolicy' `
                -Region 'us-east-1' -CredentialEndpoint $script:EndpointHost -RoleAlias 'devAlias' -OutDirectory (Join-Path $TestDrive 'csr-rt')
        }
        $first = $csrs | Invoke-ZymDeviceProvisioning -CertificateAuthority AwsIot @script:Aws -ErrorAction SilentlyContinue
        $first.Status | Should -Be @('Failed', 'Failed')
        $first[0].CsrPath | Should -BeLike '*rt-csr-*.csr'
        $json = $first | ConvertTo-Json -Depth 4
        Invoke-AwsCli $script:Moto iot create-policy --policy-name rtCsrPolicy --policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iot:Connect","Resource":"*"}]}' | Out-Null
        $retry = $json | ConvertFrom-Json | Invoke-ZymDeviceProvisioning -CertificateAuthority AwsIot -OutDirectory (Join-Path $TestDrive 'issued-rt') @script:Aws
        $retry.Status | Should -Be @('Provisioned', 'Provisioned')
        $retry | ForEach-Object { $_.CertificatePem | Should -Match 'BEGIN CERTIFICATE'; Test-Path $_.CertificatePath | Should -BeTrue }
    }
}

Describe 'fleet.csv means one thing' {
    BeforeAll {
        $script:Fleet = Join-Path $TestDrive 'fleet.csv'
        1..2 | ForEach-Object { [pscustomobject]@{ ThingName = "csv-$_"; KeyPath = (Join-Path $TestDrive "keys-csv/csv-$_.key") } } | Export-Csv -Path $script:Fleet
    }

    It 'piped straight into Invoke-ZymDeviceProvisioning, a ThingName,KeyPath row says which columns fit and what the file is for' {
        $results = Import-Csv $script:Fleet | Invoke-ZymDeviceProvisioning -CertificateAuthority $script:Ca @script:Aws -ErrorVariable errors -ErrorAction SilentlyContinue
        $results.Status | Should -Be @('Failed', 'Failed')
        $results[0].ErrorId | Should -Be 'DeviceInputUnsupported'
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'DeviceInputUnsupported,*'
        $message = $errors[0].Exception.Message
        $message | Should -Match 'ThingName, KeyPath'
        foreach ($column in 'CertificatePath', 'CertificatePem', 'CsrPath', 'CsrPem', 'New-ZymDeviceCsr') { $message | Should -Match $column }
    }

    It 'Approve-ZymDeviceCsr takes rows with CsrPath, and says which columns a fleet.csv row lacks' {
        $csrs = Import-Csv $script:Fleet | New-ZymDeviceCsr -NoPassphrase -OutDirectory (Join-Path $TestDrive 'csr-rows')
        $list = Join-Path $TestDrive 'csrs.csv'
        $csrs | Select-Object ThingName, @{ n = 'CsrPath'; e = { $_.Path } } | Export-Csv -Path $list
        $signed = Import-Csv $list | Approve-ZymDeviceCsr -CertificateAuthority $script:Ca
        $signed.ThingName | Should -Be @('csv-1', 'csv-2')
        Import-Csv $script:Fleet | Approve-ZymDeviceCsr -CertificateAuthority $script:Ca -ErrorVariable errors -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'CsrInputUnsupported,*'
        $errors[0].Exception.Message | Should -Match 'ThingName, KeyPath.*CsrPath.*CsrPem.*New-ZymDeviceCsr'
    }

    It 'the README''s pipeline takes the same file from keys to provisioned devices' {
        $results = Import-Csv $script:Fleet |
            New-ZymDeviceCsr -NoPassphrase -IotPolicy 'devPolicy' -Region 'us-east-1' -CredentialEndpoint $script:EndpointHost -RoleAlias 'devAlias' |
            Approve-ZymDeviceCsr -CertificateAuthority $script:Ca |
            Invoke-ZymDeviceProvisioning -CertificateAuthority $script:Ca @script:Aws
        $results.Status | Should -Be @('Provisioned', 'Provisioned')
    }
}

Describe 'Progress of batches' {
    BeforeAll {
        function Get-ProgressOf([string] $Script, [hashtable] $Arguments) {
            <# Runs the script in a runspace of its own with the module; returns its progress records (and throws its errors). #>
            $ps = [powershell]::Create()
            try {
                $null = $ps.AddScript("Import-Module '$($script:ModuleManifest)'; `$ProgressPreference = 'Continue'").AddStatement().AddScript($Script)
                foreach ($key in $Arguments.Keys) { $null = $ps.AddParameter($key, $Arguments[$key]) }
                $null = $ps.Invoke()
                if ($ps.Streams.Error.Count) { throw $ps.Streams.Error[0] }
                @($ps.Streams.Progress)
            }
            finally { $ps.Dispose() }
        }
    }

    It 'Invoke-ZymDeviceProvisioning -InputObject (a known count): percent complete and seconds remaining' {
        $certificates = @(New-Certificates 'prog' 6 'devPolicy')
        $progress = Get-ProgressOf 'param($Certificates, $Ca, $Aws) Invoke-ZymDeviceProvisioning -InputObject $Certificates -CertificateAuthority $Ca -ThrottleLimit 1 @Aws | Out-Null' `
            @{ Certificates = $certificates; Ca = $script:Ca; Aws = $script:Aws }
        $working = @($progress | Where-Object RecordType -eq 'Processing')
        $working | Should -Not -BeNullOrEmpty
        $working | ForEach-Object { $_.PercentComplete | Should -BeGreaterOrEqual 0 }
        @($working | Where-Object SecondsRemaining -ge 0) | Should -Not -BeNullOrEmpty
        $progress[-1].RecordType | Should -Be 'Completed'
    }

    It 'Approve-ZymDeviceCsr -Path (files found first): percent; piped CSRs: the count done and the current one' {
        $folder = Join-Path $TestDrive 'csr-prog'
        1..3 | ForEach-Object { New-ZymDeviceCsr -ThingName "ap-$_" -KeyPath (Join-Path $TestDrive "keys-ap/$_.key") -NoPassphrase -OutDirectory $folder | Out-Null }
        $byPath = Get-ProgressOf 'param($Folder, $Ca) Approve-ZymDeviceCsr -CertificateAuthority $Ca -Path (Join-Path $Folder "*.csr") | Out-Null' @{ Folder = $folder; Ca = $script:Ca }
        ($byPath | Where-Object RecordType -eq 'Processing')[0].PercentComplete | Should -Be 0
        ($byPath | Where-Object RecordType -eq 'Processing')[0].StatusDescription | Should -Be '0 of 3 done'
        $piped = Get-ProgressOf 'param($Folder, $Ca) Get-ChildItem (Join-Path $Folder "*.csr") | Approve-ZymDeviceCsr -CertificateAuthority $Ca | Out-Null' @{ Folder = $folder; Ca = $script:Ca }
        $first = ($piped | Where-Object RecordType -eq 'Processing')[0]
        $first.PercentComplete | Should -Be -1
        $first.CurrentOperation | Should -Be 'ap-1.csr'
    }

    It 'Disable-ZymDevice with names given: percent of the devices' {
        $progress = Get-ProgressOf 'param($Aws) Disable-ZymDevice -ThingName prog-2, prog-3, prog-4 -Confirm:$false @Aws | Out-Null' @{ Aws = $script:Aws }
        $working = @($progress | Where-Object RecordType -eq 'Processing')
        $working[0].StatusDescription | Should -Be '0 of 3 done'
        $working[0].CurrentOperation | Should -Be 'prog-2'
        $progress[-1].RecordType | Should -Be 'Completed'
    }
}
