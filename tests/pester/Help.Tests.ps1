<#
.SYNOPSIS
    Every command the packaged module exports has complete help, and no help page is stale.

.DESCRIPTION
    Imports the module from $env:ZYM_MODULE_PATH (the packaged module folder, set by build.ps1) and, for every
    command it exports, reads Get-Help: a written synopsis (not the syntax stub Get-Help makes up when it finds
    no help), a description, at least one example with code, a description for every parameter except the
    common parameters, no documented parameter the command lacks, and one syntax block per parameter set.
    Every docs/en-US/Verb-Noun.md must name an exported command, and every about_*.help.md must be installed
    so that Get-Help finds it.

    A missing or unloadable module is a failure, never a skip. $env:ZYM_HELP_DOCS_PATH overrides the markdown
    folder (tests/pester/Build-Help.Tests.ps1 uses it to run this file against a fixture module).
#>

BeforeDiscovery {
    $docsPath = if ($env:ZYM_HELP_DOCS_PATH) { $env:ZYM_HELP_DOCS_PATH } else { Join-Path $PSScriptRoot '../../docs/en-US' }
    $loadError = $null
    $moduleName = ''
    $moduleManifest = ''
    $commands = @()
    try {
        if (-not $env:ZYM_MODULE_PATH) {
            throw 'ZYM_MODULE_PATH is not set: point it at the packaged module folder (./build.ps1 -Task Package makes it).'
        }
        if (-not (Test-Path -LiteralPath $env:ZYM_MODULE_PATH -PathType Container)) {
            throw "ZYM_MODULE_PATH '$($env:ZYM_MODULE_PATH)' is not a folder; build the package first."
        }
        $manifests = @(Get-ChildItem -LiteralPath $env:ZYM_MODULE_PATH -Filter '*.psd1' -File)
        if ($manifests.Count -ne 1) {
            throw "ZYM_MODULE_PATH '$($env:ZYM_MODULE_PATH)' must hold exactly one module manifest (*.psd1); found $($manifests.Count)."
        }
        $moduleManifest = $manifests[0].FullName
        $module = Import-Module $moduleManifest -PassThru -Force -ErrorAction Stop
        $moduleName = $module.Name
        $commands = @(Get-Command -Module $moduleName -CommandType Cmdlet, Function | Sort-Object Name)
    }
    catch {
        $loadError = "Could not load the module to test its help: $($_.Exception.Message)"
    }
    $exported = @($commands | ForEach-Object Name)
    $moduleCase = @{ LoadError = $loadError; ModuleName = $moduleName; Exported = $exported }
    $commandCases = @($commands | ForEach-Object { @{ Name = $_.Name; ModuleName = $moduleName; ModuleManifest = $moduleManifest } })
    $docCases = @(Get-ChildItem -Path $docsPath -Filter '*.md' -File -ErrorAction SilentlyContinue |
            Where-Object Name -NotLike 'about_*' | Sort-Object Name |
            ForEach-Object { @{ File = $_.Name; Command = $_.BaseName; Exported = $exported } })
    $aboutCases = @(Get-ChildItem -Path $docsPath -Filter 'about_*.help.md' -File -ErrorAction SilentlyContinue | Sort-Object Name |
            ForEach-Object { @{ Topic = $_.Name -replace '\.help\.md$', ''; ModulePath = $env:ZYM_MODULE_PATH; LoadError = $loadError } })
}

Describe 'Module under test' -ForEach $moduleCase {
    It 'imports from $env:ZYM_MODULE_PATH' {
        if ($LoadError) { throw $LoadError }
        $ModuleName | Should -Not -BeNullOrEmpty
    }

    It 'exports at least one command' {
        if ($LoadError) { throw $LoadError }
        $Exported.Count | Should -BeGreaterThan 0 -Because "module $ModuleName should export its cmdlets"
    }
}

Describe 'Help for <Name>' -ForEach $commandCases {
    BeforeAll {
        Import-Module $ModuleManifest -ErrorAction Stop
        $command = Get-Command -Name $Name -Module $ModuleName -ErrorAction Stop
        $help = Get-Help -Name $Name -Full -ErrorAction Stop | Select-Object -First 1
        $common = [System.Management.Automation.PSCmdlet]::CommonParameters
        $parameterNames = @($command.Parameters.Keys | Where-Object { $_ -notin $common } | Sort-Object)
        $helpParameters = @($help.parameters.parameter | Where-Object { $_ })
        function Get-HelpText($value) {
            # Help text is a list of objects with a Text property (maml:para), or plain strings.
            (@($value | Where-Object { $null -ne $_ } | ForEach-Object { if ($_.PSObject.Properties['Text']) { $_.Text } else { "$_" } }) -join "`n").Trim()
        }
    }

    It 'has a synopsis written for it' {
        $synopsis = "$($help.Synopsis)".Trim()
        $synopsis | Should -Not -BeNullOrEmpty -Because "docs/en-US/$Name.md needs a ## SYNOPSIS"
        # With no help file, Get-Help makes the synopsis up from the syntax: "Verb-Noun [-Parameter] <Type> ...".
        $synopsis | Should -Not -Match "^$([regex]::Escape($Name))(\s|$)" -Because "Get-Help found no written help for $Name (the synopsis is the generated syntax); add docs/en-US/$Name.md"
    }

    It 'has a description' {
        Get-HelpText $help.description | Should -Not -BeNullOrEmpty -Because "docs/en-US/$Name.md needs a ## DESCRIPTION"
    }

    It 'has at least one example with code' {
        $examples = @($help.examples.example | Where-Object { $_ })
        $examples.Count | Should -BeGreaterThan 0 -Because "docs/en-US/$Name.md needs an example under ## EXAMPLES"
        foreach ($example in $examples) {
            "$($example.code)".Trim() | Should -Not -BeNullOrEmpty -Because "example '$($example.title)' needs code"
        }
    }

    It 'describes every parameter' {
        $undescribed = @(foreach ($p in $parameterNames) {
                $entry = $helpParameters | Where-Object name -EQ $p | Select-Object -First 1
                if (-not $entry -or -not (Get-HelpText $entry.description)) { "-$p" }
            })
        $undescribed | Should -BeNullOrEmpty -Because "every parameter of $Name needs a description in docs/en-US/$Name.md"
    }

    It 'documents no parameter the command lacks' {
        $stale = @($helpParameters | ForEach-Object name | Where-Object { $_ -notin $command.Parameters.Keys } | ForEach-Object { "-$_" })
        $stale | Should -BeNullOrEmpty -Because "docs/en-US/$Name.md documents parameters $Name does not have"
    }

    It 'shows one syntax per parameter set, with that set''s parameters' {
        $fromCommand = @($command.ParameterSets | ForEach-Object {
                (@($_.Parameters.Name | Where-Object { $_ -notin $common } | Sort-Object) -join ' ')
            } | Sort-Object)
        $fromHelp = @($help.syntax.syntaxItem | Where-Object { $_ } | ForEach-Object {
                (@($_.parameter | Where-Object { $_ } | ForEach-Object name | Sort-Object) -join ' ')
            } | Sort-Object)
        $fromHelp | Should -Be $fromCommand -Because "## SYNTAX and ## PARAMETERS of docs/en-US/$Name.md must match the parameter sets of $Name"
    }
}

Describe 'Markdown help pages' {
    It '<File> documents a command the module exports' -ForEach $docCases {
        $Command | Should -BeIn $Exported -Because "$File is stale: no exported command is named $Command"
    }

    It 'Get-Help shows the about topic <Topic>' -ForEach $aboutCases {
        if ($LoadError) { throw $LoadError }
        Join-Path $ModulePath "en-US/$Topic.help.txt" | Should -Exist
        $topic = Get-Help -Name $Topic -Category HelpFile -ErrorAction Stop | Select-Object -First 1
        "$($topic.Synopsis)".Trim() | Should -Not -BeNullOrEmpty -Because 'the SHORT DESCRIPTION is what Get-Help lists'
    }
}
