<#
.SYNOPSIS
    Runs the Pester suite against a packaged module, in this (fresh) pwsh process. Called by build.ps1 -Task Test.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [string] $Filter = '*',
    [Parameter(Mandatory)] [string] $SummaryPath,
    [string] $ResultPath
)
$ErrorActionPreference = 'Stop'
$root = Split-Path -Parent $PSScriptRoot

# Pester comes from NuGet (tools/tools.proj), never from a gallery; its version is stated once, in Directory.Packages.props.
$pesterVersion = ([xml](Get-Content -Raw (Join-Path $root 'Directory.Packages.props'))).Project.PropertyGroup.PesterVersion | Where-Object { $_ } | Select-Object -First 1
if (-not $pesterVersion) { throw 'Directory.Packages.props names no PesterVersion.' }
$nugetRoot = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path ([Environment]::GetFolderPath('UserProfile')) '.nuget/packages' }
$pesterManifest = Join-Path $nugetRoot "pester/$pesterVersion/tools/Pester.psd1"
if (-not (Test-Path $pesterManifest)) {
    & dotnet restore (Join-Path $root 'tools/tools.proj') -nologo -v q | Out-Host
    if ($LASTEXITCODE -ne 0) { throw "Could not restore Pester $pesterVersion from NuGet." }
}
Import-Module $pesterManifest -Force

$env:ZYM_MODULE_PATH = (Resolve-Path $ModulePath).Path
$files = Get-ChildItem (Join-Path $root 'tests/pester') -Filter '*.Tests.ps1' | Where-Object Name -Like "$Filter.Tests.ps1"
if (-not $files) { $files = Get-ChildItem (Join-Path $root 'tests/pester') -Filter "$Filter" | Where-Object Name -Like '*.Tests.ps1' }

$config = New-PesterConfiguration
$config.Run.Path = @($files.FullName)
$config.Run.PassThru = $true
$config.Output.Verbosity = 'Normal'
if ($ResultPath) {
    # JUnit XML for CI viewers. Pester 5.7's XML writer throws on control characters in a failure message (ANSI
    # colours, for one), which would lose the counts: write the counts first, whatever the report does.
    $config.TestResult.Enabled = $false
}
$result = Invoke-Pester -Configuration $config

[pscustomobject]@{
    Passed  = [int]$result.PassedCount
    Failed  = [int]($result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount)
    Skipped = [int]($result.SkippedCount + $result.NotRunCount)
} | ConvertTo-Json | Set-Content -Path $SummaryPath

if ($ResultPath) {
    try {
        $result | Export-JUnitReport -Path $ResultPath
    }
    catch {
        Write-Warning "The JUnit report could not be written ($($_.Exception.Message)); the counts above stand."
    }
}
