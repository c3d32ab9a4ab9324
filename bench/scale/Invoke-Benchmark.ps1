<#
.SYNOPSIS
    Issue 12 (part A): a fleet batch against AWS's quotas, emulated by tools/ZymAws.QuotaProxy in front of moto.
.DESCRIPTION
    (a) default quotas: devices/s against the ceiling the quotas allow (target >= 90%), throttling errors surfaced (0);
    (b) quotas raised in the proxy only (-RaisedScale, 5x): the module finds them without configuration (target >= 80%
        of the new ceiling).
    The ceiling: for each operation, quota / (accepted calls per device), the smallest over the operations of the run
    (one-off preflight calls are divided by the batch's size, so they never bind). Calls per device are the proxy's
    accepted requests (requests - throttled) over the devices. The module runs with its defaults: no -RateLimit, no
    -NoRateLimit; only -ThrottleLimit (devices in flight) is set, so concurrency is never what limits the run.
    Certificates are made before the clock starts (CSR + signing are bench/pki's business).
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [string] $SimulatorDirectory,
    [int] $Devices = 2000,
    # Devices for the raised-quota run (0: as many as -Devices).
    [int] $RaisedDevices = 0,
    [double] $RaisedScale = 5,
    [int] $ThrottleLimit = 32,
    # Devices for the run without quotas or client-side limits that measures this machine's own ceiling (0: skip it).
    [int] $FloorDevices = 500,
    # Where the figures go as JSON (besides the returned object).
    [string] $ResultPath
)
$ErrorActionPreference = 'Stop'
$root = Split-Path -Parent (Split-Path -Parent $PSScriptRoot)
. (Join-Path $root 'tools/QuotaProxy.ps1')
Import-Module (Join-Path (Resolve-Path $ModulePath).Path 'ZymAwsProvisioning.psd1') -Force
if ($RaisedDevices -le 0) { $RaisedDevices = $Devices }
$work = Join-Path ([System.IO.Path]::GetTempPath()) "zym-bench-scale-$PID"
New-Item -ItemType Directory -Force -Path $work | Out-Null

$listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0); $listener.Start(); $port = $listener.LocalEndpoint.Port; $listener.Stop()
$moto = Start-Process python3 -ArgumentList @((Join-Path $root 'tools/moto_server.py'), '-H', '127.0.0.1', '-p', "$port") -PassThru `
    -RedirectStandardOutput (Join-Path $work 'moto.log') -RedirectStandardError (Join-Path $work 'moto.err')
$motoUrl = "http://127.0.0.1:$port"

function New-Certificates([string] $Prefix, [int] $Count, $Ca) {
    1..$Count | ForEach-Object { [pscustomobject]@{ ThingName = "$Prefix-$_"; KeyPath = (Join-Path $work "keys-$Prefix/$Prefix-$_.key") } } |
        New-ZymDeviceCsr -NoPassphrase -IotPolicy 'scalePolicy' -Region 'us-east-1' -RoleAlias 'scaleAlias' |
        Approve-ZymDeviceCsr -CertificateAuthority $Ca -OutDirectory (Join-Path $work "certs-$Prefix")
}

function Invoke-Run([string] $Name, [double] $Scale, $Certificates, [switch] $Unlimited) {
    # -Unlimited: what this machine allows at all — the same batch through a proxy with no quotas, and -NoRateLimit.
    $proxy = if ($Unlimited) { Start-QuotaProxy -Upstream $motoUrl -QuotaScale 1e6 } else { Start-QuotaProxy -Upstream $motoUrl -QuotaScale $Scale }
    try {
        $aws = @{ EndpointUrl = $proxy.Url; Region = 'us-east-1'; AccessKey = 'bench'; SecretKey = 'bench'; NoRateLimit = [bool]$Unlimited }
        $errors = $null
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $output = $Certificates | Invoke-ZymDeviceProvisioning -CertificateAuthority $script:Ca -ThrottleLimit $ThrottleLimit @aws `
            -ErrorVariable errors -ErrorAction SilentlyContinue -Verbose 4>&1
        $clock.Stop()
        $stats = Get-QuotaProxyStats $proxy
    }
    finally { Stop-QuotaProxy $proxy }

    $results = @($output | Where-Object { $_ -is [ZymAws.Provisioning.DeviceProvisioningResult] })
    $limits = @($output | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -like 'Client-side rate limit:*' } |
        ForEach-Object { $_.Message.Substring('Client-side rate limit: '.Length) })
    $n = $Certificates.Count
    $operations = foreach ($op in $stats.operations.PSObject.Properties) {
        $accepted = $op.Value.requests - $op.Value.throttled
        [pscustomobject]@{
            Operation = $op.Name; Quota = $op.Value.quota; Requests = $op.Value.requests; Throttled = $op.Value.throttled
            CallsPerDevice = [math]::Round($accepted / $n, 4)
            Ceiling = if ($op.Value.quota -and $accepted -gt 0 -and -not $Unlimited) { $op.Value.quota / ($accepted / $n) } else { [double]::PositiveInfinity }
        }
    }
    $binding = $operations | Sort-Object Ceiling | Select-Object -First 1
    $rate = $n / $clock.Elapsed.TotalSeconds
    [pscustomobject]@{
        Run = $Name; QuotaScale = $Scale; Devices = $n
        Provisioned = @($results | Where-Object Status -eq 'Provisioned').Count
        Seconds = [math]::Round($clock.Elapsed.TotalSeconds, 1)
        DevicesPerSecond = [math]::Round($rate, 2)
        CeilingDevicesPerSecond = if ($Unlimited) { $null } else { [math]::Round($binding.Ceiling, 2) }
        BindingOperation = "$($binding.Operation) ($($binding.Quota)/s, $($binding.CallsPerDevice) per device)"
        OfCeiling = if ($Unlimited) { $null } else { [math]::Round($rate / $binding.Ceiling, 3) }
        ErrorsSurfaced = @($errors).Count
        ThrottlingErrorsSurfaced = @($errors | Where-Object { $_.FullyQualifiedErrorId -like '*Throttl*' }).Count
        ProxyRequests = $stats.requests; ProxyThrottled = $stats.throttled
        Operations = @($operations | Sort-Object Operation | ForEach-Object { "$($_.Operation): quota $($_.Quota), $($_.Requests) requests, $($_.Throttled) throttled, $($_.CallsPerDevice)/device" })
        SettledLimits = $limits
    }
}

try {
    $deadline = [DateTime]::UtcNow.AddSeconds(60)
    while ($true) {
        try { Invoke-RestMethod "$motoUrl/moto-api/data.json" -TimeoutSec 2 | Out-Null; break }
        catch { if ([DateTime]::UtcNow -gt $deadline) { throw 'moto_server did not start' }; Start-Sleep -Milliseconds 200 }
    }
    $setup = @{ EndpointUrl = $motoUrl; Region = 'us-east-1'; AccessKey = 'bench'; SecretKey = 'bench' }
    $script:Ca = New-ZymCertificateAuthority -Path (Join-Path $work 'ca') -Subject 'CN=Scale Bench CA' -NoPassphrase
    $script:Ca | Register-ZymCaWithAws @setup -SetActive | Out-Null
    Initialize-ZymCredentialProvider -RoleName 'scaleRole' -RoleAlias 'scaleAlias' -PolicyName 'scalePolicy' @setup | Out-Null

    Write-Host "bench/scale: making $Devices + $RaisedDevices certificates..."
    $default = @(New-Certificates 'q1' $Devices $script:Ca)
    $raised = @(New-Certificates 'q5' $RaisedDevices $script:Ca)
    $floorCertificates = if ($FloorDevices -gt 0) { @(New-Certificates 'floor' $FloorDevices $script:Ca) } else { @() }

    # What the machine itself allows (moto, the proxy, the module, on these cores as loaded now): a ceiling above it
    # cannot be reached here, whatever the limiter does.
    $floor = $null
    if ($FloorDevices -gt 0) {
        Write-Host "bench/scale: $FloorDevices devices with no quotas and -NoRateLimit (this machine's own ceiling)..."
        $floor = Invoke-Run 'no quotas, -NoRateLimit' 1 $floorCertificates -Unlimited
        $floor | Format-List | Out-Host
    }

    Write-Host "bench/scale: $Devices devices at the default quotas..."
    $a = Invoke-Run 'default quotas' 1 $default
    $a | Format-List | Out-Host
    Write-Host "bench/scale: $RaisedDevices devices at quotas raised ${RaisedScale}x in the proxy only..."
    $b = Invoke-Run "quotas x$RaisedScale" $RaisedScale $raised
    $b | Format-List | Out-Host

    $summary = [pscustomobject]@{
        Benchmark = 'Fleet scale under emulated AWS quotas (bench/scale)'
        Date = (Get-Date).ToUniversalTime().ToString('yyyy-MM-dd HH:mm') + ' UTC'
        LoadAverage = if (Test-Path /proc/loadavg) { (Get-Content /proc/loadavg).Split(' ')[0..2] -join ' ' } else { $null }
        ThrottleLimit = $ThrottleLimit
        MachineDevicesPerSecond = $floor.DevicesPerSecond
        DefaultQuotas = $a
        RaisedQuotas = $b
        # Of the ceiling the machine could reach at all: min(the quotas' ceiling, the unlimited run's devices/s).
        DefaultOfReachable = if ($floor) { [math]::Round($a.DevicesPerSecond / [math]::Min($a.CeilingDevicesPerSecond, $floor.DevicesPerSecond), 3) } else { $null }
        RaisedOfReachable = if ($floor) { [math]::Round($b.DevicesPerSecond / [math]::Min($b.CeilingDevicesPerSecond, $floor.DevicesPerSecond), 3) } else { $null }
        DefaultTargetMet = ($a.OfCeiling -ge 0.9 -and $a.ThrottlingErrorsSurfaced -eq 0)
        RaisedTargetMet = ($b.OfCeiling -ge 0.8)
    }
    if ($ResultPath) { $summary | ConvertTo-Json -Depth 6 | Set-Content -Path $ResultPath }
    $summary
}
finally {
    if (-not $moto.HasExited) { Stop-Process -Id $moto.Id -Force -ErrorAction SilentlyContinue }
    Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue
}
