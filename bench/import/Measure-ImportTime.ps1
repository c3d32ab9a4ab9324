<#
.SYNOPSIS
    Import-Module time of the packaged module in a fresh pwsh, minus an empty pwsh start (median of several runs).
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [int] $Runs = 9
)
$ErrorActionPreference = 'Stop'
$exe, $prefix = @([Environment]::ProcessPath)
if ((Split-Path -Leaf $exe) -match '^dotnet(\.exe)?$') { $prefix = @(Join-Path $PSHOME 'pwsh.dll') } else { $prefix = @() }
$manifest = Join-Path (Resolve-Path $ModulePath).Path 'ZymAwsProvisioning.psd1'

function Measure-Median([string] $Command) {
    $times = foreach ($i in 1..$Runs) {
        $sw = [System.Diagnostics.Stopwatch]::StartNew()
        & $exe @prefix -NoProfile -NonInteractive -Command $Command
        if ($LASTEXITCODE -ne 0) { throw "'$Command' failed" }
        $sw.Elapsed.TotalMilliseconds
    }
    $sorted = @($times | Sort-Object)
    $sorted[[int][math]::Floor($sorted.Count / 2)]
}

# Warm the OS file cache once for both.
& $exe @prefix -NoProfile -NonInteractive -Command "Import-Module '$manifest' -ErrorAction Stop" | Out-Null
$empty = Measure-Median 'exit 0'
$import = Measure-Median "Import-Module '$manifest' -ErrorAction Stop; exit 0"
$firstCall = Measure-Median "Import-Module '$manifest' -ErrorAction Stop; `$null = Get-Command -Module ZymAwsProvisioning; exit 0"
[pscustomobject]@{
    Benchmark           = 'Import-Module'
    Runs                = $Runs
    EmptyPwshMs         = [math]::Round($empty, 1)
    ImportPwshMs        = [math]::Round($import, 1)
    ImportCostMs        = [math]::Round($import - $empty, 1)
    ImportAndGetCommand = [math]::Round($firstCall - $empty, 1)
    TargetMs            = 250
    Met                 = ($import - $empty) -lt 250
}
