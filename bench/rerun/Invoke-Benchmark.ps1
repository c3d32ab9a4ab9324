<#
.SYNOPSIS
    Re-run and memory at scale (issue 12, part B) against tools/moto_server.py, rate limiting off: a re-run of 2,000
    provisioned devices (time and AWS calls per device, beside the first run and a device-by-device re-run), then the
    peak working set of a streamed batch with a journal at 2,000 / 5,000 / 10,000 / 20,000 devices, one process each.
    See bench/rerun/README.md.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [string] $SimulatorDirectory,
    [int] $Devices = 2000,
    [int[]] $MemorySizes = @(2000, 5000, 10000, 20000)
)
$ErrorActionPreference = 'Stop'
$run = Join-Path $PSScriptRoot 'run.sh'
& bash $run rerun --devices $Devices | Out-Host
if ($LASTEXITCODE -ne 0) { throw "bench/rerun/run.sh rerun failed ($LASTEXITCODE)" }
foreach ($size in $MemorySizes) {
    & bash $run memory --devices $size | Out-Host
    if ($LASTEXITCODE -ne 0) { throw "bench/rerun/run.sh memory --devices $size failed ($LASTEXITCODE)" }
}
[pscustomobject]@{ Benchmark = 'Re-run and memory at scale'; Devices = $Devices; MemorySizes = $MemorySizes -join ', '; Report = 'above' }
