<#
.SYNOPSIS
    The native zymaws-credential helper: `aws sts get-caller-identity` against moto with (a) static keys in the credentials
    file, (b) the helper's credential-process with a warm cache, (c) the seed's credentials.sh way (curl + jq), (d) the
    module through pwsh (Install-ZymCredentialProcess -UsePwsh, warm cache); and the helper alone, warm and cold, beside the
    seed's script alone. One run, the cases interleaved (so a busy machine slows them alike), medians reported.
.DESCRIPTION
    Targets (issue 13): (b) within 1.1x of (a); the helper alone with a warm cache under 20 ms; a cold fetch (a new
    mutual-TLS request, --refresh) no slower than the seed's script. All against the same local credentials endpoint
    judging against the same moto; the device key is a software key (the seed's Zymkey path needs the zymkey_ssl engine).
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [string] $SimulatorDirectory,
    # AWS CLI calls per case.
    [int] $Runs = 15,
    # Helper / seed script runs per case.
    [int] $HelperRuns = 60
)
$ErrorActionPreference = 'Stop'
$modulePath = (Resolve-Path $ModulePath).Path
$root = Split-Path -Parent (Split-Path -Parent $PSScriptRoot)
$rid = @{ X64 = 'linux-x64'; Arm64 = 'linux-arm64' }[[System.Runtime.InteropServices.RuntimeInformation]::OSArchitecture.ToString()]
$helper = Join-Path $modulePath "bin/$rid/zymaws-credential"
if (-not (Test-Path $helper)) {
    return [pscustomobject]@{ Benchmark = 'Native credential helper'; Skipped = "the package has no $helper (Package without -NoNativeHelper)" }
}

$work = Join-Path ([System.IO.Path]::GetTempPath()) "zym-bench-native-$PID"
New-Item -ItemType Directory -Force -Path $work | Out-Null
$listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0); $listener.Start(); $port = $listener.LocalEndpoint.Port; $listener.Stop()
$moto = Start-Process python3 -ArgumentList @((Join-Path $root 'tools/moto_server.py'), '-H', '127.0.0.1', '-p', "$port") -PassThru `
    -RedirectStandardOutput (Join-Path $work 'moto.log') -RedirectStandardError (Join-Path $work 'moto.err')
$motoUrl = "http://127.0.0.1:$port"

# One sample: a process started and waited for, its wall time in ms (the same harness for every case).
function Measure-Once([string] $File, [string[]] $Arguments, [hashtable] $Environment) {
    $start = [System.Diagnostics.ProcessStartInfo]::new($File)
    foreach ($a in $Arguments) { $start.ArgumentList.Add($a) }
    $start.UseShellExecute = $false; $start.RedirectStandardOutput = $true; $start.RedirectStandardError = $true
    foreach ($name in $Environment.Keys) { $start.Environment[$name] = $Environment[$name] }
    $clock = [System.Diagnostics.Stopwatch]::StartNew()
    $process = [System.Diagnostics.Process]::Start($start)
    $out = $process.StandardOutput.ReadToEndAsync(); $err = $process.StandardError.ReadToEndAsync()
    $process.WaitForExit()
    $ms = $clock.Elapsed.TotalMilliseconds
    if ($process.ExitCode -ne 0) { throw "$File $($Arguments -join ' ') failed ($($process.ExitCode)): $($err.Result)$($out.Result)" }
    $ms
}

# Runs every case once per round, round after round; returns name -> @{ MedianMs; P90Ms }.
function Measure-Interleaved([System.Collections.IDictionary] $Cases, [int] $Rounds) {
    $samples = @{}; foreach ($name in $Cases.Keys) { $samples[$name] = [System.Collections.Generic.List[double]]::new() }
    foreach ($round in 1..$Rounds) {
        foreach ($name in $Cases.Keys) { $samples[$name].Add((& $Cases[$name])) }
    }
    $result = @{}
    foreach ($name in $Cases.Keys) {
        $sorted = @($samples[$name] | Sort-Object)
        $result[$name] = [pscustomobject]@{ MedianMs = [math]::Round($sorted[[int][math]::Floor($sorted.Count / 2)], 1); P90Ms = [math]::Round($sorted[[int][math]::Floor($sorted.Count * 0.9)], 1) }
    }
    $result
}

try {
    $deadline = [DateTime]::UtcNow.AddSeconds(60)
    while ($true) {
        try { Invoke-RestMethod "$motoUrl/moto-api/data.json" -TimeoutSec 2 | Out-Null; break }
        catch { if ([DateTime]::UtcNow -gt $deadline) { throw 'moto_server did not start' }; Start-Sleep -Milliseconds 200 }
    }

    Import-Module (Join-Path $modulePath 'ZymAwsProvisioning.psd1')
    $aws = @{ EndpointUrl = $motoUrl; Region = 'us-east-1'; AccessKey = 'bench'; SecretKey = 'bench' }
    Initialize-ZymCredentialProvider -RoleName benchRole -RoleAlias benchAlias -PolicyName benchPolicy @aws | Out-Null
    $ca = New-ZymCertificateAuthority -Path (Join-Path $work 'ca') -Subject 'CN=Native Bench CA' -NoPassphrase
    $ca | Register-ZymCaWithAws @aws -SetActive | Out-Null
    $hostName = (Get-ZymCredentialProviderEndpoint @aws).Host
    $key = Join-Path $work 'device.key'
    $device = New-ZymDeviceCsr -ThingName bench-native -KeyPath $key -NoPassphrase -IotPolicy benchPolicy -Region us-east-1 -CredentialEndpoint $hostName -RoleAlias benchAlias |
        Approve-ZymDeviceCsr -CertificateAuthority $ca -OutDirectory (Join-Path $work 'certs')
    $device | Invoke-ZymDeviceProvisioning -CertificateAuthority $ca @aws | Out-Null
    $server = Start-ZymCredentialEndpoint @aws

    # The four profiles: static keys, the helper, the module through pwsh (both written by Install-ZymCredentialProcess,
    # sharing one warm cache), and the seed's script.
    $config = Join-Path $work 'config'; $credentials = Join-Path $work 'credentials'
    Set-Content -Path $credentials -Value "[static]`naws_access_key_id = AKIABENCHSTATIC`naws_secret_access_key = bench`n"
    $seed = Join-Path $root 'bench/seed/credentials.sh'
    Set-Content -Path $config -Value ("[profile static]`nregion = us-east-1`n`n[profile seed]`nregion = us-east-1`ncredential_process = bash $seed " +
        "$($device.Path) $key $($server.ServerCaCertificatePath) $($server.Host) $($server.Port) bench-native benchAlias`n")
    $install = @{ ConfigPath = $config; CertificatePath = $device.Path; KeyPath = $key; ConnectAddress = $server.ConnectAddress
        ServerCaCertificate = $server.ServerCaCertificatePath; CacheDirectory = (Join-Path $work 'cache') }
    $native = Install-ZymCredentialProcess -ProfileName helper @install
    if (-not $native.Native) { throw "Install-ZymCredentialProcess did not use the native helper: $($native.CredentialProcess)" }
    Install-ZymCredentialProcess -ProfileName pwsh -UsePwsh @install | Out-Null

    $cliEnvironment = @{ AWS_CONFIG_FILE = $config; AWS_SHARED_CREDENTIALS_FILE = $credentials; AWS_EC2_METADATA_DISABLED = 'true' }
    $helperArguments = @('credential-process', '--certificate', $device.Path, '--key', $key, '--connect-address', $server.ConnectAddress,
        '--server-ca', $server.ServerCaCertificatePath, '--cache-dir', (Join-Path $work 'cache'))
    $seedArguments = @($seed, $device.Path, $key, $server.ServerCaCertificatePath, $server.Host, "$($server.Port)", 'bench-native', 'benchAlias')
    function Invoke-Cli([string] $Name) { Measure-Once 'aws' @('--endpoint-url', $motoUrl, '--profile', $Name, '--output', 'json', 'sts', 'get-caller-identity') $cliEnvironment }

    # Warm up: the cache filled, the AWS CLI's and pwsh's files in the page cache, the endpoint's first handshakes done.
    foreach ($profileName in 'static', 'helper', 'seed', 'pwsh') { Invoke-Cli $profileName | Out-Null }
    1..3 | ForEach-Object { Measure-Once $helper ($helperArguments + '--refresh') @{} | Out-Null; Measure-Once 'bash' $seedArguments @{} | Out-Null }

    $requestsBefore = $server.RequestCount
    $alone = Measure-Interleaved ([ordered]@{
        HelperWarm = { Measure-Once $helper $helperArguments @{} }
        Empty      = { Measure-Once '/bin/true' @() @{} }
    }) $HelperRuns
    $warmRequests = $server.RequestCount - $requestsBefore
    $cold = Measure-Interleaved ([ordered]@{
        HelperCold = { Measure-Once $helper ($helperArguments + '--refresh') @{} }
        SeedScript = { Measure-Once 'bash' $seedArguments @{} }
    }) ([math]::Max(10, [int]($HelperRuns / 3)))
    $cli = Measure-Interleaved ([ordered]@{
        Static = { Invoke-Cli 'static' }
        Helper = { Invoke-Cli 'helper' }
        Seed   = { Invoke-Cli 'seed' }
        Pwsh   = { Invoke-Cli 'pwsh' }
    }) $Runs
    Stop-ZymCredentialEndpoint
}
finally {
    if (-not $moto.HasExited) { Stop-Process -Id $moto.Id -Force; $moto.WaitForExit(10000) | Out-Null }
    Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue
}

$ratio = [math]::Round($cli.Helper.MedianMs / $cli.Static.MedianMs, 3)
[pscustomobject]@{
    Benchmark                 = 'Native credential helper (aws sts get-caller-identity against moto)'
    HelperSizeMB              = [math]::Round((Get-Item $helper).Length / 1MB, 1)
    CliStaticKeysMedianMs     = $cli.Static.MedianMs
    CliHelperWarmMedianMs     = $cli.Helper.MedianMs
    CliSeedScriptMedianMs     = $cli.Seed.MedianMs
    CliPwshModuleMedianMs     = $cli.Pwsh.MedianMs
    CliHelperVsStatic         = $ratio
    HelperWarmMedianMs        = $alone.HelperWarm.MedianMs
    HelperWarmP90Ms           = $alone.HelperWarm.P90Ms
    EmptyProcessMedianMs      = $alone.Empty.MedianMs
    HelperWarmRequests        = $warmRequests
    HelperColdMedianMs        = $cold.HelperCold.MedianMs
    SeedScriptMedianMs        = $cold.SeedScript.MedianMs
    CliTargetMet              = ($ratio -le 1.1)
    WarmTargetMet             = ($alone.HelperWarm.MedianMs -lt 20)
    ColdTargetMet             = ($cold.HelperCold.MedianMs -le $cold.SeedScript.MedianMs)
}
