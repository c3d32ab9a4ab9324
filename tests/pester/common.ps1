# Shared by every Pester file: dot-source it in BeforeAll.
$ErrorActionPreference = 'Stop'
$script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
$script:ModulePath = $env:ZYM_MODULE_PATH
if (-not $script:ModulePath -or -not (Test-Path (Join-Path $script:ModulePath 'ZymAwsProvisioning.psd1'))) {
    throw "ZYM_MODULE_PATH must name a packaged module folder (run ./build.ps1 -Task Package); got '$($env:ZYM_MODULE_PATH)'."
}
$script:ModuleManifest = Join-Path $script:ModulePath 'ZymAwsProvisioning.psd1'

function Get-FreeTcpPort {
    $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $listener.Start()
    try { $listener.LocalEndpoint.Port } finally { $listener.Stop() }
}

function Start-TestMoto {
    <# Starts moto_server on a free loopback port; returns an object with Url and Process. #>
    $port = Get-FreeTcpPort
    $log = Join-Path ([System.IO.Path]::GetTempPath()) "moto-$port.log"
    # tools/moto_server.py: moto_server with AWS's certificate ids (SHA-256 of the DER).
    $launcher = Join-Path $script:RepoRoot 'tools/moto_server.py'
    $process = Start-Process -FilePath 'python3' -ArgumentList @($launcher, '-H', '127.0.0.1', '-p', "$port") `
        -RedirectStandardOutput $log -RedirectStandardError "$log.err" -PassThru
    $url = "http://127.0.0.1:$port"
    $deadline = [DateTime]::UtcNow.AddSeconds(60)
    while ([DateTime]::UtcNow -lt $deadline) {
        if ($process.HasExited) { throw "moto_server exited early: $(Get-Content -Raw "$log.err" -ErrorAction SilentlyContinue)" }
        try {
            Invoke-RestMethod -Uri "$url/moto-api/data.json" -TimeoutSec 2 | Out-Null
            return [pscustomobject]@{ Url = $url; Process = $process; Port = $port }
        }
        catch { Start-Sleep -Milliseconds 200 }
    }
    Stop-Process -Id $process.Id -Force -ErrorAction SilentlyContinue
    throw "moto_server did not answer on $url within 60 s."
}

function Stop-TestMoto($Moto) {
    if ($Moto -and $Moto.Process -and -not $Moto.Process.HasExited) {
        Stop-Process -Id $Moto.Process.Id -Force -ErrorAction SilentlyContinue
        $Moto.Process.WaitForExit(10000) | Out-Null
    }
}

# The quota-emulating proxy (tools/ZymAws.QuotaProxy): Start-QuotaProxy -Upstream $Moto.Url, Get-QuotaProxyStats, Stop-QuotaProxy.
. (Join-Path $script:RepoRoot 'tools/QuotaProxy.ps1')

function Reset-TestMoto($Moto) {
    Invoke-RestMethod -Method Post -Uri "$($Moto.Url)/moto-api/reset" | Out-Null
}

function Get-TestAwsParameters($Moto, [string] $Region = 'us-east-1') {
    <# A splat of the AWS common parameters pointing at the test moto with its fake credentials. #>
    @{ EndpointUrl = $Moto.Url; Region = $Region; AccessKey = 'testing'; SecretKey = 'testing' }
}

function Invoke-AwsCli {
    <# The AWS CLI as a second client against the same endpoint; returns parsed JSON. #>
    param([Parameter(Mandatory)] $Moto, [Parameter(Mandatory, ValueFromRemainingArguments)] [string[]] $Arguments)
    $env:AWS_ACCESS_KEY_ID = 'testing'; $env:AWS_SECRET_ACCESS_KEY = 'testing'; $env:AWS_DEFAULT_REGION = 'us-east-1'
    try {
        $out = & aws --endpoint-url $Moto.Url --output json @Arguments 2>&1
        if ($LASTEXITCODE -ne 0) { throw "aws $($Arguments -join ' ') failed: $out" }
        if ($out) { ($out -join "`n") | ConvertFrom-Json }
    }
    finally {
        Remove-Item Env:AWS_ACCESS_KEY_ID, Env:AWS_SECRET_ACCESS_KEY, Env:AWS_DEFAULT_REGION -ErrorAction SilentlyContinue
    }
}

function Set-ProcessVariable([string] $Name, $Value) {
    <# Sets or (for $null) removes an environment variable. [Environment]::SetEnvironmentVariable($n, $null) from
       PowerShell passes an empty string instead of null, which leaves the variable set to "" (and an empty
       AWS_PROFILE breaks every later moto_server and AWS CLI). #>
    if ($null -eq $Value) { Remove-Item -Path "Env:$Name" -ErrorAction SilentlyContinue }
    else { Set-Item -Path "Env:$Name" -Value $Value }
}

function Get-PwshCommand {
    <# How to start a fresh pwsh: this one's host, plus pwsh.dll when the host is dotnet (dotnet pwsh). #>
    $command = @([Environment]::ProcessPath)
    if ((Split-Path -Leaf $command[0]) -match '^dotnet(\.exe)?$') { $command += (Join-Path $PSHOME 'pwsh.dll') }
    $command
}

function Invoke-ChildPwsh {
    <# Runs a script block's text in a fresh child pwsh; returns its output lines and exit code. #>
    param([Parameter(Mandatory)] [string] $Script, [hashtable] $Environment = @{})
    $exe, $prefix = Get-PwshCommand
    # Native code reads its environment with getenv, which only sees what the process started with: pass
    # variables to a child process, not to this one.
    $saved = @{}
    foreach ($name in $Environment.Keys) {
        $saved[$name] = [Environment]::GetEnvironmentVariable($name)
        Set-ProcessVariable $name $Environment[$name]
    }
    $file = Join-Path ([System.IO.Path]::GetTempPath()) ("zym-child-" + [guid]::NewGuid().ToString('n') + '.ps1')
    Set-Content -Path $file -Value $Script
    try {
        $output = & $exe @($prefix) -NoProfile -NonInteractive -File $file 2>&1
        [pscustomobject]@{ Output = @($output | ForEach-Object { "$_" }); ExitCode = $LASTEXITCODE }
    }
    finally {
        foreach ($name in $saved.Keys) { Set-ProcessVariable $name $saved[$name] }
        Remove-Item $file -ErrorAction SilentlyContinue
    }
}

function Get-SimulatorLibrary {
    <# The Zymkey simulator built by build.ps1 (native/zksim/build.sh). #>
    $dir = if ($env:ZYMKEY_SIMULATOR_DIR) { $env:ZYMKEY_SIMULATOR_DIR } else { Join-Path $script:RepoRoot 'native/zksim/build' }
    $lib = Join-Path $dir 'libzk_app_utils.so'
    if (-not (Test-Path $lib)) { throw "The Zymkey simulator is not built at $lib (run ./build.ps1 -Task Build)." }
    $lib
}

function New-SimulatorEnvironment([string] $Serial = 'ZK-SIM-0001', [hashtable] $Extra = @{}) {
    <# Environment for a child pwsh whose Zymkey is the simulator with its own key directory. #>
    $dir = Join-Path ([System.IO.Path]::GetTempPath()) ("zksim-" + [guid]::NewGuid().ToString('n'))
    New-Item -ItemType Directory -Path $dir | Out-Null
    $environment = @{ ZYMKEY_LIBRARY_PATH = (Get-SimulatorLibrary); ZK_SIM_DIR = $dir; ZK_SIM_SERIAL = $Serial; ZK_SIM_MODEL = 'ZYMKEY4i' }
    foreach ($key in $Extra.Keys) { $environment[$key] = $Extra[$key] }
    $environment
}

function Initialize-TestCredentialWorld {
    <# A rehearsal of the device side in this test file's script scope: $script:Moto and $script:Aws (a test moto), the
       credentials provider (role devRole, alias devAlias, policy devPolicy), $script:Ca (registered, ACTIVE),
       $script:EndpointHost (the account's credentials-provider host) and $script:Server (the local credentials endpoint
       judging against the moto). Stop-TestCredentialWorld ends it. #>
    $script:Moto = Start-TestMoto
    $script:Aws = Get-TestAwsParameters $script:Moto
    Initialize-ZymCredentialProvider -RoleName 'devRole' -RoleAlias 'devAlias' -PolicyName 'devPolicy' @script:Aws | Out-Null
    $script:Ca = New-ZymCertificateAuthority -Path (Join-Path $TestDrive 'ca') -Subject 'CN=Credentials Test CA' -NoPassphrase
    $script:Ca | Register-ZymCaWithAws @script:Aws -SetActive | Out-Null
    $script:EndpointHost = (Get-ZymCredentialProviderEndpoint @script:Aws).Host
    $script:Server = Start-ZymCredentialEndpoint @script:Aws
}

function Stop-TestCredentialWorld {
    Stop-ZymCredentialEndpoint
    Stop-TestMoto $script:Moto
}

function New-TestDevice([string] $Name, [switch] $NoProvisioning, [string] $RoleAlias = 'devAlias') {
    <# A device of the credential world: a software key, a certificate in the seed layout; provisioned unless told not to. #>
    $key = Join-Path $TestDrive "keys/$Name.key"
    $certificate = New-ZymDeviceCsr -ThingName $Name -KeyPath $key -NoPassphrase -IotPolicy 'devPolicy' -Region 'us-east-1' `
        -CredentialEndpoint $script:EndpointHost -RoleAlias $RoleAlias |
        Approve-ZymDeviceCsr -CertificateAuthority $script:Ca -OutDirectory (Join-Path $TestDrive 'certs')
    # A device asking for another alias is provisioned on purpose (-AllowSubjectMismatch), for Test-ZymDevice to diagnose.
    $result = if (-not $NoProvisioning) { $certificate | Invoke-ZymDeviceProvisioning -CertificateAuthority $script:Ca -AllowSubjectMismatch:($RoleAlias -ne 'devAlias') @script:Aws }
    [pscustomobject]@{ ThingName = $Name; KeyPath = $key; CertificatePath = $certificate.Path; Certificate = $certificate; Result = $result }
}

function Get-Rehearsal($Device) {
    <# What a device passes in a rehearsal: its key, and where the local endpoint is and how to trust it. #>
    @{ CertificatePath = $Device.CertificatePath; KeyPath = $Device.KeyPath; ConnectAddress = $script:Server.ConnectAddress; ServerCaCertificate = $script:Server.ServerCaCertificatePath }
}

function Invoke-AwsCliAs([hashtable] $Environment, [string[]] $Arguments) {
    <# The AWS CLI against the test moto with these environment variables ($null removes one); its exit code and output. #>
    $saved = @{}
    foreach ($name in $Environment.Keys) { $saved[$name] = [Environment]::GetEnvironmentVariable($name); Set-ProcessVariable $name $Environment[$name] }
    try {
        $out = & aws --endpoint-url $script:Moto.Url --output json @Arguments 2>&1
        [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = ($out -join "`n") }
    }
    finally { foreach ($name in $saved.Keys) { Set-ProcessVariable $name $saved[$name] } }
}

function New-TestZymkeyDevice([string] $Name, [string] $Serial) {
    <# A device of the credential world whose key is in the Zymkey simulator (a child pwsh makes its CSR, signed in the
       simulator), certified and provisioned; with the environment its processes need to reach that simulator. #>
    $environment = New-SimulatorEnvironment -Serial $Serial
    $csrFile = Join-Path $TestDrive "$Name.csr"
    $make = Invoke-ChildPwsh -Environment $environment @"
Import-Module '$script:ModuleManifest'
New-ZymDeviceCsr -ThingName $Name -IotPolicy devPolicy -Region us-east-1 -CredentialEndpoint '$($script:EndpointHost)' -RoleAlias devAlias -OutFile '$csrFile' | Out-Null
"@
    if ($make.ExitCode -ne 0) { throw "The CSR signed in the simulator failed: $($make.Output -join "`n")" }
    $certificate = Approve-ZymDeviceCsr -CertificateAuthority $script:Ca -Path $csrFile -OutDirectory (Join-Path $TestDrive "$Name-certs")
    $certificate | Invoke-ZymDeviceProvisioning -CertificateAuthority $script:Ca @script:Aws | Out-Null
    [pscustomobject]@{ Environment = $environment; Certificate = $certificate }
}
