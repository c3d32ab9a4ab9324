<#
.SYNOPSIS
    The module installs the two documented ways, beyond importing by path: Install-PSResource from a local repository
    holding the .nupkg (build.ps1 -Task Nupkg, tools/New-ModulePackage.ps1), and a copy into a PSModulePath folder.

.DESCRIPTION
    Each install runs in a fresh pwsh whose HOME is a temporary folder, so the repository registration and the
    CurrentUser module folder are the test's own, and whose PSModulePath is computed afresh.
#>

BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $script:Version = (Import-PowerShellDataFile $script:ModuleManifest).ModuleVersion
    $script:Repository = Join-Path $TestDrive 'repo'
    $script:Nupkg = & (Join-Path $script:RepoRoot 'tools/New-ModulePackage.ps1') -ModulePath $script:ModulePath -DestinationPath $script:Repository
    $script:Isolated = { param([string] $Home_) @{ HOME = $Home_; XDG_DATA_HOME = $null; XDG_CONFIG_HOME = $null; XDG_CACHE_HOME = $null; PSModulePath = $null } }
    # What each child prints about the module it imported.
    $script:Report = @'
$m = Import-Module ZymAwsProvisioning -PassThru -ErrorAction Stop
"BASE=$($m.ModuleBase)"
"VERSION=$($m.Version)"
"COMMANDS=$(@(Get-Command -Module ZymAwsProvisioning).Count)"
"HELP=$((Get-Help Get-ZymDevice).Synopsis)"
$helper = Join-Path $m.ModuleBase "bin/linux-x64/zymaws-credential"
if (Test-Path $helper) { "HELPER=$(& $helper --version)" }
'@
    function script:Get-Value([string[]] $Lines, [string] $Key) {
        ($Lines | Where-Object { $_ -like "$Key=*" } | Select-Object -First 1) -replace "^$Key=", ''
    }
}

Describe 'The .nupkg' {
    It 'is named after the module and its version' {
        $script:Nupkg.Name | Should -BeExactly "ZymAwsProvisioning.$($script:Version).nupkg"
    }

    It 'installs with Install-PSResource from a local repository, and imports by name' {
        $home_ = Join-Path $TestDrive 'home-psresource'
        New-Item -ItemType Directory -Path $home_ | Out-Null
        $run = Invoke-ChildPwsh -Environment (& $script:Isolated $home_) -Script @"
`$ErrorActionPreference = 'Stop'
Register-PSResourceRepository -Name local -Uri '$($script:Repository)' -Trusted
Install-PSResource ZymAwsProvisioning -Repository local -Quiet
$($script:Report)
"@
        $run.ExitCode | Should -Be 0 -Because ($run.Output -join "`n")
        $base = Get-Value $run.Output 'BASE'
        $base | Should -BeLike "$home_/*/ZymAwsProvisioning/$($script:Version)" -Because 'the CurrentUser module folder of the HOME given'
        Get-Value $run.Output 'VERSION' | Should -Be $script:Version
        [int](Get-Value $run.Output 'COMMANDS') | Should -Be @((Import-PowerShellDataFile $script:ModuleManifest).CmdletsToExport).Count
        Get-Value $run.Output 'HELP' | Should -Not -BeNullOrEmpty
    }

    It 'keeps the native helper executable' -Skip:(-not $IsLinux -or -not (Test-Path (Join-Path $script:ModulePath 'bin/linux-x64/zymaws-credential'))) {
        $home_ = Join-Path $TestDrive 'home-psresource'
        $helper = Get-ChildItem -Path $home_ -Recurse -Force -Filter 'zymaws-credential' -File | Select-Object -First 1
        $helper | Should -Not -BeNullOrEmpty
        $helper.UnixMode | Should -BeLike '-rwx*'
        & $helper.FullName --version | Should -BeLike 'zymaws-credential*'
    }
}

Describe 'The manual install' {
    It 'imports by name from a PSModulePath folder after a copy of the package folder' {
        $modules = Join-Path $TestDrive 'modules'
        $target = Join-Path $modules "ZymAwsProvisioning/$($script:Version)"
        New-Item -ItemType Directory -Path $target -Force | Out-Null
        Copy-Item -Path (Join-Path $script:ModulePath '*') -Destination $target -Recurse
        $environment = & $script:Isolated (Join-Path $TestDrive 'home-manual')
        $environment.PSModulePath = $modules
        $run = Invoke-ChildPwsh -Environment $environment -Script $script:Report
        $run.ExitCode | Should -Be 0 -Because ($run.Output -join "`n")
        Get-Value $run.Output 'BASE' | Should -Be $target
        Get-Value $run.Output 'VERSION' | Should -Be $script:Version
        if (Test-Path (Join-Path $script:ModulePath 'bin/linux-x64/zymaws-credential')) {
            Get-Value $run.Output 'HELPER' | Should -BeLike 'zymaws-credential*'
        }
    }
}
