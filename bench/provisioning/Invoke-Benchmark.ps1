<#
.SYNOPSIS
    Devices per second for a 500-device batch against moto at throttle limits 1, 4 and 16 (rate limiting off: moto
    has no quotas), beside the seed's flow (one AWS CLI process per call) and a bare botocore loop in one Python
    process at the same concurrency (the floor moto allows). See bench/provisioning/README.md.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [string] $SimulatorDirectory,
    [int] $Devices = 500
)
$ErrorActionPreference = 'Stop'
& bash (Join-Path $PSScriptRoot 'run.sh') --devices $Devices --throttles '1,4,16' --seed-devices 5 | Out-Host
if ($LASTEXITCODE -ne 0) { throw "bench/provisioning/run.sh failed ($LASTEXITCODE)" }
[pscustomobject]@{ Benchmark = 'Fleet provisioning (engine vs seed flow vs botocore floor)'; Devices = $Devices; Report = 'above' }
