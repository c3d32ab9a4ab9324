<#
.SYNOPSIS
    The main job on the embedded default: the tutorial's flow against a local moto_server and the Zymkey simulator.
.DESCRIPTION
    Starts moto_server on a free loopback port, then plays every role of the tutorial through the packaged module:
    the CA host (a CA, registered with AWS IoT), ten IoT devices (each its own simulated Zymkey with its own key,
    each making a CSR signed inside the Zymkey), the CA host again (certificates) and the provisioning host; then a
    local credentials-provider endpoint, Test-ZymDevice diagnosing a device whose policy an operator detached, every
    device asking for credentials over mutual TLS signed in its Zymkey, and the AWS CLI on a device through an installed
    credential_process profile; then one device silenced (refused while the others are served) and restored, the fleet
    listed, and everything the demo created torn down. It prints a summary and stops every process it started, also on
    failure or Ctrl+C.
    Called by build.ps1 -Task Demo.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $SimulatorDirectory,
    [int] $DeviceCount = 10,
    [string] $WorkDirectory = (Join-Path ([System.IO.Path]::GetTempPath()) "zym-demo-$PID")
)
$ErrorActionPreference = 'Stop'
$manifest = Join-Path (Resolve-Path $ModulePath).Path 'ZymAwsProvisioning.psd1'
Import-Module $manifest -Force
$started = [System.Diagnostics.Stopwatch]::StartNew()

function Step([string] $Text) { Write-Host "`n--- $Text" -ForegroundColor Cyan }

function Invoke-Device {
    <# Runs a script on one simulated device: a fresh pwsh whose Zymkey is the simulator with its own key folder. #>
    param([string] $Serial, [string] $KeyDirectory, [string] $Script)
    $exe, $prefix = @([Environment]::ProcessPath)
    $prefix = @(if ((Split-Path -Leaf $exe) -match '^dotnet(\.exe)?$') { Join-Path $PSHOME 'pwsh.dll' })
    # The simulator reads its settings with getenv when the device process starts.
    $env:ZYMKEY_LIBRARY_PATH = Join-Path $SimulatorDirectory 'libzk_app_utils.so'
    $env:ZK_SIM_DIR = $KeyDirectory; $env:ZK_SIM_SERIAL = $Serial; $env:ZK_SIM_MODEL = 'ZYMKEY4i'
    try {
        $output = & $exe @prefix -NoProfile -NonInteractive -Command "`$ErrorActionPreference = 'Stop'; Import-Module '$manifest'; $Script"
        if ($LASTEXITCODE -ne 0) { throw "Device $Serial failed: $output" }
        $output
    }
    finally { Remove-Item Env:ZYMKEY_LIBRARY_PATH, Env:ZK_SIM_DIR, Env:ZK_SIM_SERIAL, Env:ZK_SIM_MODEL -ErrorAction SilentlyContinue }
}

$listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
$listener.Start(); $port = $listener.LocalEndpoint.Port; $listener.Stop()
$moto = $null
try {
    New-Item -ItemType Directory -Force -Path $WorkDirectory | Out-Null
    Step "Starting moto_server on 127.0.0.1:$port (the AWS control plane)"
    $launcher = Join-Path (Split-Path -Parent $PSScriptRoot) 'tools/moto_server.py'
    $moto = Start-Process python3 -ArgumentList @($launcher, '-H', '127.0.0.1', '-p', "$port") -PassThru `
        -RedirectStandardOutput (Join-Path $WorkDirectory 'moto.log') -RedirectStandardError (Join-Path $WorkDirectory 'moto.err')
    $url = "http://127.0.0.1:$port"
    $deadline = [DateTime]::UtcNow.AddSeconds(60)
    while ($true) {
        try { Invoke-RestMethod "$url/moto-api/data.json" -TimeoutSec 2 | Out-Null; break }
        catch { if ([DateTime]::UtcNow -gt $deadline -or $moto.HasExited) { throw "moto_server did not start: $_" }; Start-Sleep -Milliseconds 200 }
    }
    $aws = @{ EndpointUrl = $url; Region = 'us-east-1'; AccessKey = 'demo'; SecretKey = 'demo' }

    Step 'CA host: a certificate authority (encrypted key, owner-only files)'
    $passphrase = ConvertTo-SecureString ([guid]::NewGuid().ToString()) -AsPlainText -Force
    $ca = New-ZymCertificateAuthority -Path (Join-Path $WorkDirectory 'ca') -Subject 'CN=Demo Fleet CA,O=ZymAws Demo' -Passphrase $passphrase
    $ca | Format-List Subject, KeyAlgorithm, NotAfter, KeyEncrypted, CertificateId, CertificatePath, KeyPath | Out-Host

    Step 'CA host: register the CA with AWS IoT (registration code, verification certificate, RegisterCACertificate)'
    $registration = $ca | Register-ZymCaWithAws @aws -SetActive
    $registration | Format-List CertificateId, CertificateArn, Status, CertificateMode, AlreadyRegistered | Out-Host

    Step 'Provisioning host: the AWS side of the credentials provider (IAM role, role alias, IoT policy), idempotent'
    $setup = Initialize-ZymCredentialProvider -RoleName 'credential_helper' -RoleAlias 'deviceRoleAlias' -PolicyName 'credentialHelper' @aws
    $setup | Format-List RoleArn, RoleStatus, RoleAliasArn, RoleAliasStatus, PolicyName, PolicyStatus, CredentialEndpoint | Out-Host
    $endpoint = Get-ZymCredentialProviderEndpoint @aws

    Step "$DeviceCount devices: each with its own (simulated) Zymkey, a device id and a CSR signed inside the Zymkey"
    $csrDir = Join-Path $WorkDirectory 'csr'; New-Item -ItemType Directory -Force $csrDir | Out-Null
    $devices = foreach ($n in 1..$DeviceCount) {
        $serial = 'ZK4I-DEMO-{0:d4}' -f $n
        $keys = Join-Path $WorkDirectory "device-$n"; New-Item -ItemType Directory -Force $keys | Out-Null
        $thing = Invoke-Device -Serial $serial -KeyDirectory $keys -Script @"
`$id = Get-ZymDeviceId
`$csr = `$id | New-ZymDeviceCsr -KeySource Zymkey -IotPolicy 'credentialHelper' -Region 'us-east-1' -CredentialEndpoint '$($endpoint.Host)' -RoleAlias 'deviceRoleAlias' -OutDirectory '$csrDir'
`$csr.ThingName
"@
        [pscustomobject]@{ Serial = $serial; ThingName = "$($thing | Select-Object -Last 1)".Trim(); Folder = $keys }
    }
    $devices | Format-Table -AutoSize | Out-Host

    Step 'CA host: verify and sign every CSR'
    $certificates = Get-ChildItem $csrDir -Filter '*.csr' | Approve-ZymDeviceCsr -CertificateAuthority $ca -OutDirectory (Join-Path $WorkDirectory 'certs')
    $certificates | Format-Table -AutoSize | Out-Host

    Step "Provisioning host: register certificates, create things, attach them and the policy ($DeviceCount devices, 4 at a time, journaled)"
    $journal = Join-Path $WorkDirectory 'fleet.journal'
    $results = $certificates | Invoke-ZymDeviceProvisioning -CertificateAuthority $ca -JournalPath $journal -ThrottleLimit 4 @aws
    $results | Format-Table -AutoSize | Out-Host

    Step 'The fleet as the module sees it: a second run changes nothing'
    $again = $certificates | Invoke-ZymDeviceProvisioning -CertificateAuthority $ca @aws
    $again | Group-Object Status -NoElement | Format-Table -AutoSize | Out-Host

    Step 'The fleet as the AWS CLI sees it (a second client against the same endpoint)'
    $env:AWS_ACCESS_KEY_ID = 'demo'; $env:AWS_SECRET_ACCESS_KEY = 'demo'
    try {
        $fleet = foreach ($result in $results) {
            $principal = ((& aws --endpoint-url $url --region us-east-1 --output json iot list-thing-principals --thing-name $result.ThingName) | ConvertFrom-Json).principals
            $policies = ((& aws --endpoint-url $url --region us-east-1 --output json iot list-attached-policies --target $principal[0]) | ConvertFrom-Json).policies.policyName
            $status = ((& aws --endpoint-url $url --region us-east-1 --output json iot describe-certificate --certificate-id ($principal[0] -split '/')[-1]) | ConvertFrom-Json).certificateDescription.status
            [pscustomobject]@{ Thing = $result.ThingName; Certificates = @($principal).Count; CertificateStatus = $status; Policy = ($policies -join ',') }
        }
    }
    finally { Remove-Item Env:AWS_ACCESS_KEY_ID, Env:AWS_SECRET_ACCESS_KEY -ErrorAction SilentlyContinue }
    $fleet | Format-Table -AutoSize | Out-Host

    Step 'Provisioning host: a local credentials-provider endpoint that judges against this control plane as AWS would'
    $server = Start-ZymCredentialEndpoint @aws
    $server | Format-List Url, Host, ConnectAddress, ServerCaCertificatePath, ControlPlane | Out-Host

    Step 'An operator''s slip: the IoT policy is detached from one device''s certificate (with the AWS CLI)'
    $slipped = $devices[-1]
    $env:AWS_ACCESS_KEY_ID = 'demo'; $env:AWS_SECRET_ACCESS_KEY = 'demo'
    try {
        $principal = @(((& aws --endpoint-url $url --region us-east-1 --output json iot list-thing-principals --thing-name $slipped.ThingName) | ConvertFrom-Json).principals)[0]
        & aws --endpoint-url $url --region us-east-1 iot detach-policy --policy-name credentialHelper --target $principal
        if ($LASTEXITCODE -ne 0) { throw 'aws iot detach-policy failed.' }
    }
    finally { Remove-Item Env:AWS_ACCESS_KEY_ID, Env:AWS_SECRET_ACCESS_KEY -ErrorAction SilentlyContinue }
    Write-Host "Detached 'credentialHelper' from $($slipped.ThingName)'s certificate."

    Step 'Provisioning host: Test-ZymDevice judges the whole fleet before any device asks'
    $readiness = $devices.ThingName | Test-ZymDevice @aws
    $readiness | Format-Table ThingName, Ready, FailedCheck, HttpStatus, Message -AutoSize | Out-Host
    $diagnosed = @($readiness | Where-Object { -not $_.Ready })
    $diagnosed | Format-List ThingName, FailedCheck, Reason, Fix | Out-Host

    Step 'Each device: install its certificate and the endpoint''s trust anchor, then ask for credentials (the TLS handshake signed in its Zymkey)'
    $serverCa = $server.ServerCaCertificatePath
    $credentials = foreach ($device in $devices) {
        $certificate = $certificates | Where-Object ThingName -eq $device.ThingName
        $outcome = Invoke-Device -Serial $device.Serial -KeyDirectory $device.Folder -Script @"
`$env:ZYMAWS_DEVICE_DIRECTORY = '$($device.Folder)'
Install-ZymDeviceCertificate -CertificatePath '$($certificate.Path)' -ServerCaCertificate '$serverCa' | Out-Null
try { `$c = Get-ZymAwsCredential -ConnectAddress '$($server.ConnectAddress)'; "OK `$(`$c.AccessKeyId) until `$(`$c.Expiration.ToString('u'))" }
catch { "REFUSED `$(`$_.FullyQualifiedErrorId.Split(',')[0]): `$(`$_.Exception.Message.Split('.')[0])" }
"@
        $line = "$($outcome | Select-Object -Last 1)".Trim()
        [pscustomobject]@{ ThingName = $device.ThingName; Got = $line.StartsWith('OK '); Answer = $line }
    }
    $credentials | Format-Table ThingName, Got, Answer -AutoSize | Out-Host

    Step 'One device: the AWS CLI through an installed credential_process profile'
    $first = $devices[0]
    $cliConfig = Join-Path $first.Folder 'aws-config'
    $identity = Invoke-Device -Serial $first.Serial -KeyDirectory $first.Folder -Script @"
`$env:ZYMAWS_DEVICE_DIRECTORY = '$($first.Folder)'
`$profile = Install-ZymCredentialProcess -ProfileName zymkey -ConfigPath '$cliConfig' -ConnectAddress '$($server.ConnectAddress)' -CacheDirectory '$(Join-Path $first.Folder 'cache')'
`$env:AWS_CONFIG_FILE = '$cliConfig'; `$env:AWS_SHARED_CREDENTIALS_FILE = '/dev/null'
Remove-Item Env:AWS_ACCESS_KEY_ID, Env:AWS_SECRET_ACCESS_KEY -ErrorAction SilentlyContinue
(& aws --endpoint-url '$url' --profile zymkey --output json sts get-caller-identity) -join ''
"@
    $caller = ("$($identity | Select-Object -Last 1)" | ConvertFrom-Json)
    Write-Host (Get-Content -Raw $cliConfig)
    Write-Host "aws sts get-caller-identity --profile zymkey: $($caller.Arn)"

    Step 'A device is compromised: silence it (its certificate INACTIVE); its next request is refused, the others still get credentials'
    $victim = $devices[1]
    $neighbour = $devices[2]
    $fetch = {
        param($Device)
        $line = Invoke-Device -Serial $Device.Serial -KeyDirectory $Device.Folder -Script @"
`$env:ZYMAWS_DEVICE_DIRECTORY = '$($Device.Folder)'
try { `$c = Get-ZymAwsCredential -ConnectAddress '$($server.ConnectAddress)' -Refresh; "OK `$(`$c.AccessKeyId)" }
catch { "REFUSED `$(`$_.FullyQualifiedErrorId.Split(',')[0])" }
"@
        "$($line | Select-Object -Last 1)".Trim()
    }
    $silenced = Disable-ZymDevice -ThingName $victim.ThingName @aws
    $silenced | Format-Table ThingName, PreviousStatus, Status, Changed -AutoSize | Out-Host
    $victimSilenced = & $fetch $victim
    $neighbourDuring = & $fetch $neighbour
    Write-Host "$($victim.ThingName): $victimSilenced"
    Write-Host "$($neighbour.ThingName): $neighbourDuring"

    Step 'Restore it: its certificate ACTIVE again, and it gets credentials'
    Enable-ZymDevice -ThingName $victim.ThingName @aws | Format-Table ThingName, PreviousStatus, Status, Changed -AutoSize | Out-Host
    $victimRestored = & $fetch $victim
    Write-Host "$($victim.ThingName): $victimRestored"

    Step 'The fleet as Get-ZymDevice sees it (read by pages; one call per device)'
    $listed = @(Get-ZymDevice @aws -Verbose 4>&1 | ForEach-Object { if ($_ -is [System.Management.Automation.VerboseRecord]) { Write-Host "VERBOSE: $($_.Message)" } else { $_ } })
    $listed | Format-Table ThingName, Status, Policies, CredentialsReady, FailedCheck -AutoSize | Out-Host

    Step 'Teardown: every device, the CA registration and the credentials provider removed; moto holds nothing the demo created'
    $removals = $listed | Remove-ZymDevice -Confirm:$false @aws
    $unregistered = $registration | Unregister-ZymCaWithAws -Confirm:$false @aws
    $providerGone = $setup | Remove-ZymCredentialProvider -Confirm:$false @aws
    $providerGone | Format-Table Kind, Name, Outcome -AutoSize | Out-Host
    $env:AWS_ACCESS_KEY_ID = 'demo'; $env:AWS_SECRET_ACCESS_KEY = 'demo'
    try {
        $cli = { param([string[]] $a) ((& aws --endpoint-url $url --region us-east-1 --output json @a) | ConvertFrom-Json) }
        $leftovers = [pscustomobject]@{
            Things          = @((& $cli @('iot', 'list-things')).things).Count
            Certificates    = @((& $cli @('iot', 'list-certificates')).certificates).Count
            CaCertificates  = @((& $cli @('iot', 'list-ca-certificates')).certificates).Count
            Policies        = @((& $cli @('iot', 'list-policies')).policies).Count
            RoleAliases     = @((& $cli @('iot', 'list-role-aliases')).roleAliases).Count
            Roles           = @((& $cli @('iam', 'list-roles')).Roles | Where-Object RoleName -eq 'credential_helper').Count
        }
    }
    finally { Remove-Item Env:AWS_ACCESS_KEY_ID, Env:AWS_SECRET_ACCESS_KEY -ErrorAction SilentlyContinue }
    $leftovers | Format-List | Out-Host

    Step 'Summary'
    $provisioned = @($results | Where-Object Status -eq 'Provisioned').Count
    $complete = @($fleet | Where-Object { $_.Certificates -eq 1 -and $_.CertificateStatus -eq 'ACTIVE' -and $_.Policy -eq 'credentialHelper' }).Count
    Write-Host "CA:                   $($ca.Subject) ($($registration.Status), id $($registration.CertificateId.Substring(0, 12))...)"
    Write-Host "Credentials provider: role $($setup.Role.RoleName), alias $($setup.RoleAlias), policy $($setup.PolicyName)"
    Write-Host "Credentials endpoint: $($endpoint.Host)"
    Write-Host "Devices:              $($devices.Count) CSRs signed in their Zymkeys, $(@($certificates).Count) certificates issued"
    Write-Host "Provisioned:          $provisioned (second run: $(@($again | Where-Object Status -eq 'AlreadyProvisioned').Count) already provisioned)"
    Write-Host "AWS CLI sees:         $complete of $DeviceCount things with one ACTIVE certificate and the policy"
    $got = @($credentials | Where-Object Got).Count
    $refused = @($credentials | Where-Object { -not $_.Got })
    Write-Host "Test-ZymDevice:       $(@($readiness | Where-Object Ready).Count) ready; diagnosed $(($diagnosed | ForEach-Object { "$($_.ThingName) ($($_.FailedCheck): $($_.HttpStatus) $($_.Message))" }) -join ', ')"
    Write-Host "Device credentials:   $got of $DeviceCount devices got credentials through the local endpoint; refused: $(($refused.ThingName) -join ', ')"
    Write-Host "AWS CLI on a device:  $($caller.Arn)"
    Write-Host "Silenced:             $($victim.ThingName) -> $victimSilenced (meanwhile $($neighbour.ThingName) -> $($neighbourDuring.Split(' ')[0])); restored -> $($victimRestored.Split(' ')[0])"
    Write-Host "Get-ZymDevice:        $($listed.Count) devices, $(@($listed | Where-Object CredentialsReady).Count) would get credentials"
    Write-Host ("Teardown:             {0} devices removed, CA deleted: {1}, provider: {2}; left in moto: {3} things, {4} certificates, {5} CAs, {6} policies, {7} aliases, {8} roles" -f `
        @($removals | Where-Object Complete).Count, $unregistered.Deleted, (($providerGone.Outcome | Sort-Object -Unique) -join '/'), $leftovers.Things, $leftovers.Certificates,
        $leftovers.CaCertificates, $leftovers.Policies, $leftovers.RoleAliases, $leftovers.Roles)
    if ($provisioned -ne $DeviceCount -or $complete -ne $DeviceCount) { throw "The fleet is not complete: $provisioned provisioned, $complete complete." }
    if ($got -ne $DeviceCount - 1 -or @($refused).Count -ne 1 -or $refused[0].ThingName -ne $slipped.ThingName -or @($diagnosed).Count -ne 1 -or $diagnosed[0].ThingName -ne $slipped.ThingName) {
        throw "Device credentials: expected every device but $($slipped.ThingName) to get credentials, and only it to be diagnosed."
    }
    if ($caller.Arn -notlike 'arn:aws:sts::*:assumed-role/credential_helper/*') { throw "The AWS CLI on the device is not the role: $($caller.Arn)" }
    if ($victimSilenced -ne 'REFUSED CredentialCertificateRefused' -or -not $neighbourDuring.StartsWith('OK ') -or -not $victimRestored.StartsWith('OK ')) {
        throw "Silencing: expected $($victim.ThingName) refused while silenced and served once restored, and $($neighbour.ThingName) served throughout."
    }
    if (($leftovers.PSObject.Properties.Value | Measure-Object -Sum).Sum -ne 0 -or -not $unregistered.Deleted) { throw "The teardown left something in moto: $($leftovers | Out-String)" }
    Write-Host ("Demo finished in {0:n1} s." -f $started.Elapsed.TotalSeconds) -ForegroundColor Green
}
finally {
    Stop-ZymCredentialEndpoint -ErrorAction SilentlyContinue
    if ($moto -and -not $moto.HasExited) { Stop-Process -Id $moto.Id -Force -ErrorAction SilentlyContinue; $moto.WaitForExit(10000) | Out-Null }
    Remove-Item -Recurse -Force $WorkDirectory -ErrorAction SilentlyContinue
}
