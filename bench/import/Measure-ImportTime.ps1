<#
.SYNOPSIS
    Import-Module time of the packaged module in a fresh pwsh, minus an empty pwsh start (median of several runs).
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [int] $Runs = 15
)
$ErrorActionPreference = 'Stop'
$exe, $prefix = @([Environment]::ProcessPath)
if ((Split-Path -Leaf $exe) -match '^dotnet(\.exe)?$') { $prefix = @(Join-Path $PSHOME 'pwsh.dll') } else { $prefix = @() }
$manifest = Join-Path (Resolve-Path $ModulePath).Path 'ZymAwsProvisioning.psd1'

function Measure-Once([string] $Command) {
    $sw = [System.Diagnostics.Stopwatch]::StartNew()
    & $exe @prefix -NoProfile -NonInteractive -Command $Command
    if ($LASTEXITCODE -ne 0) { throw "'$Command' failed" }
    $sw.Elapsed.TotalMilliseconds
}

function Get-Median([double[]] $Values) { $sorted = @($Values | Sort-Object); $sorted[[int][math]::Floor($sorted.Count / 2)] }

# Warm the OS file cache once, then interleave the three kinds of run so that background load hits them alike.
& $exe @prefix -NoProfile -NonInteractive -Command "Import-Module '$manifest' -ErrorAction Stop" | Out-Null
$emptyRuns = @(); $importRuns = @(); $firstCallRuns = @()
foreach ($i in 1..$Runs) {
    $emptyRuns += Measure-Once 'exit 0'
    $importRuns += Measure-Once "Import-Module '$manifest' -ErrorAction Stop; exit 0"
    $firstCallRuns += Measure-Once "Import-Module '$manifest' -ErrorAction Stop; `$null = Get-Command -Module ZymAwsProvisioning; exit 0"
}
# Paired differences: each import run against the empty run next to it.
$importCost = Get-Median (0..($Runs - 1) | ForEach-Object { $importRuns[$_] - $emptyRuns[$_] })
$firstCallCost = Get-Median (0..($Runs - 1) | ForEach-Object { $firstCallRuns[$_] - $emptyRuns[$_] })
$empty = Get-Median $emptyRuns
$import = Get-Median $importRuns

[pscustomobject]@{
    Benchmark           = 'Import-Module'
    Runs                = $Runs
    EmptyPwshMs         = [math]::Round($empty, 1)
    ImportPwshMs        = [math]::Round($import, 1)
    ImportCostMs        = [math]::Round($importCost, 1)
    ImportAndGetCommand = [math]::Round($firstCallCost, 1)
    TargetMs            = 250
    Met                 = $importCost -lt 250
}
