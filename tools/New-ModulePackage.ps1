#Requires -Version 7.2
<#
.SYNOPSIS
    Packs the packaged module folder into a .nupkg that Install-PSResource installs from a local repository.

.DESCRIPTION
    Runs PSResourceGet's Compress-PSResource on the module folder that build.ps1 -Task Package lays out (manifest,
    assemblies, help, bin/<rid>/zymaws-credential) and writes <Name>.<Version>.nupkg into -DestinationPath. A .nupkg
    made that way stores every file without its Unix mode, so the native helper would install without its execute
    bit: the entries under bin/ are marked 0755 afterwards (Install-PSResource restores the mode from the zip).
    No repository is registered and nothing is published.

.PARAMETER ModulePath
    The packaged module folder, e.g. out/ZymAwsProvisioning/0.1.0.

.PARAMETER DestinationPath
    The folder to write the .nupkg into; created when missing. Use it as a local repository:
    Register-PSResourceRepository -Name local -Uri <folder>; Install-PSResource ZymAwsProvisioning -Repository local

.EXAMPLE
    ./tools/New-ModulePackage.ps1 -ModulePath out/ZymAwsProvisioning/0.1.0 -DestinationPath out/nupkg
#>
[CmdletBinding()]
[OutputType([System.IO.FileInfo])]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $DestinationPath
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

$module = (Resolve-Path -LiteralPath $ModulePath).ProviderPath
$manifestFile = @(Get-ChildItem -LiteralPath $module -Filter '*.psd1' -File)
if ($manifestFile.Count -ne 1) { throw "'$ModulePath' must hold exactly one module manifest; found $($manifestFile.Count)." }
$manifest = Import-PowerShellDataFile -LiteralPath $manifestFile[0].FullName
$name = $manifestFile[0].BaseName
$null = New-Item -ItemType Directory -Force -Path $DestinationPath
$destination = (Resolve-Path -LiteralPath $DestinationPath).ProviderPath
$nupkg = Join-Path $destination "$name.$($manifest.ModuleVersion).nupkg"
if (Test-Path -LiteralPath $nupkg) { Remove-Item -LiteralPath $nupkg -Force }

Import-Module Microsoft.PowerShell.PSResourceGet -ErrorAction Stop
Compress-PSResource -Path $module -DestinationPath $destination
if (-not (Test-Path -LiteralPath $nupkg)) { throw "Compress-PSResource did not write '$nupkg'." }

# The execute bit for the native helper (and anything else under bin/), as a Unix zip tool would record it.
Add-Type -AssemblyName System.IO.Compression
$zip = [System.IO.Compression.ZipFile]::Open($nupkg, [System.IO.Compression.ZipArchiveMode]::Update)
try {
    foreach ($entry in @($zip.Entries | Where-Object { $_.FullName -like 'bin/*' -and $_.Name })) {
        $entry.ExternalAttributes = [int](0x81ED -shl 16)   # S_IFREG | 0755
    }
}
finally { $zip.Dispose() }
Get-Item -LiteralPath $nupkg
