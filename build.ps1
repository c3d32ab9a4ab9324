#!/usr/bin/env pwsh
<#
.SYNOPSIS
    Builds, packages, tests, demonstrates and benchmarks ZymAwsProvisioning.
.DESCRIPTION
    Tasks (run in the order given; each pulls in what it needs):
      Build    compile the solution and the Zymkey simulator library
      Package  lay out an importable module in out/ZymAwsProvisioning/<version> (manifest, assemblies, formats, help,
               and the native zymaws-credential helper in bin/<rid>/, published with NativeAOT; incremental)
      Nupkg    pack that module into out/nupkg/ZymAwsProvisioning.<version>.nupkg (PSResourceGet's Compress-PSResource), a
               local repository for Install-PSResource
      Test     xunit suites (engine, cmdlet pump), then Pester in a fresh child pwsh against the packaged module; ends with "N passed, N failed"
      Demo     the main job on the embedded default: local moto_server, Zymkey simulator
      Bench    the benchmarks under bench/
      Clean    remove build output
.EXAMPLE
    dotnet tool restore; dotnet pwsh ./build.ps1 -Task Test
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Package', 'Nupkg', 'Test', 'Demo', 'Bench', 'Clean')]
    [string[]] $Task = @('Build'),

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    # Optional xunit filter (dotnet test --filter) for the Test task.
    [string] $XunitFilter,

    # Optional Pester test file name filter (wildcards) for the Test task.
    [string] $PesterFilter,

    # Runtimes the native zymaws-credential helper is published for (Package): default this machine's when it is Linux
    # (linux-x64 here). linux-arm64 needs the arm64 ILCompiler package and a cross toolchain (docs/zymaws-credential.md).
    [string[]] $HelperRuntime,

    # Package without the native helper (a machine without the NativeAOT toolchain); Install-ZymCredentialProcess then
    # writes profiles that run the module through pwsh.
    [switch] $NoNativeHelper
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$Root = $PSScriptRoot
$OutRoot = Join-Path $Root 'out'
$Version = ([xml](Get-Content -Raw (Join-Path $Root 'Directory.Build.props'))).Project.PropertyGroup.Version | Select-Object -First 1
# The project's online docs (cmdlet help pages and about topics), stated once in Directory.Build.props.
$DocsBaseUri = ([xml](Get-Content -Raw (Join-Path $Root 'Directory.Build.props'))).Project.PropertyGroup.ZymDocsBaseUri | Where-Object { $_ } | Select-Object -First 1
$ModuleRoot = Join-Path $OutRoot "ZymAwsProvisioning/$Version"
$SimulatorDir = Join-Path $Root 'native/zksim/build'
$XunitProjects = @('tests/ZymAws.Engine.Tests/ZymAws.Engine.Tests.csproj', 'tests/ZymAws.Provisioning.Tests/ZymAws.Provisioning.Tests.csproj')
$script:Done = @{}
$script:ExitCode = 0

# How to start a fresh child pwsh: this one's own host (under 'dotnet pwsh', that is dotnet + pwsh.dll).
$script:PwshCommand = @([Environment]::ProcessPath)
if ((Split-Path -Leaf $script:PwshCommand[0]) -match '^dotnet(\.exe)?$') { $script:PwshCommand += (Join-Path $PSHOME 'pwsh.dll') }

function Invoke-Pwsh {
    param([string[]] $Arguments)
    $exe, $prefix = $script:PwshCommand
    & $exe @($prefix) @Arguments
}

function Invoke-Native {
    param([string] $File, [string[]] $Arguments)
    & $File @Arguments
    if ($LASTEXITCODE -ne 0) { throw "'$File $($Arguments -join ' ')' failed with exit code $LASTEXITCODE" }
}

function Invoke-Task([string] $Name) {
    if ($script:Done[$Name]) { return }
    Write-Host "==> $Name" -ForegroundColor Cyan
    & "Task$Name"
    $script:Done[$Name] = $true
}

function TaskClean {
    foreach ($dir in @($OutRoot, $SimulatorDir)) { if (Test-Path $dir) { Remove-Item -Recurse -Force $dir } }
    Invoke-Native dotnet @('clean', (Join-Path $Root 'ZymAws.sln'), '-c', $Configuration, '-v', 'q', '-nologo')
}

function TaskBuild {
    Invoke-Native dotnet @('build', (Join-Path $Root 'ZymAws.sln'), '-c', $Configuration, '-nologo', '-v', 'q', '-clp:ErrorsOnly')
    $simulatorBuild = Join-Path $Root 'native/zksim/build.sh'
    if ((Test-Path $simulatorBuild) -and $IsLinux) {
        Invoke-Native bash @($simulatorBuild, $SimulatorDir)
    }
}

function TaskPackage {
    Invoke-Task Build
    if (Test-Path $ModuleRoot) { Remove-Item -Recurse -Force $ModuleRoot }
    $deps = Join-Path $ModuleRoot 'deps'
    New-Item -ItemType Directory -Force -Path $deps | Out-Null

    # The engine (and the Zymkey interop, which references it) with every dependency, into deps/.
    $staging = Join-Path $OutRoot 'staging'
    if (Test-Path $staging) { Remove-Item -Recurse -Force $staging }
    Invoke-Native dotnet @('publish', (Join-Path $Root 'src/ZymAws.Zymkey/ZymAws.Zymkey.csproj'), '-c', $Configuration,
        '-o', $staging, '-nologo', '-v', 'q', '-clp:ErrorsOnly')
    Get-ChildItem $staging -Filter '*.dll' | Copy-Item -Destination $deps

    # The cmdlet assembly alone beside the manifest; nothing it depends on may sit next to it.
    $cmdletBin = Join-Path $Root "src/ZymAws.Provisioning/bin/$Configuration/netstandard2.0"
    Copy-Item (Join-Path $cmdletBin 'ZymAws.Provisioning.dll') $ModuleRoot
    Copy-Item (Join-Path $Root 'src/ZymAws.Provisioning/ZymAwsProvisioning.Format.ps1xml') $ModuleRoot
    # The credential_process script Install-ZymCredentialProcess points a profile at when there is no native helper.
    Copy-Item (Join-Path $Root 'src/ZymAws.Provisioning/zymaws-credential.ps1') $ModuleRoot
    Publish-CredentialHelper

    $manifest = Get-Content -Raw (Join-Path $Root 'ZymAwsProvisioning.psd1')
    $manifest = $manifest -replace "ModuleVersion\s*=\s*'[^']*'", "ModuleVersion = '$Version'"
    $manifest = $manifest -replace "HelpInfoUri\s*=\s*'[^']*'", "HelpInfoUri = '$DocsBaseUri'"
    Set-Content -Path (Join-Path $ModuleRoot 'ZymAwsProvisioning.psd1') -Value $manifest -NoNewline

    $helpBuilder = Join-Path $Root 'tools/Build-Help.ps1'
    if (Test-Path $helpBuilder) {
        # (Get-Help on Linux needs the folder spelled exactly en-US, beside the manifest.)
        & $helpBuilder -DocsPath (Join-Path $Root 'docs/en-US') -OutputPath (Join-Path $ModuleRoot 'en-US') `
            -ModuleAssemblyName 'ZymAws.Provisioning.dll' -ModuleName 'ZymAwsProvisioning' -OnlineBaseUri $DocsBaseUri
    }

    $info = Test-ModuleManifest -Path (Join-Path $ModuleRoot 'ZymAwsProvisioning.psd1')
    Write-Host "Packaged $($info.Name) $($info.Version) at $ModuleRoot"
}

function TaskNupkg {
    Invoke-Task Package
    $repository = Join-Path $OutRoot 'nupkg'
    $nupkg = & (Join-Path $Root 'tools/New-ModulePackage.ps1') -ModulePath $ModuleRoot -DestinationPath $repository
    Write-Host "Packed $($nupkg.FullName)"
    Write-Host "Install it: Register-PSResourceRepository -Name local -Uri $repository -Trusted; Install-PSResource ZymAwsProvisioning -Repository local"
}

function Get-HostRuntime {
    if (-not $IsLinux) { return $null }
    switch ([System.Runtime.InteropServices.RuntimeInformation]::OSArchitecture) {
        'X64' { 'linux-x64' }
        'Arm64' { 'linux-arm64' }
        default { $null }
    }
}

function Publish-CredentialHelper {
    # The native zymaws-credential helper (NativeAOT) into bin/<rid>/, where Install-ZymCredentialProcess looks for it.
    # ILC and the link step are incremental: an unchanged helper costs seconds, a changed one about a minute here.
    if ($NoNativeHelper) { Write-Host 'Packaging without the native zymaws-credential helper (-NoNativeHelper).'; return }
    # (-HelperRuntime linux-x64,linux-arm64 from a shell arrives as one string: split it.)
    $runtimes = if ($HelperRuntime) { $HelperRuntime -split ',' | ForEach-Object Trim | Where-Object { $_ } } else { @(Get-HostRuntime) | Where-Object { $_ } }
    if (-not $runtimes) { Write-Host 'No native zymaws-credential helper for this platform: profiles run the module through pwsh.'; return }
    $project = Join-Path $Root 'src/ZymAws.CredentialHelper/ZymAws.CredentialHelper.csproj'
    foreach ($rid in $runtimes) {
        $published = Join-Path $OutRoot "native/$rid"
        $publish = @('publish', $project, '-c', $Configuration, '-r', $rid, '-o', $published, '-nologo', '-v', 'q')
        # Another architecture is cross-linked with clang (gcc cannot take --target); it needs that architecture's
        # ILCompiler package (restored from NuGet) and a cross toolchain: on Debian, clang and gcc-<arch>-linux-gnu.
        if ($rid -ne (Get-HostRuntime)) { $publish += '-p:CppCompilerAndLinker=clang' }
        Invoke-Native dotnet $publish
        $bin = Join-Path $ModuleRoot "bin/$rid"
        New-Item -ItemType Directory -Force -Path $bin | Out-Null
        Copy-Item (Join-Path $published 'zymaws-credential') $bin
        $size = (Get-Item (Join-Path $bin 'zymaws-credential')).Length
        Write-Host ("Published zymaws-credential for {0} ({1:N1} MB)" -f $rid, ($size / 1MB))
    }
}

function Get-TrxCounts([string] $Directory) {
    $passed = 0; $failed = 0; $skipped = 0
    foreach ($trx in Get-ChildItem $Directory -Filter '*.trx' -Recurse) {
        $counters = ([xml](Get-Content -Raw $trx.FullName)).TestRun.ResultSummary.Counters
        $passed += [int]$counters.passed
        $failed += [int]$counters.failed + [int]$counters.error + [int]$counters.timeout + [int]$counters.aborted
        $skipped += [int]$counters.notExecuted
    }
    [pscustomobject]@{ Passed = $passed; Failed = $failed; Skipped = $skipped }
}

function TaskTest {
    Invoke-Task Package
    $results = Join-Path $OutRoot 'test-results'
    if (Test-Path $results) { Remove-Item -Recurse -Force $results }
    New-Item -ItemType Directory -Force -Path $results | Out-Null

    $env:ZYMKEY_SIMULATOR_DIR = $SimulatorDir
    # Every xunit project: the engine's, and the cmdlet base's pump hosted in a real runspace.
    $xunitExit = 0
    foreach ($project in $XunitProjects) {
        $name = [IO.Path]::GetFileNameWithoutExtension($project)
        $xunitArgs = @('test', (Join-Path $Root $project), '-c', $Configuration, '--no-build', '-nologo',
            '--logger', 'trx', '--logger', 'console;verbosity=minimal', '--results-directory', (Join-Path $results "xunit/$name"))
        if ($XunitFilter) { $xunitArgs += @('--filter', $XunitFilter) }
        & dotnet @xunitArgs
        if ($LASTEXITCODE -ne 0) { $xunitExit = $LASTEXITCODE }
        $counts = Get-TrxCounts (Join-Path $results "xunit/$name")
        Write-Host "xunit ${name}: $($counts.Passed) passed, $($counts.Failed) failed, $($counts.Skipped) skipped"
    }
    $xunit = Get-TrxCounts (Join-Path $results 'xunit')
    if ($xunitExit -ne 0 -and $xunit.Failed -eq 0) { $xunit.Failed = 1 }   # a runner itself failed

    # Pester in a fresh child pwsh, so this session never loads (and locks) the module's assemblies.
    $pesterSummary = Join-Path $results 'pester.json'
    $pesterArgs = @('-NoProfile', '-NonInteractive', '-File', (Join-Path $Root 'tests/Invoke-PesterSuite.ps1'),
        '-ModulePath', $ModuleRoot, '-SummaryPath', $pesterSummary, '-ResultPath', (Join-Path $results 'pester-junit.xml'))
    # (Passed only when given: a bare '*' would be globbed by the native-command argument binder on Unix.)
    if ($PesterFilter) { $pesterArgs += @('-Filter', $PesterFilter) }
    Invoke-Pwsh $pesterArgs
    $pester = if (Test-Path $pesterSummary) { Get-Content -Raw $pesterSummary | ConvertFrom-Json } else { $null }
    if ($null -eq $pester -or $null -eq $pester.Passed -or $null -eq $pester.Failed) {
        # The runner died before counting: that is a failure, never a silent zero.
        Write-Host "The Pester run ended without a summary."
        $pester = [pscustomobject]@{ Passed = 0; Failed = 1; Skipped = 0 }
    }

    $passed = $xunit.Passed + $pester.Passed
    $failed = $xunit.Failed + $pester.Failed
    $skipped = $xunit.Skipped + $pester.Skipped
    Write-Host ""
    Write-Host "xunit: $($xunit.Passed) passed, $($xunit.Failed) failed, $($xunit.Skipped) skipped"
    Write-Host "Pester: $($pester.Passed) passed, $($pester.Failed) failed, $($pester.Skipped) skipped"
    if ($passed -eq 0 -and $failed -eq 0) { $failed = 1; Write-Host "No test ran." }
    if ($failed -gt 0) { $script:ExitCode = 1 }
    # The closing line CI reads; nothing is printed after it.
    Write-Host "$passed passed, $failed failed, $skipped skipped"
}

function TaskDemo {
    Invoke-Task Package
    Invoke-Pwsh @('-NoProfile', '-NonInteractive', '-File', (Join-Path $Root 'demo/Invoke-Demo.ps1'), '-ModulePath', $ModuleRoot, '-SimulatorDirectory', $SimulatorDir)
    if ($LASTEXITCODE -ne 0) { throw "The demo failed (exit code $LASTEXITCODE)." }
}

function TaskBench {
    Invoke-Task Package
    Invoke-Pwsh @('-NoProfile', '-NonInteractive', '-File', (Join-Path $Root 'bench/Invoke-Benchmarks.ps1'), '-ModulePath', $ModuleRoot, '-SimulatorDirectory', $SimulatorDir)
    if ($LASTEXITCODE -ne 0) { throw "The benchmarks failed (exit code $LASTEXITCODE)." }
}

foreach ($name in $Task) { Invoke-Task $name }
exit $script:ExitCode
