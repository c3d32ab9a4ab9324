# The packaged module as a whole: manifest, exports, names, output types and their views.
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    Import-Module $script:ModuleManifest -Force
    $script:Commands = @(Get-Command -Module ZymAwsProvisioning)
}

Describe 'The packaged module' {
    It 'has a manifest Test-ModuleManifest accepts, with the version from Directory.Build.props' {
        $info = Test-ModuleManifest -Path $script:ModuleManifest
        $props = [xml](Get-Content -Raw (Join-Path $script:RepoRoot 'Directory.Build.props'))
        $info.Version.ToString() | Should -Be (@($props.Project.PropertyGroup.Version)[0])
    }

    It 'exports exactly the cmdlets its manifest lists, and each exists' {
        $listed = (Import-PowerShellDataFile $script:ModuleManifest).CmdletsToExport | Sort-Object
        ($script:Commands.Name | Sort-Object) | Should -Be $listed
    }

    It 'uses approved verbs and the Zym noun prefix' {
        $approved = (Get-Verb).Verb
        foreach ($command in $script:Commands) {
            $command.Verb | Should -BeIn $approved -Because $command.Name
            $command.Noun | Should -BeLike 'Zym*' -Because $command.Name
        }
    }

    It 'declares an output type for every cmdlet, and every output type has a view' {
        foreach ($command in $script:Commands) {
            $command.OutputType.Count | Should -BeGreaterThan 0 -Because "$($command.Name) declares [OutputType]"
            # The module's own types need a view; .NET's (System.String for credential_process JSON) have PowerShell's.
            foreach ($type in $command.OutputType | Where-Object { $_.Type.Namespace -ne 'System' }) {
                Get-FormatData -TypeName $type.Name | Should -Not -BeNullOrEmpty -Because "$($type.Name) (from $($command.Name)) needs a format view"
            }
        }
    }

    It 'asks before every change it makes (-WhatIf/-Confirm) on New/Register/Remove/Disable cmdlets' {
        foreach ($command in $script:Commands | Where-Object Verb -In 'New', 'Register', 'Remove', 'Disable', 'Enable', 'Initialize', 'Invoke', 'Approve', 'Install') {
            $command.Parameters.Keys | Should -Contain 'WhatIf' -Because $command.Name
        }
    }
}
