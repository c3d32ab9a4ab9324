<#
.SYNOPSIS
    Device credentials: Get-ZymAwsCredential cold (a new mutual-TLS handshake and request; software key and the Zymkey
    simulator) and cached in the session, beside the seed's way (curl + jq, as credentials.sh does it), all against the
    same local credentials endpoint judging against a local moto, in one run.
.DESCRIPTION
    Targets (issue 10): a cached call under 1 ms; a cold call no slower than the seed's way. The seed's way runs curl with
    the software key file (its Zymkey path needs the zymkey_ssl OpenSSL engine, which is not on this machine).
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [string] $SimulatorDirectory,
    [int] $Cold = 40,
    [int] $Cached = 5000
)
$ErrorActionPreference = 'Stop'
$manifest = Join-Path (Resolve-Path $ModulePath).Path 'ZymAwsProvisioning.psd1'
$root = Split-Path -Parent (Split-Path -Parent $PSScriptRoot)
$work = Join-Path ([System.IO.Path]::GetTempPath()) "zym-bench-cred-$PID"
New-Item -ItemType Directory -Force -Path $work | Out-Null
$listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0); $listener.Start(); $port = $listener.LocalEndpoint.Port; $listener.Stop()
$moto = Start-Process python3 -ArgumentList @((Join-Path $root 'tools/moto_server.py'), '-H', '127.0.0.1', '-p', "$port") -PassThru `
    -RedirectStandardOutput (Join-Path $work 'moto.log') -RedirectStandardError (Join-Path $work 'moto.err')
$saved = @{ ZYMKEY_LIBRARY_PATH = $env:ZYMKEY_LIBRARY_PATH; ZK_SIM_DIR = $env:ZK_SIM_DIR }
try {
    $deadline = [DateTime]::UtcNow.AddSeconds(60)
    while ($true) {
        try { Invoke-RestMethod "http://127.0.0.1:$port/moto-api/data.json" -TimeoutSec 2 | Out-Null; break }
        catch { if ([DateTime]::UtcNow -gt $deadline) { throw 'moto_server did not start' }; Start-Sleep -Milliseconds 200 }
    }

    # The measurement runs in a child pwsh that starts with the simulator's environment (read with getenv).
    $env:ZYMKEY_LIBRARY_PATH = Join-Path $SimulatorDirectory 'libzk_app_utils.so'; $env:ZK_SIM_DIR = Join-Path $work 'zk'
    New-Item -ItemType Directory -Force -Path $env:ZK_SIM_DIR | Out-Null
    # The seed's credentials.sh, as it works (curl + jq), shared with bench/native.
    $seed = Join-Path $root 'bench/seed/credentials.sh'
    $script = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$manifest'
`$aws = @{ EndpointUrl = 'http://127.0.0.1:$port'; Region = 'us-east-1'; AccessKey = 'bench'; SecretKey = 'bench' }
Set-Location '$work'
Initialize-ZymCredentialProvider -RoleName benchRole -RoleAlias benchAlias -PolicyName benchPolicy @aws | Out-Null
`$ca = New-ZymCertificateAuthority -Path ./ca -Subject 'CN=Bench CA' -NoPassphrase
`$ca | Register-ZymCaWithAws @aws -SetActive | Out-Null
`$hostName = (Get-ZymCredentialProviderEndpoint @aws).Host
`$common = @{ IotPolicy = 'benchPolicy'; Region = 'us-east-1'; CredentialEndpoint = `$hostName; RoleAlias = 'benchAlias' }
`$soft = New-ZymDeviceCsr -ThingName bench-soft -KeyPath ./soft.key -NoPassphrase @common | Approve-ZymDeviceCsr -CertificateAuthority `$ca -OutDirectory ./certs
`$zk = New-ZymDeviceCsr -ThingName bench-zk -KeySource Zymkey @common | Approve-ZymDeviceCsr -CertificateAuthority `$ca -OutDirectory ./certs
`$soft, `$zk | Invoke-ZymDeviceProvisioning -CertificateAuthority `$ca @aws | Out-Null
`$server = Start-ZymCredentialEndpoint @aws
`$softArgs = @{ CertificatePath = `$soft.Path; KeyPath = (Resolve-Path ./soft.key).Path; ConnectAddress = `$server.ConnectAddress; ServerCaCertificate = `$server.ServerCaCertificatePath }
`$zkArgs = @{ CertificatePath = `$zk.Path; ConnectAddress = `$server.ConnectAddress; ServerCaCertificate = `$server.ServerCaCertificatePath }
function Measure-Calls([scriptblock] `$call, [int] `$n) {
    `$times = foreach (`$i in 1..`$n) { `$sw = [Diagnostics.Stopwatch]::StartNew(); `$null = & `$call; `$sw.Elapsed.TotalMilliseconds }
    `$sorted = @(`$times | Sort-Object)
    [pscustomobject]@{ MedianMs = [math]::Round(`$sorted[[int](`$sorted.Count / 2)], 2); P90Ms = [math]::Round(`$sorted[[int](`$sorted.Count * 0.9)], 2) }
}
# Warm up (JIT, the first handshakes) before measuring.
1..5 | ForEach-Object { Get-ZymAwsCredential @softArgs -Refresh | Out-Null; Get-ZymAwsCredential @zkArgs -Refresh | Out-Null; & bash '$seed' `$soft.Path ./soft.key `$server.ServerCaCertificatePath `$server.Host `$server.Port bench-soft benchAlias | Out-Null }
`$coldSoft = Measure-Calls { Get-ZymAwsCredential @softArgs -Refresh } $Cold
`$coldZk = Measure-Calls { Get-ZymAwsCredential @zkArgs -Refresh } $Cold
`$seedWay = Measure-Calls { & bash '$seed' `$soft.Path ./soft.key `$server.ServerCaCertificatePath `$server.Host `$server.Port bench-soft benchAlias } $Cold
Get-ZymAwsCredential @softArgs | Out-Null
# Assigned to `$null, not piped to Out-Null: a pipeline alone costs pwsh about 0.7 ms here. The floor is a built-in cmdlet's call.
`$sw = [Diagnostics.Stopwatch]::StartNew(); foreach (`$i in 1..$Cached) { `$null = Get-ZymAwsCredential @softArgs }; `$cachedMs = `$sw.Elapsed.TotalMilliseconds / $Cached
`$sw = [Diagnostics.Stopwatch]::StartNew(); foreach (`$i in 1..$Cached) { `$null = Get-Date }; `$floorMs = `$sw.Elapsed.TotalMilliseconds / $Cached
Stop-ZymCredentialEndpoint
[pscustomobject]@{ ColdSoft = `$coldSoft; ColdZymkey = `$coldZk; Seed = `$seedWay; CachedMs = [math]::Round(`$cachedMs, 3); FloorMs = [math]::Round(`$floorMs, 3) } | ConvertTo-Json -Compress
"@
    $exe, $prefix = @([Environment]::ProcessPath)
    $prefix = @(if ((Split-Path -Leaf $exe) -match '^dotnet(\.exe)?$') { Join-Path $PSHOME 'pwsh.dll' })
    $out = & $exe @prefix -NoProfile -NonInteractive -Command $script
    if ($LASTEXITCODE -ne 0) { throw "The credentials benchmark failed: $out" }
    $r = ($out | Select-Object -Last 1) | ConvertFrom-Json
}
finally {
    $env:ZYMKEY_LIBRARY_PATH = $saved.ZYMKEY_LIBRARY_PATH; $env:ZK_SIM_DIR = $saved.ZK_SIM_DIR
    if (-not $moto.HasExited) { Stop-Process -Id $moto.Id -Force; $moto.WaitForExit(10000) | Out-Null }
    Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue
}

[pscustomobject]@{
    Benchmark                  = 'Device credentials (local endpoint on moto)'
    ColdSoftwareKeyMedianMs    = $r.ColdSoft.MedianMs
    ColdSoftwareKeyP90Ms       = $r.ColdSoft.P90Ms
    ColdZymkeySimulatorMedianMs = $r.ColdZymkey.MedianMs
    SeedWayMedianMs            = $r.Seed.MedianMs
    SeedWayP90Ms               = $r.Seed.P90Ms
    CachedInSessionMs          = $r.CachedMs
    PwshCmdletFloorMs          = $r.FloorMs
    CachedTargetMet            = ($r.CachedMs -lt 1)
    ColdTargetMet              = ($r.ColdSoft.MedianMs -le $r.Seed.MedianMs -and $r.ColdZymkey.MedianMs -le $r.Seed.MedianMs)
}
