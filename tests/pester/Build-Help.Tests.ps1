<#
.SYNOPSIS
    tools/Build-Help.ps1 turns platyPS markdown into help that Get-Help renders, and refuses malformed markdown.

.DESCRIPTION
    Builds the throwaway binary module in tests/pester/fixtures/help/ZymHelpFixture, converts its markdown into
    the module's en-US folder and reads the result back with Get-Help in a fresh child pwsh (so no help cache and
    no loaded assembly leaks between cases). Also runs tests/pester/Help.Tests.ps1 against the fixture module, with
    complete docs (all pass), stale docs (exactly the expected failures) and no module (a failure, not a skip).
    Needs no packaged ZymAwsProvisioning module.
#>

BeforeAll {
    $ErrorActionPreference = 'Stop'
    $RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    $BuildHelp = Join-Path $RepoRoot 'tools/Build-Help.ps1'
    $HelpTests = Join-Path $PSScriptRoot 'Help.Tests.ps1'
    $Fixture = Join-Path $PSScriptRoot 'fixtures/help'
    $FixtureDocs = Join-Path $Fixture 'docs'
    $PesterManifest = Join-Path (Get-Module Pester | Select-Object -First 1).ModuleBase 'Pester.psd1'

    function Invoke-ChildPwsh {
        # Runs a script in a fresh pwsh (the same one running this test, also when it is the dotnet tool),
        # with extra environment variables; returns stdout+stderr lines and the exit code.
        param([Parameter(Mandatory)] [string] $Script, [hashtable] $Environment = @{})
        $exe = [Environment]::ProcessPath
        $prefix = @()
        if ([System.IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { $prefix = @(Join-Path $PSHOME 'pwsh.dll') }
        $file = Join-Path $TestDrive ("child-" + [guid]::NewGuid().ToString('n') + '.ps1')
        Set-Content -LiteralPath $file -Value $Script
        $saved = @{}
        foreach ($key in $Environment.Keys) {
            $saved[$key] = [Environment]::GetEnvironmentVariable($key)
            # (Not [Environment]::SetEnvironmentVariable: from PowerShell a $null there becomes "", not a removal.)
            if ($null -eq $Environment[$key]) { Remove-Item "Env:$key" -ErrorAction SilentlyContinue } else { Set-Item "Env:$key" $Environment[$key] }
        }
        try {
            $output = & $exe @prefix -NoProfile -NonInteractive -File $file 2>&1
            [pscustomobject]@{ Output = @($output | ForEach-Object { "$_" }); ExitCode = $LASTEXITCODE }
        }
        finally {
            foreach ($key in $saved.Keys) {
                if ($null -eq $saved[$key]) { Remove-Item "Env:$key" -ErrorAction SilentlyContinue } else { Set-Item "Env:$key" $saved[$key] }
            }
        }
    }

    function New-FixtureModule {
        # A packaged-module folder: the fixture dll and manifest, plus help built from $DocsPath.
        param([Parameter(Mandatory)] [string] $Name, [Parameter(Mandatory)] [string] $DocsPath)
        $module = Join-Path $TestDrive "$Name/ZymHelpFixture"
        $null = New-Item -ItemType Directory -Path $module -Force
        Copy-Item (Join-Path $FixtureBin 'ZymHelpFixture.dll') $module
        Copy-Item (Join-Path $Fixture 'ZymHelpFixture/ZymHelpFixture.psd1') $module
        & $BuildHelp -DocsPath $DocsPath -OutputPath (Join-Path $module 'en-US') -ModuleAssemblyName 'ZymHelpFixture.dll' -ModuleName 'ZymHelpFixture'
        $module
    }

    function Invoke-HelpTests {
        # Runs Help.Tests.ps1 in a child pwsh against a fixture module; returns pass/fail counts and failures.
        param([string] $ModulePath, [Parameter(Mandatory)] [string] $DocsPath)
        $child = Invoke-ChildPwsh -Environment @{ ZYM_MODULE_PATH = $ModulePath; ZYM_HELP_DOCS_PATH = $DocsPath } -Script @"
`$ErrorActionPreference = 'Stop'
Import-Module '$PesterManifest'
`$config = New-PesterConfiguration
`$config.Run.Path = '$HelpTests'
`$config.Run.PassThru = `$true
`$config.Output.Verbosity = 'None'
`$result = Invoke-Pester -Configuration `$config
'RESULT=' + (@{
    Passed = `$result.PassedCount; Failed = `$result.FailedCount; Skipped = `$result.SkippedCount + `$result.NotRunCount
    FailedBlocks = `$result.FailedBlocksCount + `$result.FailedContainersCount
    Failures = @(`$result.Failed | ForEach-Object { @{ Name = `$_.ExpandedPath; Message = `$_.ErrorRecord[0].Exception.Message } })
} | ConvertTo-Json -Depth 5 -Compress)
"@
        $line = $child.Output | Where-Object { $_.StartsWith('RESULT=') } | Select-Object -Last 1
        if (-not $line) { throw "Help.Tests.ps1 did not run: $($child.Output -join "`n")" }
        $line.Substring(7) | ConvertFrom-Json
    }

    # Build the fixture module once.
    $FixtureBin = Join-Path $TestDrive 'bin'
    $build = & dotnet build (Join-Path $Fixture 'ZymHelpFixture/ZymHelpFixture.csproj') -c Release -o $FixtureBin -nologo -v q 2>&1
    if ($LASTEXITCODE -ne 0) { throw "The help fixture module did not build:`n$($build -join "`n")" }
    $GoodModule = New-FixtureModule -Name 'good' -DocsPath $FixtureDocs
}

Describe 'Build-Help.ps1 output read back by Get-Help' {
    BeforeAll {
        # Everything Get-Help says about the fixture commands, gathered in one fresh pwsh.
        $child = Invoke-ChildPwsh -Script @"
`$ErrorActionPreference = 'Stop'
Import-Module '$GoodModule'
`$out = [ordered]@{}
foreach (`$name in 'Get-ZhfWidget', 'Set-ZhfWidget') {
    `$h = Get-Help `$name -Full
    `$out[`$name] = [ordered]@{
        Synopsis    = `$h.Synopsis
        Description = @(`$h.description | ForEach-Object Text)
        Syntax      = @(`$h.syntax.syntaxItem | ForEach-Object {
            ,@(`$_.parameter | ForEach-Object { [ordered]@{ Name = `$_.name; Required = `$_.required; Position = `$_.position } })
        })
        Parameters  = @(`$h.parameters.parameter | ForEach-Object {
            [ordered]@{ Name = `$_.name; Description = (@(`$_.description | ForEach-Object Text) -join ' '); Required = `$_.required
                Position = `$_.position; PipelineInput = `$_.pipelineInput; Globbing = `$_.globbing; Aliases = `$_.aliases
                Type = `$_.type.name; DefaultValue = `$_.defaultValue }
        })
        Examples    = @(`$h.examples.example | ForEach-Object {
            [ordered]@{ Title = `$_.title; Code = `$_.code; Remarks = (@(`$_.remarks | ForEach-Object Text) -join ' ') }
        })
        Inputs      = @(`$h.inputTypes.inputType | ForEach-Object { `$_.type.name })
        Outputs     = @(`$h.returnValues.returnValue | ForEach-Object { `$_.type.name })
        Notes       = (@(`$h.alertSet.alert | ForEach-Object Text) -join ' ')
        Links       = @(`$h.relatedLinks.navigationLink | ForEach-Object { [ordered]@{ Text = `$_.linkText; Uri = `$_.uri } })
        Full        = (Get-Help `$name -Full | Out-String -Width 250)
        Examples2   = (Get-Help `$name -Examples | Out-String -Width 250)
        TypeNames   = @(`$h.PSObject.TypeNames)
    }
}
`$about = Get-Help about_ZymHelpFixture
`$out['about'] = [ordered]@{ Synopsis = `$about.Synopsis; Category = `$about.Category; Text = "`$about" }
'RESULT=' + (`$out | ConvertTo-Json -Depth 8 -Compress)
"@
        $line = $child.Output | Where-Object { $_.StartsWith('RESULT=') } | Select-Object -Last 1
        if (-not $line) { throw "Get-Help in the child pwsh failed: $($child.Output -join "`n")" }
        $Help = $line.Substring(7) | ConvertFrom-Json
        $Get = $Help.'Get-ZhfWidget'
        $Set = $Help.'Set-ZhfWidget'
    }

    It 'finds MAML help for both cmdlets (not the generated stub)' {
        $Get.TypeNames | Should -Contain 'MamlCommandHelpInfo'
        $Set.TypeNames | Should -Contain 'MamlCommandHelpInfo'
    }

    It 'shows the synopsis and the description paragraphs, with XML special characters intact' {
        $Get.Synopsis | Should -Be 'Gets widgets by name or by id.'
        # Get-Help ends every paragraph but the last with a newline; the text itself is what matters.
        $Get.Description = @($Get.Description | ForEach-Object TrimEnd)
        $Get.Description[0] | Should -Be 'The Get-ZhfWidget cmdlet gets widgets from the widget store. Names may carry wildcards; an id selects exactly one widget.'
        $Get.Description[1] | Should -Be 'Characters that XML must escape survive: a < b & c > d, "quoted" and ''single''.'
        $Get.Description[2..3] | Should -Be @('- First list item.', '- Second list item.')
        $Set.Synopsis | Should -Be 'Paints a widget.'
    }

    It 'shows one syntax per parameter set, default set first, in the order SYNTAX writes them' {
        $Get.Syntax.Count | Should -Be 2
        $Get.Syntax[0].Name | Should -Be @('Name', 'Tag', 'IncludeRetired')
        $Get.Syntax[1].Name | Should -Be @('Id', 'Tag', 'IncludeRetired')
        # -Tag is optional in ByName and mandatory in ById: one yaml block per set.
        ($Get.Syntax[0] | Where-Object Name -EQ 'Tag').Required | Should -Be 'false'
        ($Get.Syntax[1] | Where-Object Name -EQ 'Tag').Required | Should -Be 'true'
        $Get.Full | Should -Match ([regex]::Escape('Get-ZhfWidget [[-Name] <String[]>] [-Tag <String>] [-IncludeRetired] [<CommonParameters>]'))
        $Get.Full | Should -Match ([regex]::Escape('Get-ZhfWidget -Id <Int32> -Tag <String> [-IncludeRetired] [<CommonParameters>]'))
        $Set.Full | Should -Match ([regex]::Escape('Set-ZhfWidget [-InputObject] <PSObject> -Color {Red | Green | Blue} [-PassThru] [-WhatIf] [-Confirm] [<CommonParameters>]'))
    }

    It 'shows every parameter attribute from the yaml block' {
        $name = $Get.Parameters | Where-Object Name -EQ 'Name'
        $name.Description | Should -Be 'The names of the widgets to get. Wildcards are allowed.'
        $name.Required | Should -Be 'false'
        $name.Position | Should -Be '0'
        $name.PipelineInput | Should -Be 'True (ByPropertyName)'
        $name.Globbing | Should -Be 'true'
        $name.Aliases | Should -Be 'WidgetName'
        $name.Type | Should -Be 'String[]'
        $name.DefaultValue | Should -Be 'All widgets'
        $id = $Get.Parameters | Where-Object Name -EQ 'Id'
        $id.Required | Should -Be 'true'
        $id.Position | Should -Be 'named'
        ($Set.Parameters | Where-Object Name -EQ 'InputObject').PipelineInput | Should -Be 'True (ByValue)'
        $Get.Full | Should -Match 'Accept wildcard characters\?\s+true'
    }

    It 'supplies the standard text for -WhatIf and -Confirm when SYNTAX shows them and PARAMETERS does not' {
        ($Set.Parameters | Where-Object Name -EQ 'WhatIf').Description | Should -Be 'Shows what would happen if the cmdlet runs. The cmdlet is not run.'
        ($Set.Parameters | Where-Object Name -EQ 'Confirm').Description | Should -Be 'Prompts you for confirmation before running the cmdlet.'
        ($Set.Parameters | Where-Object Name -EQ 'Confirm').Aliases | Should -Be 'cf'
    }

    It 'shows the examples: title, all code blocks, remarks' {
        $Get.Examples.Count | Should -Be 2
        $Get.Examples[0].Title | Should -Match 'Example 1: Get widgets by name'
        $Get.Examples[0].Code | Should -Be 'Get-ZhfWidget -Name ''w*'' | Where-Object { $_.Tag -ne ''<none>'' }'
        $Get.Examples[0].Remarks | Should -Be 'Gets every widget whose name starts with w, except untagged ones.'
        $Get.Examples[1].Code | Should -Match '(?s)^Get-ZhfWidget -Id 42 -Tag blue\n\nName +Tag\n.*widget-42 blue$'
        $Get.Examples2 | Should -Match 'Example 2: Get one widget by id'
    }

    It 'shows inputs, outputs, notes and related links (online version first)' {
        $Get.Inputs | Should -Be @('System.String[]', 'System.Int32')
        $Get.Outputs | Should -Be @('System.Management.Automation.PSObject')
        $Set.Outputs | Should -Be @('None', 'System.Management.Automation.PSObject')
        $Get.Notes | Should -Be 'Widgets are fictional.'
        $Get.Links[0].Text | Should -Be 'Online Version:'
        $Get.Links[0].Uri | Should -Be 'https://example.invalid/help/Get-ZhfWidget'
        $Get.Links[1..2].Text | Should -Be @('Set-ZhfWidget', 'about_ZymHelpFixture')
        $Set.Links.Text | Should -Be @('Get-ZhfWidget')
    }

    It 'installs the about topic as text Get-Help finds, with its short description as synopsis' {
        $Help.about.Category | Should -Be 'HelpFile'
        $Help.about.Synopsis | Should -Be 'Describes the throwaway widget module used to test the help build.'
        $Help.about.Text | Should -Match '(?m)^LONG DESCRIPTION$'
        $Help.about.Text | Should -Match '(?m)^    - Get-ZhfWidget lists widgets by name or id, and this list item is long$'
        $Help.about.Text | Should -Match '(?m)^        Get-ZhfWidget -Name ''w\*'' \| Set-ZhfWidget -Color Red$'
        foreach ($l in ($Help.about.Text -split "`n")) { $l.Length | Should -BeLessOrEqual 80 }
    }
}

Describe 'Build-Help.ps1 output files' {
    It 'writes the same bytes every time, and the same for CRLF line ends and a BOM' {
        $first = Join-Path $TestDrive 'det-1/en-US'
        $second = Join-Path $TestDrive 'det-2/en-US'
        & $BuildHelp -DocsPath $FixtureDocs -OutputPath $first -ModuleAssemblyName 'ZymHelpFixture.dll'
        $crlfDocs = Join-Path $TestDrive 'crlf-docs'
        $null = New-Item -ItemType Directory $crlfDocs
        foreach ($md in Get-ChildItem $FixtureDocs -Filter '*.md') {
            $text = (Get-Content -Raw $md.FullName) -replace "`r?`n", "`r`n"
            [System.IO.File]::WriteAllText((Join-Path $crlfDocs $md.Name), $text, [System.Text.UTF8Encoding]::new($true))
        }
        & $BuildHelp -DocsPath $crlfDocs -OutputPath $second -ModuleAssemblyName 'ZymHelpFixture.dll'
        foreach ($name in 'ZymHelpFixture.dll-Help.xml', 'about_ZymHelpFixture.help.txt') {
            $a = [System.IO.File]::ReadAllBytes((Join-Path $first $name))
            $b = [System.IO.File]::ReadAllBytes((Join-Path $second $name))
            [Convert]::ToHexString($b) | Should -Be ([Convert]::ToHexString($a)) -Because "$name must not depend on line ends"
        }
        @(Get-ChildItem $second | ForEach-Object Name | Sort-Object) |
            Should -Be @('ZymHelpFixture.dll-Help.xml', 'about_ZymHelpFixture.help.txt' | Sort-Object) -Because 'no temporary file is left behind'
    }

    It 'converts the complete example in docs/AUTHORING-HELP.md' {
        $guide = Get-Content -Raw (Join-Path $RepoRoot 'docs/AUTHORING-HELP.md')
        $guide -match '(?s)<!-- example:start -->\s*````markdown\n(?<md>.*?)\n````\s*<!-- example:end -->' | Should -BeTrue
        $docs = Join-Path $TestDrive 'guide-docs'
        $null = New-Item -ItemType Directory $docs
        Set-Content -LiteralPath (Join-Path $docs 'Get-ZymCredentialProviderEndpoint.md') -Value $Matches.md
        $out = Join-Path $TestDrive 'guide-out/en-US'
        & $BuildHelp -DocsPath $docs -OutputPath $out -ModuleName 'ZymAwsProvisioning'
        [xml] $maml = Get-Content -Raw (Join-Path $out 'ZymAws.Provisioning.dll-Help.xml')
        $ns = [System.Xml.XmlNamespaceManager]::new($maml.NameTable)
        $ns.AddNamespace('command', 'http://schemas.microsoft.com/maml/dev/command/2004/10')
        $ns.AddNamespace('maml', 'http://schemas.microsoft.com/maml/2004/10')
        $maml.SelectSingleNode('//command:details/command:name', $ns).InnerText | Should -Be 'Get-ZymCredentialProviderEndpoint'
        $names = @($maml.SelectNodes('//command:parameters/command:parameter/maml:name', $ns) | ForEach-Object InnerText)
        $names | Should -Be @('Region', 'ProfileName', 'ProfileLocation', 'AccessKey', 'SecretKey', 'SessionToken', 'Credential', 'EndpointUrl')
        @($maml.SelectNodes('//command:syntaxItem/command:parameter/maml:name', $ns) | ForEach-Object InnerText) | Should -Be $names
    }

    It 'converts the repository''s docs/en-US without error' {
        $out = Join-Path $TestDrive 'repo-docs/en-US'
        & $BuildHelp -DocsPath (Join-Path $RepoRoot 'docs/en-US') -OutputPath $out -ModuleName 'ZymAwsProvisioning' -WarningAction SilentlyContinue
        $about = Get-Content (Join-Path $out 'about_ZymAwsProvisioning.help.txt')
        $about[0..1] | Should -Be @('TOPIC', '    about_ZymAwsProvisioning')
        $about[3] | Should -Be 'SHORT DESCRIPTION'
        $about[4] | Should -Match '^    \S' -Because 'Get-Help shows line 5 of an about topic as its synopsis'
    }
}

Describe 'Build-Help.ps1 on malformed markdown' {
    BeforeAll {
        $GoodText = Get-Content -Raw (Join-Path $FixtureDocs 'Get-ZhfWidget.md')
        function Get-LineOf([string] $Text, [string] $Pattern, [int] $Skip = 0) {
            # 1-based number of the first line matching $Pattern, counting from the first line matching $Skip's anchor.
            $lines = $Text -split "`n"
            for ($i = $Skip; $i -lt $lines.Count; $i++) { if ($lines[$i] -match $Pattern) { return $i + 1 } }
            throw "pattern $Pattern not in fixture"
        }
    }

    It 'names the file, line and section: <Case>' -ForEach @(
        @{ Case = 'yaml block without Required'; From = "Aliases: WidgetName`n`nRequired: False`n"; To = "Aliases: WidgetName`n`n"
            Expect = "Get-ZhfWidget.md:{yamlName}: [## PARAMETERS / ### -Name] the yaml block misses 'Required:'" }
        @{ Case = 'parameter set that SYNTAX lacks'; From = 'Parameter Sets: ById'; To = 'Parameter Sets: ByIdentity'
            Expect = "[## PARAMETERS / ### -Id] 'Parameter Sets' names 'ByIdentity', which is not a set under ## SYNTAX (sets: ByName, ById)" }
        @{ Case = 'syntax shows an undocumented parameter'; From = '-Id <Int32> -Tag'; To = '-Id <Int32> -Owner <String> -Tag'
            Expect = '[## SYNTAX / ### ById] shows -Owner, which ## PARAMETERS does not document' }
        @{ Case = 'syntax leaves out a documented parameter'; From = '-Tag <String> [-IncludeRetired]'; To = '-Tag <String>'
            Expect = '[## SYNTAX / ### ById] does not show -IncludeRetired, which ## PARAMETERS puts in this parameter set' }
        @{ Case = 'platyPS placeholder'; From = 'Gets widgets by name or by id.'; To = '{{ Fill in the Synopsis }}'
            Expect = "Get-ZhfWidget.md:11: still has the platyPS placeholder '{{ Fill in the Synopsis }}'" }
        @{ Case = 'missing section'; From = "## NOTES`nWidgets are fictional.`n"; To = ''
            Expect = '[## NOTES] is missing' }
        @{ Case = 'unknown section'; From = '## NOTES'; To = '## REMARKS'
            Expect = '[## REMARKS] unknown section' }
        @{ Case = 'sections out of order'; From = "## NOTES`nWidgets are fictional.`n`n## RELATED LINKS`n"; To = "## RELATED LINKS`n`n## NOTES`nWidgets are fictional.`n`n"
            Expect = "[## NOTES] is out of order; it goes before '## RELATED LINKS'" }
        @{ Case = 'title that is not the file name'; From = '# Get-ZhfWidget'; To = '# Get-ZhfWidgets'
            Expect = "Get-ZhfWidget.md:8: [title] the title '# Get-ZhfWidgets' must match the file name 'Get-ZhfWidget'" }
        @{ Case = 'wrong external help file'; From = 'external help file: ZymHelpFixture.dll-Help.xml'; To = 'external help file: Other.dll-Help.xml'
            Expect = "[front matter] 'external help file: Other.dll-Help.xml' must be 'ZymHelpFixture.dll-Help.xml'" }
        @{ Case = 'example without code'; From = "``````powershell`nGet-ZhfWidget -Name 'w*' | Where-Object { `$_.Tag -ne '<none>' }`n``````"; To = ''
            Expect = '[## EXAMPLES / ### Example 1: Get widgets by name] has no code' }
        @{ Case = 'parameter without description'; From = "The id of the one widget to get.`n"; To = ''
            Expect = '[## PARAMETERS / ### -Id] has no description' }
        @{ Case = 'bad pipeline input value'; From = "Required: True`nPosition: Named`nDefault value: None`nAccept pipeline input: True (ByPropertyName)"; To = "Required: True`nPosition: Named`nDefault value: None`nAccept pipeline input: Yes"
            Expect = "[## PARAMETERS / ### -Id] 'Accept pipeline input: Yes' must be False, or True (ByValue)" }
        @{ Case = 'unclosed code fence'; From = "Accept wildcard characters: False`n```````n`n### CommonParameters"; To = "Accept wildcard characters: False`n`n### CommonParameters"
            Expect = 'Get-ZhfWidget.md:{yamlIncludeRetired}: the code fence opened here is never closed' }
        @{ Case = 'control character'; From = 'Widgets are fictional.'; To = "Widgets are`u{1}fictional."
            Expect = 'contains the control character U+0001 at column 12, which help files cannot carry' }
    ) {
        $GoodText.Contains($From) | Should -BeTrue -Because 'the case must change the fixture'
        $text = $GoodText.Replace($From, $To)
        $Expect = $Expect.Replace('{yamlName}', (Get-LineOf $text '^```yaml' (Get-LineOf $text '^### -Name'))).
            Replace('{yamlIncludeRetired}', (Get-LineOf $text '^```yaml' (Get-LineOf $text '^### -IncludeRetired')))
        $docs = Join-Path $TestDrive ("bad-" + [guid]::NewGuid().ToString('n'))
        $null = New-Item -ItemType Directory $docs
        Set-Content -LiteralPath (Join-Path $docs 'Get-ZhfWidget.md') -Value $text -NoNewline
        Copy-Item (Join-Path $FixtureDocs 'Set-ZhfWidget.md') $docs
        $out = Join-Path $docs 'out'
        { & $BuildHelp -DocsPath $docs -OutputPath $out -ModuleAssemblyName 'ZymHelpFixture.dll' } |
            Should -Throw -ExpectedMessage "*$([System.Management.Automation.WildcardPattern]::Escape($Expect))*"
        $out | Should -Not -Exist -Because 'nothing is written when any file is malformed'
    }

    It 'fails the shipped bad fixture: stops the calling script, exit code 1, names file, line and section, leaves existing help alone' {
        $out = Join-Path $TestDrive 'bad-fixture-out'
        $null = New-Item -ItemType Directory $out
        $existing = Join-Path $out 'ZymHelpFixture.dll-Help.xml'
        Set-Content -LiteralPath $existing -Value 'previous build'
        # A build script that calls it plainly, without -ErrorAction Stop or try/catch, must still stop.
        $child = Invoke-ChildPwsh -Script @"
`$ErrorView = 'NormalView'; `$PSStyle.OutputRendering = 'PlainText'  # the message unwrapped, to match it
& '$BuildHelp' -DocsPath '$(Join-Path $Fixture 'bad')' -OutputPath '$out' -ModuleAssemblyName ZymHelpFixture.dll
'BUILD CONTINUED'
"@
        $child.ExitCode | Should -Be 1
        $child.Output | Should -Not -Contain 'BUILD CONTINUED'
        $text = $child.Output -join "`n"
        $text | Should -Match ([regex]::Escape("Get-ZhfBroken.md:34: [## PARAMETERS / ### -Name] the yaml block misses 'Required:'"))
        $text | Should -Match 'no help was written'
        Get-Content -Raw $existing | Should -Be "previous build$([Environment]::NewLine)"
    }

    It 'reports every malformed file at once' {
        $docs = Join-Path $TestDrive 'two-bad'
        $null = New-Item -ItemType Directory $docs
        Copy-Item (Join-Path $Fixture 'bad/Get-ZhfBroken.md') $docs
        Set-Content -LiteralPath (Join-Path $docs 'Set-ZhfWidget.md') -Value ((Get-Content -Raw (Join-Path $FixtureDocs 'Set-ZhfWidget.md')).Replace('schema: 2.0.0', 'schema: 3.0.0'))
        $err = { & $BuildHelp -DocsPath $docs -OutputPath (Join-Path $docs 'out') -ModuleAssemblyName 'ZymHelpFixture.dll' } | Should -Throw -PassThru
        $err.Exception.Message | Should -Match '2 markdown file\(s\) malformed'
        $err.Exception.Message | Should -Match 'Get-ZhfBroken\.md:34:'
        $err.Exception.Message | Should -Match "Set-ZhfWidget\.md:1: \[front matter\] has schema '3\.0\.0'"
        $err.FullyQualifiedErrorId | Should -Match '^HelpMarkdownMalformed'
    }
}

Describe 'Help.Tests.ps1 against the fixture module' {
    It 'passes every check when the docs are complete' {
        $r = Invoke-HelpTests -ModulePath $GoodModule -DocsPath $FixtureDocs
        $r.Failures | ForEach-Object { "$($_.Name): $($_.Message)" } | Should -BeNullOrEmpty
        $r.Failed | Should -Be 0
        $r.FailedBlocks | Should -Be 0
        $r.Skipped | Should -Be 0
        # 2 module checks + 6 per command x 2 + 2 pages + 1 about topic.
        $r.Passed | Should -Be 17
    }

    It 'fails exactly the checks that stale docs break' {
        $stale = Join-Path $Fixture 'stale-docs'
        $module = New-FixtureModule -Name 'stale' -DocsPath $stale
        $r = Invoke-HelpTests -ModulePath $module -DocsPath $stale
        @($r.Failures.Name | Sort-Object) | Should -Be @(
            'Help for Get-ZhfWidget.describes every parameter'
            'Help for Get-ZhfWidget.documents no parameter the command lacks'
            'Help for Get-ZhfWidget.shows one syntax per parameter set, with that set''s parameters'
            'Help for Set-ZhfWidget.describes every parameter'
            'Help for Set-ZhfWidget.has a description'
            'Help for Set-ZhfWidget.has a synopsis written for it'
            'Help for Set-ZhfWidget.has at least one example with code'
            'Markdown help pages.Get-ZhfGadget.md documents a command the module exports'
        )
        ($r.Failures | Where-Object Name -Like '*Get-ZhfWidget.describes*').Message | Should -Match "'-IncludeRetired'"
        ($r.Failures | Where-Object Name -Like '*lacks').Message | Should -Match "'-Owner'"
        ($r.Failures | Where-Object Name -Like '*Set-ZhfWidget.has a synopsis*').Message | Should -Match 'Get-Help found no written help for Set-ZhfWidget'
    }

    It 'fails, not skips, when ZYM_MODULE_PATH is missing' {
        $r = Invoke-HelpTests -ModulePath '' -DocsPath $FixtureDocs
        $r.Failed | Should -BeGreaterThan 0
        $r.Failures[0].Name | Should -Be 'Module under test.imports from $env:ZYM_MODULE_PATH'
        $r.Failures[0].Message | Should -Match 'ZYM_MODULE_PATH is not set'
    }

    It 'fails, not skips, when ZYM_MODULE_PATH names no module' {
        $r = Invoke-HelpTests -ModulePath (Join-Path $TestDrive 'no-such-module') -DocsPath $FixtureDocs
        $r.Failures[0].Message | Should -Match "ZYM_MODULE_PATH '.*no-such-module' is not a folder"
    }
}
