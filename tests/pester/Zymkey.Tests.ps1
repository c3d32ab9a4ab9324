# Get-ZymkeyInfo and Get-ZymDeviceId through the real P/Invoke path into the Zymkey simulator. Each case runs in
# a child pwsh, because the simulator reads its settings with getenv when the process starts.
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $script:Import = "`$ErrorActionPreference = 'Stop'; Import-Module '$script:ModuleManifest'"
}

Describe 'Get-ZymkeyInfo' {
    It 'reports the model, firmware and serial the device gives' {
        $environment = New-SimulatorEnvironment -Serial 'ZK-4I-12345' -Extra @{ ZK_SIM_FIRMWARE = '01.02.03' }
        $child = Invoke-ChildPwsh -Environment $environment "$script:Import; Get-ZymkeyInfo | ConvertTo-Json -Compress"
        $child.ExitCode | Should -Be 0 -Because ($child.Output -join "`n")
        $info = $child.Output[-1] | ConvertFrom-Json
        $info.Model | Should -Be 'ZYMKEY4i'
        $info.SerialNumber | Should -Be 'ZK-4I-12345'
        $info.FirmwareVersion | Should -Be '01.02.03'
        $info.LibraryPath | Should -Be $environment.ZYMKEY_LIBRARY_PATH
    }

    It 'lists the key slots of an HSM6' {
        $environment = New-SimulatorEnvironment -Extra @{ ZK_SIM_MODEL = 'HSM6' }
        $child = Invoke-ChildPwsh -Environment $environment "$script:Import; (Get-ZymkeyInfo).AllocatedSlots -join ','"
        $child.ExitCode | Should -Be 0 -Because ($child.Output -join "`n")
        $child.Output[-1] | Should -Match '^0(,\d+)+$'
    }

    It 'says which paths it tried when the library is missing' {
        $missing = Join-Path ([System.IO.Path]::GetTempPath()) 'no-such-dir/libzk_app_utils.so'
        $child = Invoke-ChildPwsh "$script:Import; try { Get-ZymkeyInfo -LibraryPath '$missing' } catch { `$_.FullyQualifiedErrorId; `$_.CategoryInfo.Category; `$_.Exception.Message }"
        $child.Output[0] | Should -BeLike 'ZymkeyLibraryNotFound,*'
        $child.Output[1] | Should -Be 'NotInstalled'
        ($child.Output -join "`n") | Should -Match ([regex]::Escape($missing))
        ($child.Output -join "`n") | Should -Match '/usr/lib'
    }

    It 'turns a device timeout into an error that names the code and its meaning' {
        $environment = New-SimulatorEnvironment -Extra @{ ZK_SIM_FAIL_zkGetModelNumberString = '-110' }
        $child = Invoke-ChildPwsh -Environment $environment "$script:Import; try { Get-ZymkeyInfo } catch { `$_.FullyQualifiedErrorId; `$_.CategoryInfo.Category; `$_.Exception.Message }"
        $child.Output[0] | Should -BeLike 'ZymkeyCallFailed,*'
        $child.Output[1] | Should -Be 'OperationTimeout'
        ($child.Output -join "`n") | Should -Match '-110'
        ($child.Output -join "`n") | Should -Match 'ETIMEDOUT'
    }
}

Describe 'Get-ZymDeviceId' {
    It 'gives the same valid thing name every time on the same device' {
        $environment = New-SimulatorEnvironment -Serial 'ZK-STABLE-1'
        $first = Invoke-ChildPwsh -Environment $environment "$script:Import; (Get-ZymDeviceId).DeviceId"
        $second = Invoke-ChildPwsh -Environment $environment "$script:Import; (Get-ZymDeviceId).ThingName"
        $first.ExitCode | Should -Be 0 -Because ($first.Output -join "`n")
        $first.Output[-1] | Should -Match '^zym-[0-9a-f]{32}$'
        $second.Output[-1] | Should -Be $first.Output[-1]
    }

    It 'changes with the Zymkey serial and with extra values' {
        $a = Invoke-ChildPwsh -Environment (New-SimulatorEnvironment -Serial 'ZK-A') "$script:Import; (Get-ZymDeviceId).DeviceId"
        $b = Invoke-ChildPwsh -Environment (New-SimulatorEnvironment -Serial 'ZK-B') "$script:Import; (Get-ZymDeviceId).DeviceId"
        $c = Invoke-ChildPwsh -Environment (New-SimulatorEnvironment -Serial 'ZK-A') "$script:Import; `$id = Get-ZymDeviceId -Extra @{ board = 'rev2' }; `$id.Sources -join ','; `$id.DeviceId"
        $a.Output[-1] | Should -Not -Be $b.Output[-1]
        $a.Output[-1] | Should -Not -Be $c.Output[-1]
        $c.Output[-1] | Should -Match '^zym-[0-9a-f]{32}$'
        $c.Output[-2] -split ',' | Should -Contain 'ZymkeySerial'
        $c.Output[-2] -split ',' | Should -Contain 'Extra:board'
    }
}

Describe 'New-ZymDeviceCsr -KeySource Zymkey' {
    It 'signs the CSR inside the Zymkey: openssl verifies it, and its key is the slot''s key' {
        $environment = New-SimulatorEnvironment -Serial 'ZK-CSR-1'
        $csrFile = Join-Path $TestDrive 'zk.csr'
        $child = Invoke-ChildPwsh -Environment $environment @"
$script:Import
`$csr = New-ZymDeviceCsr -ThingName zk-dev-1 -KeySource Zymkey -Slot 0 -IotPolicy pol -Region eu-west-1 -CredentialEndpoint cabc -RoleAlias alias -OutFile '$csrFile'
`$csr.KeySource
"@
        $child.ExitCode | Should -Be 0 -Because ($child.Output -join "`n")
        $child.Output[-1] | Should -Be 'Zymkey slot 0'
        ((& openssl req -in $csrFile -verify -noout 2>&1) -join "`n") | Should -Match 'verify OK'
        # The simulator keeps slot 0's key as PEM in ZK_SIM_DIR: the CSR's public key must be that key's.
        $slotKey = Get-ChildItem $environment.ZK_SIM_DIR -Filter 'slot-0*.pem' | Select-Object -First 1
        $expected = (& openssl pkey -in $slotKey.FullName -pubout 2>$null) -join "`n"
        $actual = (& openssl req -in $csrFile -noout -pubkey 2>$null) -join "`n"
        $actual | Should -Be $expected
    }

    It 'says clearly when the Zymkey is not there' {
        $missing = Join-Path ([System.IO.Path]::GetTempPath()) 'no-zymkey-here'
        $child = Invoke-ChildPwsh "$script:Import; try { New-ZymDeviceCsr -ThingName t1 -KeySource Zymkey -LibraryPath '$missing' } catch { `$_.FullyQualifiedErrorId }"
        $child.Output[-1] | Should -BeLike 'ZymkeyLibraryNotFound,*'
    }
}
