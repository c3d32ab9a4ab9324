<#
.SYNOPSIS
    Runs every benchmark under bench/ and prints the figures. Called by build.ps1 -Task Bench.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [string] $SimulatorDirectory,
    # Which benchmarks to run (folder names under bench/).
    [string[]] $Name = @('import', 'pki', 'zymkey', 'provisioning', 'credentials', 'native', 'scale', 'rerun')
)
$ErrorActionPreference = 'Stop'
$results = [System.Collections.Generic.List[object]]::new()

if ('import' -in $Name) {
    $results.Add((& (Join-Path $PSScriptRoot 'import/Measure-ImportTime.ps1') -ModulePath $ModulePath))
}
foreach ($extra in @('pki', 'zymkey', 'provisioning', 'credentials', 'native', 'scale', 'rerun')) {
    $script = Join-Path $PSScriptRoot "$extra/Invoke-Benchmark.ps1"
    if ($extra -in $Name -and (Test-Path $script)) {
        $results.Add((& $script -ModulePath $ModulePath -SimulatorDirectory $SimulatorDirectory))
    }
}

foreach ($result in $results) { $result | Format-List | Out-Host }
