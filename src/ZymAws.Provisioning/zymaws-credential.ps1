<#
.SYNOPSIS
    credential_process for the AWS CLI and SDKs on a device, when the native zymaws-credential helper is not installed.
.DESCRIPTION
    Written into a profile by Install-ZymCredentialProcess. Prints credential_process JSON (Version 1, the real
    expiry) on stdout and nothing else; on failure, the reason on stderr and exit code 1. Takes Get-ZymAwsCredential's
    parameters.
#>
$ErrorActionPreference = 'Stop'
$WarningPreference = 'SilentlyContinue'
$InformationPreference = 'SilentlyContinue'
$ProgressPreference = 'SilentlyContinue'
try {
    Import-Module (Join-Path $PSScriptRoot 'ZymAwsProvisioning.psd1')
    Get-ZymAwsCredential -AsCredentialProcess @args
}
catch {
    [Console]::Error.WriteLine($_.Exception.Message)
    exit 1
}
