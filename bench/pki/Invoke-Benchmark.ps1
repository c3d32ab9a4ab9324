<#
.SYNOPSIS
    Approve-ZymDeviceCsr throughput: verify and sign N CSRs in one pipeline, beside the seed's way
    (one `openssl x509 -req` process per certificate), in one run.
.DESCRIPTION
    The CSRs are made beforehand (not timed). The module's figure is the whole pipeline, one thread:
    `$csrs | Approve-ZymDeviceCsr -CertificateAuthority $ca`. The seed's figure is a sample of
    `openssl x509 -req -sha256 -days 3650 -CA -CAkey -CAcreateserial` runs, as sign_csr.sh does, extrapolated.
    Targets (issue 3): at least 3,000 certificates/s, and at least 50x the seed's way.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [string] $SimulatorDirectory,
    [int] $Count = 3000,
    [int] $SeedSample = 50
)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path (Resolve-Path $ModulePath).Path 'ZymAwsProvisioning.psd1') -Force
$work = Join-Path ([System.IO.Path]::GetTempPath()) "zym-bench-pki-$PID"
New-Item -ItemType Directory -Force -Path $work | Out-Null
try {
    $ca = New-ZymCertificateAuthority -Path (Join-Path $work 'ca') -Subject 'CN=Bench CA' -NoPassphrase
    Write-Host "Making $Count CSRs (not timed)..."
    $made = 1..$Count | ForEach-Object { [pscustomobject]@{ ThingName = "bench-$_"; KeyPath = (Join-Path $work "keys/bench-$_.key") } } |
        New-ZymDeviceCsr -NoPassphrase -IotPolicy 'pol' -Region 'us-east-1' -CredentialEndpoint 'cbench' -RoleAlias 'alias'
    # PEM text, as CSRs arrive from devices: each one is parsed and its signature verified in the timed run.
    $csrs = @($made | ForEach-Object CsrPem)

    # Warm-up (JIT), then the timed run.
    $csrs | Select-Object -First 50 | Approve-ZymDeviceCsr -CertificateAuthority $ca | Out-Null
    $issued = 0
    $elapsed = Measure-Command { $csrs | Approve-ZymDeviceCsr -CertificateAuthority $ca | ForEach-Object { $issued++ } }
    if ($issued -ne $Count) { throw "Issued $issued of $Count certificates." }
    $moduleRate = $Count / $elapsed.TotalSeconds

    # The seed's way: sign_csr.sh = one openssl x509 -req per CSR, with a .srl serial file.
    $seedDir = Join-Path $work 'seed'; New-Item -ItemType Directory $seedDir | Out-Null
    $made | Select-Object -First $SeedSample | ForEach-Object { Set-Content -Path (Join-Path $seedDir "$($_.ThingName).csr") -Value $_.CsrPem }
    $caPem = Join-Path $work 'ca/ca.pem'; $caKey = Join-Path $work 'ca/ca.key'
    $seedElapsed = Measure-Command {
        Get-ChildItem $seedDir -Filter '*.csr' | ForEach-Object {
            & openssl x509 -req -sha256 -days 3650 -CA $caPem -CAkey $caKey -CAcreateserial -CAserial (Join-Path $seedDir 'ca.srl') `
                -in $_.FullName -out ($_.FullName + '.crt') 2>$null
            if ($LASTEXITCODE -ne 0) { throw "openssl x509 -req failed for $($_.Name)" }
        }
    }
    $seedRate = $SeedSample / $seedElapsed.TotalSeconds

    [pscustomobject]@{
        Benchmark          = 'Approve-ZymDeviceCsr (verify + sign, one pipeline, one thread)'
        Certificates       = $Count
        ModuleSeconds      = [math]::Round($elapsed.TotalSeconds, 3)
        ModulePerSecond    = [math]::Round($moduleRate, 0)
        SeedSample         = $SeedSample
        SeedPerSecond      = [math]::Round($seedRate, 1)
        Ratio              = [math]::Round($moduleRate / $seedRate, 1)
        TargetPerSecond    = 3000
        TargetRatio        = 50
        Met                = ($moduleRate -ge 3000) -and ($moduleRate / $seedRate -ge 50)
    }
}
finally {
    Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue
}
