<#
.SYNOPSIS
    Zymkey signatures per second through the module's interop against the simulator, beside the simulator called
    directly from a C loop (bench/zymkey/run.sh), and CSRs per second signed "in the Zymkey" by New-ZymDeviceCsr.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [string] $SimulatorDirectory,
    [int] $Signatures = 20000,
    [int] $Csrs = 2000
)
$ErrorActionPreference = 'Stop'
$lines = & bash (Join-Path $PSScriptRoot 'run.sh') $Signatures 3
$exit = $LASTEXITCODE
$lines | Out-Host

# CSRs through the cmdlet, in a child pwsh that starts with the simulator's environment (read with getenv).
$manifest = Join-Path (Resolve-Path $ModulePath).Path 'ZymAwsProvisioning.psd1'
$simDir = Join-Path ([System.IO.Path]::GetTempPath()) "zym-bench-zk-$PID"
New-Item -ItemType Directory -Force -Path $simDir | Out-Null
$saved = @{ ZYMKEY_LIBRARY_PATH = $env:ZYMKEY_LIBRARY_PATH; ZK_SIM_DIR = $env:ZK_SIM_DIR }
$env:ZYMKEY_LIBRARY_PATH = Join-Path $SimulatorDirectory 'libzk_app_utils.so'; $env:ZK_SIM_DIR = $simDir
try {
    $exe, $prefix = @([Environment]::ProcessPath)
    $prefix = @(if ((Split-Path -Leaf $exe) -match '^dotnet(\.exe)?$') { Join-Path $PSHOME 'pwsh.dll' })
    $script = "Import-Module '$manifest'; 1..50 | % { `"w`$_`" } | New-ZymDeviceCsr -KeySource Zymkey | Out-Null; " +
        "`$t = Measure-Command { 1..$Csrs | % { `"dev-`$_`" } | New-ZymDeviceCsr -KeySource Zymkey | Out-Null }; [math]::Round($Csrs / `$t.TotalSeconds)"
    $csrRate = & $exe @prefix -NoProfile -NonInteractive -Command $script
}
finally {
    $env:ZYMKEY_LIBRARY_PATH = $saved.ZYMKEY_LIBRARY_PATH; $env:ZK_SIM_DIR = $saved.ZK_SIM_DIR
    Remove-Item -Recurse -Force $simDir -ErrorAction SilentlyContinue
}

[pscustomobject]@{
    Benchmark               = 'Zymkey interop (simulator)'
    InteropTargetMet        = ($exit -eq 0)
    CsrsPerSecondViaCmdlet  = [int]("$csrRate".Trim())
}
