# The CA, CSR and certificate cmdlets, checked with the real openssl CLI and against moto.
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    Import-Module $script:ModuleManifest -Force
    $script:Pass = ConvertTo-SecureString 'correct horse battery staple' -AsPlainText -Force

    function Invoke-OpenSsl {
        $out = & openssl @args 2>&1
        [pscustomobject]@{ ExitCode = $LASTEXITCODE; Text = ($out | ForEach-Object { "$_" }) -join "`n" }
    }
    function Get-Mode([string] $Path) { (& stat -c '%a' $Path).Trim() }
}

Describe 'New-ZymCertificateAuthority' {
    It 'writes an owner-only encrypted key and a CA certificate openssl accepts' {
        $dir = Join-Path $TestDrive 'ca1'
        $ca = New-ZymCertificateAuthority -Path $dir -Subject 'CN=Test Fleet CA,O=Acme' -Passphrase $script:Pass
        $ca | Should -BeOfType ([ZymAws.Provisioning.CertificateAuthority])
        $ca.KeyEncrypted | Should -BeTrue
        Get-Mode (Join-Path $dir 'ca.key') | Should -Be '600'
        (Get-Content -Raw (Join-Path $dir 'ca.key')) | Should -Match 'BEGIN ENCRYPTED PRIVATE KEY'
        (Invoke-OpenSsl pkey -in (Join-Path $dir 'ca.key') -passin 'pass:correct horse battery staple' -noout).ExitCode | Should -Be 0
        (Invoke-OpenSsl pkey -in (Join-Path $dir 'ca.key') -passin 'pass:wrong' -noout).ExitCode | Should -Not -Be 0

        $text = (Invoke-OpenSsl x509 -in (Join-Path $dir 'ca.pem') -noout -text).Text
        $text | Should -Match 'CA:TRUE, pathlen:0'
        $text | Should -Match 'Certificate Sign, CRL Sign'
        $text | Should -Match 'Subject Key Identifier'
        # The id AWS uses: SHA-256 of the DER.
        $der = Join-Path $TestDrive 'ca.der'
        & openssl x509 -in (Join-Path $dir 'ca.pem') -outform der -out $der
        $ca.CertificateId | Should -Be ((Get-FileHash $der -Algorithm SHA256).Hash.ToLowerInvariant())
    }

    It 'never overwrites an existing CA without -Force' {
        $dir = Join-Path $TestDrive 'ca2'
        $first = New-ZymCertificateAuthority -Path $dir -Subject 'CN=First' -NoPassphrase
        $before = Get-Content -Raw (Join-Path $dir 'ca.pem')
        { New-ZymCertificateAuthority -Path $dir -Subject 'CN=Second' -NoPassphrase -ErrorAction Stop } | Should -Throw -ErrorId 'FileExists*'
        Get-Content -Raw (Join-Path $dir 'ca.pem') | Should -Be $before
        $second = New-ZymCertificateAuthority -Path $dir -Subject 'CN=Second' -NoPassphrase -Force -Confirm:$false
        $second.Subject | Should -Be 'CN=Second'
        $first.CertificateId | Should -Not -Be $second.CertificateId
    }

    It 'asks for a passphrase it cannot prompt for with a clear error, and writes nothing' {
        $dir = Join-Path $TestDrive 'ca-nopass'
        { New-ZymCertificateAuthority -Path $dir -Subject 'CN=No Passphrase Given' -ErrorAction Stop } | Should -Throw -ErrorId 'PassphraseRequired*'
        $dir | Should -Not -Exist
    }

    It 'makes the folders it creates for keys owner-only, whatever the umask, and leaves existing ones alone' {
        $root = Join-Path $TestDrive 'umask0'
        New-Item -ItemType Directory $root | Out-Null
        & chmod 755 $root
        $script = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$script:ModuleManifest'
New-ZymCertificateAuthority -Path '$root/fleet/ca' -Subject 'CN=Umask CA' -NoPassphrase | Out-Null
New-ZymDeviceCsr -ThingName umask-1 -KeyPath '$root/keys/site/umask-1.key' -NoPassphrase | Out-Null
"@
        $file = Join-Path $TestDrive 'umask0.ps1'; Set-Content $file $script
        $exe, $prefix = Get-PwshCommand
        # A umask of 000 would make every new folder world-writable.
        & sh -c 'umask 000 && exec "$@"' sh $exe @($prefix) -NoProfile -NonInteractive -File $file
        $LASTEXITCODE | Should -Be 0
        foreach ($folder in 'fleet', 'fleet/ca', 'keys', 'keys/site') {
            Get-Mode (Join-Path $root $folder) | Should -Be '700' -Because "$folder was created for key material"
        }
        Get-Mode (Join-Path $root 'fleet/ca/ca.key') | Should -Be '600'
        Get-Mode (Join-Path $root 'keys/site/umask-1.key') | Should -Be '600'
        Get-Mode $root | Should -Be '755' -Because 'a folder that existed is left as it was'
    }

    It 'makes nothing with -WhatIf' {
        $dir = Join-Path $TestDrive 'ca-whatif'
        New-ZymCertificateAuthority -Path $dir -Subject 'CN=WhatIf' -NoPassphrase -WhatIf | Should -BeNullOrEmpty
        Join-Path $dir 'ca.key' | Should -Not -Exist
    }
}

Describe 'CSRs and device certificates' {
    BeforeAll {
        $script:CaDir = Join-Path $TestDrive 'fleet-ca'
        $script:Ca = New-ZymCertificateAuthority -Path $script:CaDir -Subject 'CN=Fleet CA,O=Acme' -Passphrase $script:Pass
    }

    It 'makes a CSR openssl verifies, with the seed subject layout' {
        $key = Join-Path $TestDrive 'dev1.key'
        $csr = New-ZymDeviceCsr -ThingName 'dev-001' -KeyPath $key -NoPassphrase -IotPolicy 'credentialHelper' -Region 'eu-west-1' `
            -CredentialEndpoint 'c2abc.credentials.iot.eu-west-1.amazonaws.com' -RoleAlias 'deviceRoleAlias' -OutFile (Join-Path $TestDrive 'dev1.csr')
        Get-Mode $key | Should -Be '600'
        $csr.ThingName | Should -Be 'dev-001'
        $csr.CredentialEndpoint | Should -Be 'c2abc'
        # openssl 3.0 exits 0 even on a bad self-signature: read what it says.
        $verify = Invoke-OpenSsl req -in (Join-Path $TestDrive 'dev1.csr') -verify -noout
        $verify.Text | Should -Match 'verify OK'
        $subject = (Invoke-OpenSsl req -in (Join-Path $TestDrive 'dev1.csr') -noout -subject -nameopt RFC2253).Text
        $subject | Should -Match 'CN=dev-001'
        $subject | Should -Match 'OU=deviceRoleAlias'
        $subject | Should -Match 'O=c2abc'
        $subject | Should -Match 'L=eu-west-1'
        $subject | Should -Match 'ST=credentialHelper'
    }

    It 'issues certificates openssl verifies under the CA, with the device extensions' {
        $out = Join-Path $TestDrive 'certs'
        $certs = 'dev-a', 'dev-b' | ForEach-Object { [pscustomobject]@{ ThingName = $_; KeyPath = (Join-Path $TestDrive "$_.key") } } |
            New-ZymDeviceCsr -NoPassphrase -IotPolicy 'pol' -Region 'us-east-1' -CredentialEndpoint 'cxyz' -RoleAlias 'alias' |
            Approve-ZymDeviceCsr -CertificateAuthority $script:Ca -OutDirectory $out
        $certs.Count | Should -Be 2
        $certs[0] | Should -BeOfType ([ZymAws.Provisioning.DeviceCertificate])
        $certs.ThingName | Should -Be @('dev-a', 'dev-b')
        foreach ($thing in 'dev-a', 'dev-b') {
            $file = Join-Path $out "$thing.pem"
            (Invoke-OpenSsl verify -CAfile (Join-Path $script:CaDir 'ca.pem') $file).Text | Should -Match ': OK'
            $text = (Invoke-OpenSsl x509 -in $file -noout -text).Text
            $text | Should -Match 'CA:FALSE'
            $text | Should -Match 'Key Usage: critical\s+Digital Signature'
            $text | Should -Match 'TLS Web Client Authentication'
            $text | Should -Match 'Authority Key Identifier'
            $text | Should -Match 'Subject Key Identifier'
        }
        $certs[0].SerialNumber | Should -Not -Be $certs[1].SerialNumber
    }

    It 'signs CSRs made the seed''s way with openssl, and Get-ZymCertificateInfo reads them back' {
        $key = Join-Path $TestDrive 'seed.key'; $csrFile = Join-Path $TestDrive 'seed.csr'
        & openssl ecparam -genkey -name prime256v1 -out $key 2>$null
        & openssl req -new -key $key -out $csrFile -subj '/ST=credentialHelper/L=us-west-2/O=cprefix/OU=deviceRoleAlias/CN=seed-thing'
        $cert = Approve-ZymDeviceCsr -CertificateAuthority $script:Ca -Path $csrFile
        $info = $cert | Get-ZymCertificateInfo
        $info.ThingName | Should -Be 'seed-thing'
        $info.IotPolicy | Should -Be 'credentialHelper'
        $info.Region | Should -Be 'us-west-2'
        $info.CredentialEndpoint | Should -Be 'cprefix'
        $info.RoleAlias | Should -Be 'deviceRoleAlias'
        $info.Issuer | Should -Be 'CN=Fleet CA,O=Acme'
    }

    It 'parses subjects with commas, quotes, plus signs and non-ASCII made by openssl' {
        $key = Join-Path $TestDrive 'odd.key'; $pem = Join-Path $TestDrive 'odd.pem'
        & openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout $key -out $pem -days 1 -utf8 `
            -subj '/ST=pol\, "quoted"/L=Zürich\+1/O=pre\+fix/OU=alias, é 中/CN=thing-1' 2>$null
        $info = Get-ZymCertificateInfo -Path $pem
        $info.IotPolicy | Should -Be 'pol, "quoted"'
        $info.Region | Should -Be 'Zürich+1'
        $info.CredentialEndpoint | Should -Be 'pre+fix'
        $info.RoleAlias | Should -Be 'alias, é 中'
        $info.ThingName | Should -Be 'thing-1'
    }

    It 'imports a CA made the seed''s way (SEC1 key, openssl req -x509) and signs with it' {
        $dir = Join-Path $TestDrive 'seedca'; New-Item -ItemType Directory $dir | Out-Null
        & openssl ecparam -genkey -name prime256v1 -out "$dir/zk_ca.key" 2>$null
        & openssl req -x509 -new -sha256 -nodes -days 3650 -key "$dir/zk_ca.key" -out "$dir/zk_ca.crt" `
            -subj '/C=US/ST=California/L=Santa Barbara/O=Zymkey/CN=zymkey-verify.zymbit.com.dev'
        $seedCa = Import-ZymCertificateAuthority -CertificatePath "$dir/zk_ca.crt" -KeyPath "$dir/zk_ca.key"
        $seedCa.Subject | Should -Match 'CN=zymkey-verify.zymbit.com.dev'
        $cert = New-ZymDeviceCsr -ThingName 'seedca-dev' -KeyPath (Join-Path $TestDrive 'seedca-dev.key') -NoPassphrase |
            Approve-ZymDeviceCsr -CertificateAuthority $seedCa -OutFile (Join-Path $TestDrive 'seedca-dev.pem')
        (Invoke-OpenSsl verify -CAfile "$dir/zk_ca.crt" (Join-Path $TestDrive 'seedca-dev.pem')).Text | Should -Match ': OK'
        $cert.Issuer | Should -Match 'zymkey-verify'
    }

    It 'signs every file a wildcard -Path names, and takes -LiteralPath as it is' {
        $dir = Join-Path $TestDrive 'wild'
        'w-1', 'w-2', 'w-3' | ForEach-Object { [pscustomobject]@{ ThingName = $_; KeyPath = (Join-Path $TestDrive "$_.key") } } |
            New-ZymDeviceCsr -NoPassphrase -OutDirectory $dir | Out-Null
        (Approve-ZymDeviceCsr -CertificateAuthority $script:Ca -Path (Join-Path $dir 'w-*.csr')).ThingName | Sort-Object | Should -Be @('w-1', 'w-2', 'w-3')
        $odd = Join-Path $dir 'odd[1].csr'
        Copy-Item -LiteralPath (Join-Path $dir 'w-1.csr') -Destination $odd
        (Approve-ZymDeviceCsr -CertificateAuthority $script:Ca -LiteralPath $odd).ThingName | Should -Be 'w-1'
    }

    It 'reads certificates from paths, FileInfo and objects with FullName, as well as from PEM text' {
        $out = Join-Path $TestDrive 'info-certs'
        'i-1', 'i-2' | ForEach-Object { [pscustomobject]@{ ThingName = $_; KeyPath = (Join-Path $TestDrive "$_.key") } } |
            New-ZymDeviceCsr -NoPassphrase | Approve-ZymDeviceCsr -CertificateAuthority $script:Ca -OutDirectory $out | Out-Null
        (Join-Path $out 'i-1.pem' | Get-ZymCertificateInfo).ThingName | Should -Be 'i-1'
        (Get-ChildItem $out -Filter '*.pem' | Get-ZymCertificateInfo).ThingName | Sort-Object | Should -Be @('i-1', 'i-2')
        (Get-ChildItem $out -Filter '*.pem' | Select-Object FullName | Get-ZymCertificateInfo).Count | Should -Be 2
        (Get-Content -Raw (Join-Path $out 'i-2.pem') | Get-ZymCertificateInfo).ThingName | Should -Be 'i-2'
        (Get-ZymCertificateInfo -Path (Join-Path $out 'i-*.pem')).Count | Should -Be 2
    }

    It 'imports an encrypted CA with its passphrase' {
        $again = Import-ZymCertificateAuthority -CertificatePath (Join-Path $script:CaDir 'ca.pem') -KeyPath (Join-Path $script:CaDir 'ca.key') -Passphrase $script:Pass
        $again.CertificateId | Should -Be $script:Ca.CertificateId
    }
}

Describe 'Bad input: a clear error and nothing written' {
    BeforeAll {
        $script:BadCa = New-ZymCertificateAuthority -Path (Join-Path $TestDrive 'bad-ca') -Subject 'CN=Bad Input CA' -NoPassphrase
        function New-OpenSslCsr([string] $Name, [string[]] $KeyArgs, [string[]] $Extra = @()) {
            $csr = Join-Path $TestDrive "$Name.csr"
            & openssl req -new -newkey @KeyArgs -nodes -keyout (Join-Path $TestDrive "$Name.key") -out $csr -subj "/CN=$Name" @Extra 2>$null
            $csr
        }
    }

    It 'rejects <Case> with <ErrorId>' -ForEach @(
        @{ Case = 'an RSA 1024 key'; ErrorId = 'CsrKeyUnsupported'; Make = { New-OpenSslCsr 'rsa1024' @('rsa:1024') } }
        @{ Case = 'a request for CA rights'; ErrorId = 'CsrRequestsCaRights'; Make = { New-OpenSslCsr 'wantsca' @('ec', '-pkeyopt', 'ec_paramgen_curve:P-256') @('-addext', 'basicConstraints=critical,CA:TRUE') } }
        @{ Case = 'an illegal thing name'; ErrorId = 'ThingNameInvalid'; Make = {
                $csr = Join-Path $TestDrive 'illegal.csr'
                & openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout (Join-Path $TestDrive 'illegal.key') -out $csr -subj '/CN=bad name!' 2>$null
                $csr } }
        @{ Case = 'a signature that does not verify'; ErrorId = 'CsrSignatureInvalid'; Make = {
                $good = New-OpenSslCsr 'tampered' @('ec', '-pkeyopt', 'ec_paramgen_curve:P-256')
                $der = Join-Path $TestDrive 'tampered.der'
                & openssl req -in $good -outform der -out $der
                $bytes = [IO.File]::ReadAllBytes($der); $bytes[$bytes.Length - 5] = $bytes[$bytes.Length - 5] -bxor 0x55
                [IO.File]::WriteAllBytes($der, $bytes); $der } }
        @{ Case = 'a truncated PEM'; ErrorId = 'CsrMalformed'; Make = {
                $good = New-OpenSslCsr 'truncated' @('ec', '-pkeyopt', 'ec_paramgen_curve:P-256')
                $text = Get-Content -Raw $good
                $cut = Join-Path $TestDrive 'truncated-cut.csr'
                Set-Content $cut ($text.Substring(0, 120) + "`n-----END CERTIFICATE REQUEST-----"); $cut } }
    ) {
        $csr = & $Make
        $out = Join-Path $TestDrive ("out-" + [guid]::NewGuid().ToString('n'))
        $result = Approve-ZymDeviceCsr -CertificateAuthority $script:BadCa -Path $csr -OutDirectory $out -ErrorVariable errors -ErrorAction SilentlyContinue
        $result | Should -BeNullOrEmpty
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -BeLike "$ErrorId,*"
        $errors[0].TargetObject | Should -Not -BeNullOrEmpty
        $out | Should -Not -Exist
    }

    It 'reports with -WhatIf the CSRs a real run would refuse, and signs nothing' {
        $rsa = New-OpenSslCsr 'whatif-rsa' @('rsa:1024')
        $good = New-ZymDeviceCsr -ThingName 'whatif-good' -KeyPath (Join-Path $TestDrive 'whatif-good.key') -NoPassphrase
        $result = @($good, (Get-Item $rsa)) | Approve-ZymDeviceCsr -CertificateAuthority $script:BadCa -WhatIf -ErrorVariable errors -ErrorAction SilentlyContinue
        $result | Should -BeNullOrEmpty
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'CsrKeyUnsupported,*'
    }

    It 'names the item the user gave as the target of an error, never an internal object' {
        $rsa = New-OpenSslCsr 'target-rsa' @('rsa:1024')
        Approve-ZymDeviceCsr -CertificateAuthority $script:BadCa -Path $rsa -ErrorVariable errors -ErrorAction SilentlyContinue | Out-Null
        $errors[0].TargetObject | Should -Be $rsa
        $file = Get-Item $rsa
        $file | Approve-ZymDeviceCsr -CertificateAuthority $script:BadCa -ErrorVariable errors2 -ErrorAction SilentlyContinue | Out-Null
        $errors2[0].TargetObject | Should -BeOfType ([System.IO.FileInfo])
    }

    It 'goes on with the rest of the batch after one bad CSR' {
        $good1 = New-ZymDeviceCsr -ThingName 'batch-1' -KeyPath (Join-Path $TestDrive 'b1.key') -NoPassphrase
        $good2 = New-ZymDeviceCsr -ThingName 'batch-2' -KeyPath (Join-Path $TestDrive 'b2.key') -NoPassphrase
        $certs = @($good1, 'not a csr at all -----BEGIN CERTIFICATE REQUEST-----garbage-----END CERTIFICATE REQUEST-----', $good2) |
            Approve-ZymDeviceCsr -CertificateAuthority $script:BadCa -ErrorVariable errors -ErrorAction SilentlyContinue
        $certs.ThingName | Should -Be @('batch-1', 'batch-2')
        $errors.Count | Should -Be 1
    }

    It 'refuses a wrong passphrase' {
        $dir = Join-Path $TestDrive 'enc-ca'
        New-ZymCertificateAuthority -Path $dir -Subject 'CN=Enc' -Passphrase $script:Pass | Out-Null
        $wrong = ConvertTo-SecureString 'wrong' -AsPlainText -Force
        Import-ZymCertificateAuthority -CertificatePath "$dir/ca.pem" -KeyPath "$dir/ca.key" -Passphrase $wrong -ErrorVariable errors -ErrorAction SilentlyContinue |
            Should -BeNullOrEmpty
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'KeyPassphraseIncorrect,*'
        "$($errors[0])" | Should -Not -Match 'correct horse'
    }

    It 'refuses a key that does not match the certificate' {
        $a = Join-Path $TestDrive 'mis-a'; $b = Join-Path $TestDrive 'mis-b'
        New-ZymCertificateAuthority -Path $a -Subject 'CN=A' -NoPassphrase | Out-Null
        New-ZymCertificateAuthority -Path $b -Subject 'CN=B' -NoPassphrase | Out-Null
        Import-ZymCertificateAuthority -CertificatePath "$a/ca.pem" -KeyPath "$b/ca.key" -ErrorVariable errors -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'CaKeyMismatch,*'
    }

    It 'refuses an illegal thing name for a new CSR and writes no key' {
        $key = Join-Path $TestDrive 'illegal-new.key'
        New-ZymDeviceCsr -ThingName 'no spaces allowed' -KeyPath $key -NoPassphrase -ErrorVariable errors -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'ThingNameInvalid,*'
        $key | Should -Not -Exist
    }

    It 'never overwrites an existing certificate file without -Force' {
        $file = Join-Path $TestDrive 'exists.pem'; Set-Content $file 'keep me'
        New-ZymDeviceCsr -ThingName 'exists-1' -KeyPath (Join-Path $TestDrive 'exists.key') -NoPassphrase |
            Approve-ZymDeviceCsr -CertificateAuthority $script:BadCa -OutFile $file -ErrorVariable errors -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'FileExists,*'
        (Get-Content -Raw $file).Trim() | Should -Be 'keep me'
    }
}

Describe 'Register-ZymCaWithAws' {
    BeforeAll {
        $script:Moto = Start-TestMoto
        $script:Aws = Get-TestAwsParameters $script:Moto
        $script:RegCaDir = Join-Path $TestDrive 'reg-ca'
        $script:RegCa = New-ZymCertificateAuthority -Path $script:RegCaDir -Subject 'CN=Registered CA' -NoPassphrase
    }
    AfterAll { Stop-TestMoto $script:Moto }

    It 'registers nothing with -WhatIf' {
        Register-ZymCaWithAws -CertificateAuthority $script:RegCa @script:Aws -SetActive -WhatIf | Should -BeNullOrEmpty
        # (moto has no ListCACertificates: ask for this CA by its id.)
        { Invoke-AwsCli $script:Moto iot describe-ca-certificate --certificate-id $script:RegCa.CertificateId } | Should -Throw '*ResourceNotFound*'
    }

    It 'registers the CA in one step with a verification certificate signed by the CA' {
        $reg = $script:RegCa | Register-ZymCaWithAws @script:Aws -SetActive -AllowAutoRegistration
        $reg.AlreadyRegistered | Should -BeFalse
        $reg.CertificateId | Should -Be $script:RegCa.CertificateId
        $reg.Status | Should -Be 'ACTIVE'
        $verification = Join-Path $TestDrive 'verification.pem'
        Set-Content $verification $reg.VerificationCertificatePem
        (Invoke-OpenSsl verify -CAfile (Join-Path $script:RegCaDir 'ca.pem') $verification).Text | Should -Match ': OK'
        $cn = (Invoke-OpenSsl x509 -in $verification -noout -subject -nameopt RFC2253).Text
        $cn | Should -Match 'CN=[0-9a-f-]{16,}'

        $cli = Invoke-AwsCli $script:Moto iot describe-ca-certificate --certificate-id $reg.CertificateId
        $cli.certificateDescription.status | Should -Be 'ACTIVE'
        $cli.certificateDescription.certificateArn | Should -Be $reg.CertificateArn
    }

    It 'finds an already registered CA by its id instead of registering it twice' {
        $verbose = Register-ZymCaWithAws -CertificateAuthority $script:RegCa @script:Aws -SetActive -Verbose 4>&1
        $again = $verbose | Where-Object { $_ -is [ZymAws.Provisioning.CaRegistration] }
        $again.AlreadyRegistered | Should -BeTrue
        $again.CertificateArn | Should -Match $script:RegCa.CertificateId
        # Found, not registered again: no RegisterCACertificate call went out.
        ($verbose | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message -join "`n" | Should -Not -Match 'RegisterCACertificate'
    }

    It 'registers in SNI_ONLY mode without a verification certificate' {
        $sniCa = New-ZymCertificateAuthority -Path (Join-Path $TestDrive 'sni-ca') -Subject 'CN=SNI CA' -NoPassphrase
        $reg = Register-ZymCaWithAws -CertificateAuthority $sniCa @script:Aws -CertificateMode SniOnly
        $reg.VerificationCertificatePem | Should -BeNullOrEmpty
        $reg.AlreadyRegistered | Should -BeFalse
    }
}
