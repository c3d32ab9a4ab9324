# Start, read and stop tools/ZymAws.QuotaProxy (built with the solution) from PowerShell: dot-source this file.
# Used by tests/pester/common.ps1 and bench/scale.

function Start-QuotaProxy {
    <# Starts the quota-emulating proxy in front of $Upstream on a free loopback port; returns Url, Process, StatsFile. #>
    param(
        [Parameter(Mandatory)] [string] $Upstream,
        [double] $QuotaScale = 1,
        # Per-operation quotas before scaling, e.g. @{ 'iot:RegisterCertificate' = 2 } (0 = unlimited).
        [hashtable] $Quota = @{},
        [double] $BurstSeconds = 1
    )
    $root = Split-Path -Parent $PSScriptRoot
    $dll = @('Release', 'Debug') | ForEach-Object { Join-Path $root "tools/ZymAws.QuotaProxy/bin/$_/net10.0/ZymAws.QuotaProxy.dll" } |
        Where-Object { Test-Path $_ } | Select-Object -First 1
    if (-not $dll) { throw 'tools/ZymAws.QuotaProxy is not built (run ./build.ps1 -Task Build).' }
    $tag = [guid]::NewGuid().ToString('n').Substring(0, 8)
    $log = Join-Path ([System.IO.Path]::GetTempPath()) "quota-proxy-$tag.log"
    $statsFile = "$log.stats.json"
    $arguments = @($dll, '--upstream', $Upstream, '--port', '0', '--quota-scale', ([string]::Format([cultureinfo]::InvariantCulture, '{0}', $QuotaScale)),
        '--burst-seconds', ([string]::Format([cultureinfo]::InvariantCulture, '{0}', $BurstSeconds)), '--stats-file', $statsFile, '--parent-pid', "$PID")
    foreach ($key in $Quota.Keys) { $arguments += @('--quota', ([string]::Format([cultureinfo]::InvariantCulture, '{0}={1}', $key, $Quota[$key]))) }
    $process = Start-Process -FilePath 'dotnet' -ArgumentList $arguments -RedirectStandardOutput $log -RedirectStandardError "$log.err" -PassThru
    $deadline = [DateTime]::UtcNow.AddSeconds(60)
    while ([DateTime]::UtcNow -lt $deadline) {
        if ($process.HasExited) { throw "The quota proxy exited early: $(Get-Content -Raw "$log.err" -ErrorAction SilentlyContinue)" }
        $line = Get-Content $log -ErrorAction SilentlyContinue | Where-Object { $_ -like 'Listening on *' } | Select-Object -First 1
        if ($line) {
            return [pscustomobject]@{ Url = $line.Substring('Listening on '.Length).Trim(); Process = $process; StatsFile = $statsFile; Log = $log }
        }
        Start-Sleep -Milliseconds 100
    }
    Stop-Process -Id $process.Id -Force -ErrorAction SilentlyContinue
    throw 'The quota proxy did not start within 60 s.'
}

function Get-QuotaProxyStats($Proxy) {
    <# The proxy's counters: QuotaScale, Requests, Throttled, Operations.<service:Operation>.{quota, requests, throttled}. #>
    Invoke-RestMethod -Uri "$($Proxy.Url)/_quota/stats"
}

function Reset-QuotaProxy($Proxy) {
    Invoke-RestMethod -Method Post -Uri "$($Proxy.Url)/_quota/reset" | Out-Null
}

function Stop-QuotaProxy($Proxy) {
    if ($Proxy -and $Proxy.Process -and -not $Proxy.Process.HasExited) {
        # SIGTERM (Stop-Process kills outright), so the proxy writes its counters on the way out.
        if ($IsWindows) { Stop-Process -Id $Proxy.Process.Id -ErrorAction SilentlyContinue } else { & kill -TERM $Proxy.Process.Id 2>$null }
        if (-not $Proxy.Process.WaitForExit(10000)) { Stop-Process -Id $Proxy.Process.Id -Force -ErrorAction SilentlyContinue }
    }
}
