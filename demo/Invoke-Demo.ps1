<#
.SYNOPSIS
    The main job on the embedded default: the tutorial's flow against a local moto_server and the Zymkey simulator.
.DESCRIPTION
    Starts moto_server on a free loopback port, runs the flow through the packaged module, prints a summary and stops
    every process it started (also on failure or Ctrl+C). Called by build.ps1 -Task Demo.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [string] $SimulatorDirectory,
    [string] $WorkDirectory = (Join-Path ([System.IO.Path]::GetTempPath()) "zym-demo-$PID")
)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $ModulePath 'ZymAwsProvisioning.psd1') -Force

function Step([string] $Text) { Write-Host "`n--- $Text" -ForegroundColor Cyan }

$listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
$listener.Start(); $port = $listener.LocalEndpoint.Port; $listener.Stop()
$moto = $null
try {
    Step "Starting moto_server on 127.0.0.1:$port (the AWS control plane)"
    New-Item -ItemType Directory -Force -Path $WorkDirectory | Out-Null
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

    Step 'Credentials-provider endpoint'
    $endpoint = Get-ZymCredentialProviderEndpoint @aws
    $endpoint | Format-Table -AutoSize | Out-Host

    Step 'Summary'
    Write-Host "Credentials endpoint: $($endpoint.Host)"
    Write-Host 'Demo finished.' -ForegroundColor Green
}
finally {
    if ($moto -and -not $moto.HasExited) { Stop-Process -Id $moto.Id -Force -ErrorAction SilentlyContinue; $moto.WaitForExit(10000) | Out-Null }
    Remove-Item -Recurse -Force $WorkDirectory -ErrorAction SilentlyContinue
}
