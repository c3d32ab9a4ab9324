#Requires -Version 7.2
<#
.SYNOPSIS
    Builds the module's MAML cmdlet help and plain-text about topics from platyPS-schema markdown.

.DESCRIPTION
    Reads every Verb-Noun.md in -DocsPath (platyPS 2.0.0 cmdlet markdown, see docs/AUTHORING-HELP.md) and writes
    ONE MAML file, <ModuleAssemblyName>-Help.xml, into -OutputPath, which Get-Help reads for the binary cmdlets.
    Every about_*.help.md becomes about_*.help.txt (plain text) in the same folder.

    The markdown is checked before anything is written: a malformed file (missing or misordered section,
    a parameter without its yaml block, a parameter set that SYNTAX does not show, a platyPS placeholder left
    in, ...) stops the build with a terminating error that names the file, the line and the section; in that
    case no file is written at all. Pure PowerShell, no module needed (platyPS is not used).

.PARAMETER DocsPath
    The folder with the markdown, e.g. docs/en-US.

.PARAMETER OutputPath
    The culture folder of the packaged module, e.g. out/ZymAwsProvisioning/en-US. Created when missing.

.PARAMETER ModuleAssemblyName
    The file name of the assembly that implements the cmdlets. The MAML file is named after it and every
    markdown file's "external help file" must name that MAML file.

.PARAMETER ModuleName
    When given, every markdown file's "Module Name" must equal it.

.PARAMETER OnlineBaseUri
    The URL of the folder the markdown is published in (ending in '/'), such as the repository's docs/en-US. When
    given, every relative related link ([Get-ZymDevice](Get-ZymDevice.md)) becomes an absolute URI against it, and a
    command whose front matter leaves 'online version' empty gets <base><Verb-Noun>.md as its online version (the
    first related link, which Get-Help -Online opens). A relative link must name a file that exists beside the
    markdown. Without it, relative links carry no URI (as platyPS does).

.PARAMETER PassThru
    Writes the files produced (FileInfo) to the pipeline.

.EXAMPLE
    ./tools/Build-Help.ps1 -DocsPath docs/en-US -OutputPath out/ZymAwsProvisioning/en-US -ModuleName ZymAwsProvisioning
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $DocsPath,
    [Parameter(Mandatory)] [string] $OutputPath,
    [ValidatePattern('\.dll$')] [string] $ModuleAssemblyName = 'ZymAws.Provisioning.dll',
    [string] $ModuleName,
    [ValidatePattern('^https?://\S+/$')] [string] $OnlineBaseUri,
    [switch] $PassThru
)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'

$script:SectionOrder = @('SYNOPSIS', 'SYNTAX', 'DESCRIPTION', 'EXAMPLES', 'PARAMETERS', 'INPUTS', 'OUTPUTS', 'NOTES', 'RELATED LINKS')
$script:YamlKeys = @('Type', 'Parameter Sets', 'Aliases', 'Accepted values', 'Required', 'Position', 'Default value',
    'Accept pipeline input', 'Accept wildcard characters', 'Applicable')
$script:YamlKeyMap = @{}  # case-insensitive: any spelling to the canonical key
foreach ($k in $script:YamlKeys) { $script:YamlKeyMap[$k] = $k }
$script:RequiredYamlKeys = @('Type', 'Parameter Sets', 'Required', 'Position', 'Accept pipeline input', 'Accept wildcard characters')
$script:CommonParameterNames = [System.Management.Automation.PSCmdlet]::CommonParameters
$script:AllSetsName = '__AllParameterSets'
# The two risk-mitigation parameters get platyPS's standard text when SYNTAX shows them and PARAMETERS does not.
$script:StandardParameters = @{
    WhatIf  = @{ Description = 'Shows what would happen if the cmdlet runs. The cmdlet is not run.'; Alias = 'wi' }
    Confirm = @{ Description = 'Prompts you for confirmation before running the cmdlet.'; Alias = 'cf' }
}
$script:InvalidXmlChar = [regex]'[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]'
$script:Placeholder = [regex]'\{\{\s*(Fill|Add|Update|Manually)\b[^}]*\}\}'

#region Errors

class HelpSourceException : System.Exception {
    HelpSourceException([string] $message) : base($message) { }
}

function Stop-HelpSource {
    # One malformed-markdown failure: file, line and section, so an author can jump straight to it.
    param([Parameter(Mandatory)] $Doc, [int] $Line, [string] $Section, [Parameter(Mandatory)] [string] $Message)
    $where = if ($Line -gt 0) { "$($Doc.DisplayPath):$Line" } else { $Doc.DisplayPath }
    $in = if ($Section) { " [$Section]" } else { '' }
    throw [HelpSourceException]::new("${where}:$in $Message")
}

#endregion

#region Markdown reading

function Read-HelpSource {
    # Reads a file into numbered lines, checks it for characters XML cannot carry and platyPS placeholders.
    param([Parameter(Mandatory)] [System.IO.FileInfo] $File)
    $display = [System.IO.Path]::GetRelativePath((Get-Location).ProviderPath, $File.FullName)
    if ($display.StartsWith('..')) { $display = $File.FullName }
    $doc = [pscustomobject]@{ File = $File; DisplayPath = $display; Lines = $null }
    $text = [System.IO.File]::ReadAllText($File.FullName, [System.Text.UTF8Encoding]::new($false, $false))
    $text = $text.TrimStart([char]0xFEFF) -replace "`r`n?", "`n"
    $lines = $text.Split("`n")
    if ($lines.Count -gt 0 -and $lines[-1] -eq '') { $lines = $lines[0..($lines.Count - 2)] }
    for ($i = 0; $i -lt $lines.Count; $i++) {
        $bad = $script:InvalidXmlChar.Match($lines[$i])
        if ($bad.Success) {
            Stop-HelpSource $doc ($i + 1) '' ("contains the control character U+{0:X4} at column {1}, which help files cannot carry" -f [int]$bad.Value[0], ($bad.Index + 1))
        }
        $placeholder = $script:Placeholder.Match($lines[$i])
        if ($placeholder.Success) {
            Stop-HelpSource $doc ($i + 1) '' "still has the platyPS placeholder '$($placeholder.Value)'; write the real text"
        }
    }
    $doc.Lines = $lines
    $doc
}

function Split-Markdown {
    # Turns lines into blocks: Heading (Level, Text), Fence (Info, Content, Line) and Text (one line each).
    param([Parameter(Mandatory)] $Doc, [int] $Start, [int] $End)
    $blocks = [System.Collections.Generic.List[object]]::new()
    $i = $Start
    while ($i -lt $End) {
        $line = $Doc.Lines[$i]
        if ($line -match '^(?<indent> {0,3})(?<fence>`{3,}|~{3,})\s*(?<info>[^`\s]*)[^`]*$') {
            $fence = $Matches.fence
            $indent = $Matches.indent.Length
            $info = $Matches.info
            $closing = '^ {0,3}' + [regex]::Escape($fence.Substring(0, 1)) + '{' + $fence.Length + ',}\s*$'
            $content = [System.Collections.Generic.List[string]]::new()
            $j = $i + 1
            while ($j -lt $End -and $Doc.Lines[$j] -notmatch $closing) {
                $contentLine = $Doc.Lines[$j]
                $strip = 0
                while ($strip -lt $indent -and $strip -lt $contentLine.Length -and $contentLine[$strip] -eq ' ') { $strip++ }
                $content.Add($contentLine.Substring($strip))
                $j++
            }
            if ($j -ge $End) { Stop-HelpSource $Doc ($i + 1) '' "the code fence opened here is never closed" }
            $blocks.Add([pscustomobject]@{ Kind = 'Fence'; Info = $info; Content = @($content); Line = $i + 1; Level = 0; Text = '' })
            $i = $j + 1
            continue
        }
        if ($line -match '^(?<hashes>#{1,6})[ \t]+(?<text>.*?)[ \t]*$') {
            $blocks.Add([pscustomobject]@{ Kind = 'Heading'; Level = $Matches.hashes.Length; Text = $Matches.text; Line = $i + 1; Info = ''; Content = @() })
        }
        else {
            $blocks.Add([pscustomobject]@{ Kind = 'Text'; Text = $line; Line = $i + 1; Level = 0; Info = ''; Content = @() })
        }
        $i++
    }
    , $blocks
}

function ConvertFrom-InlineMarkdown {
    # Plain text for help: links become "text (url)", emphasis and code marks go, backslash escapes resolve.
    param([string] $Text)
    $t = $Text
    $t = [regex]::Replace($t, '\[(?<text>[^\]]+)\]\((?<url>[^)\s]*)\)', {
            param($m)
            $url = $m.Groups['url'].Value
            if ($url -match '^https?://') { "$($m.Groups['text'].Value) ($url)" } else { $m.Groups['text'].Value }
        })
    $t = [regex]::Replace($t, '<(?<url>https?://[^>\s]+)>', '${url}')
    $t = [regex]::Replace($t, '(?<!\\)`(?<code>[^`]+)`', '${code}')
    $t = [regex]::Replace($t, '(?<!\\)(\*\*|__)(?<inner>\S(.*?\S)?)\1', '${inner}')
    $t = [regex]::Replace($t, '\\(?<ch>[\\`*_{}\[\]()#+\-.!<>|])', '${ch}')
    $t
}

function ConvertTo-Paragraph {
    # Blocks (Text and Fence) to paragraphs: soft-wrapped lines join with a space, list items stay one per
    # paragraph, fenced code keeps its lines. Headings below the section level become their own paragraph.
    param($Blocks)
    $paragraphs = [System.Collections.Generic.List[string]]::new()
    $current = $null
    foreach ($block in $Blocks) {
        switch ($block.Kind) {
            'Text' {
                $line = $block.Text
                if ($line.Trim() -eq '') {
                    if ($null -ne $current) { $paragraphs.Add($current); $current = $null }
                }
                elseif ($line -match '^\s{0,3}([-*+]|\d+[.)])\s+') {
                    if ($null -ne $current) { $paragraphs.Add($current) }
                    $current = ConvertFrom-InlineMarkdown $line.Trim()
                }
                elseif ($line -match '^\s*\|') {
                    # Tables keep their rows.
                    if ($null -ne $current -and $current -notmatch '(^|\n)\|') { $paragraphs.Add($current); $current = $null }
                    $row = ConvertFrom-InlineMarkdown $line.Trim()
                    $current = if ($null -eq $current) { $row } else { "$current`n$row" }
                }
                else {
                    if ($null -ne $current -and $current -match '(^|\n)\|') { $paragraphs.Add($current); $current = $null }
                    $piece = ConvertFrom-InlineMarkdown $line.Trim()
                    $hardBreak = $null -ne $current -and ($current.EndsWith('  ') -or $current.EndsWith('\'))
                    $current = if ($null -eq $current) { $piece }
                    elseif ($hardBreak) { $current.TrimEnd(' ', '\') + "`n" + $piece }
                    else { "$current $piece" }
                    if ($line.EndsWith('  ')) { $current += '  ' }
                }
            }
            'Fence' {
                if ($null -ne $current) { $paragraphs.Add($current); $current = $null }
                if ($block.Content.Count -gt 0) { $paragraphs.Add(($block.Content -join "`n")) }
            }
            'Heading' {
                if ($null -ne $current) { $paragraphs.Add($current); $current = $null }
                $paragraphs.Add((ConvertFrom-InlineMarkdown $block.Text))
            }
        }
    }
    if ($null -ne $current) { $paragraphs.Add($current) }
    , @(foreach ($p in $paragraphs) { $t = $p.TrimEnd(); if ($t -ne '') { $t } })
}

function Split-BySubheading {
    # Splits a section's blocks at level-3 headings; returns the lead-in blocks and the subsections.
    param($Blocks)
    $lead = [System.Collections.Generic.List[object]]::new()
    $subs = [System.Collections.Generic.List[object]]::new()
    $current = $null
    foreach ($block in $Blocks) {
        if ($block.Kind -eq 'Heading' -and $block.Level -eq 3) {
            $current = [pscustomobject]@{ Title = $block.Text; Line = $block.Line; Blocks = [System.Collections.Generic.List[object]]::new() }
            $subs.Add($current)
        }
        elseif ($null -eq $current) { $lead.Add($block) }
        else { $current.Blocks.Add($block) }
    }
    [pscustomobject]@{ Lead = @($lead); Subsections = @($subs) }
}

function Assert-OnlyBlank {
    param($Doc, $Blocks, [string] $Section, [string] $What)
    foreach ($block in $Blocks) {
        if ($block.Kind -ne 'Text' -or $block.Text.Trim() -ne '') {
            Stop-HelpSource $Doc $block.Line $Section $What
        }
    }
}

#endregion

#region Cmdlet markdown

function Read-FrontMatter {
    param($Doc)
    if ($Doc.Lines.Count -eq 0 -or $Doc.Lines[0].Trim() -ne '---') {
        Stop-HelpSource $Doc 1 'front matter' "must start with YAML front matter ('---', external help file, Module Name, online version, schema: 2.0.0, '---')"
    }
    $values = @{}
    $end = -1
    for ($i = 1; $i -lt $Doc.Lines.Count; $i++) {
        $line = $Doc.Lines[$i]
        if ($line.Trim() -eq '---') { $end = $i; break }
        if ($line.Trim() -eq '') { continue }
        if ($line -notmatch '^(?<key>[A-Za-z][\w .-]*?)\s*:\s*(?<value>.*?)\s*$') {
            Stop-HelpSource $Doc ($i + 1) 'front matter' "'$line' is not a 'key: value' line"
        }
        $values[$Matches.key] = $Matches.value.Trim("'", '"')
    }
    if ($end -lt 0) { Stop-HelpSource $Doc 1 'front matter' "the front matter is never closed with '---'" }
    foreach ($key in 'external help file', 'Module Name', 'schema') {
        if (-not $values.ContainsKey($key) -or -not $values[$key]) {
            Stop-HelpSource $Doc 1 'front matter' "misses '${key}:'"
        }
    }
    if ($values['schema'] -ne '2.0.0') {
        Stop-HelpSource $Doc 1 'front matter' "has schema '$($values['schema'])'; only platyPS schema 2.0.0 is understood"
    }
    [pscustomobject]@{ Values = $values; BodyStart = $end + 1 }
}

function Read-Syntax {
    # SYNTAX: one fence per parameter set, each under '### SetName' or '### SetName (Default)'; a lone fence
    # without a heading is the single, unnamed parameter set.
    param($Doc, $Command, $Section)
    $name = '## SYNTAX'
    $split = Split-BySubheading $Section.Blocks
    $sets = [System.Collections.Generic.List[object]]::new()
    $readFence = {
        param($blocks, [string] $setName, [bool] $isDefault, [int] $line, [string] $where)
        $fences = @(@($blocks).Where({ $_.Kind -eq 'Fence' }))
        $other = @(@($blocks).Where({ $_.Kind -ne 'Fence' -and ($_.Kind -ne 'Text' -or $_.Text.Trim() -ne '') }))
        if ($other.Count -gt 0) { Stop-HelpSource $Doc $other[0].Line $where "has text outside the syntax code block; SYNTAX holds only code blocks" }
        if ($fences.Count -ne 1) { Stop-HelpSource $Doc $line $where "needs exactly one code block with the syntax line, found $($fences.Count)" }
        $syntaxText = ($fences[0].Content -join ' ').Trim()
        if ($syntaxText -notmatch ('^' + [regex]::Escape($Command) + '(\s|$)')) {
            Stop-HelpSource $Doc $fences[0].Line $where "the syntax must start with the command name '$Command'"
        }
        $parameters = [System.Collections.Generic.List[string]]::new()
        foreach ($m in [regex]::Matches($syntaxText, '(?<=[\s\[])-(?<name>[A-Za-z_][\w]*)')) {
            if ($parameters -notcontains $m.Groups['name'].Value) { $parameters.Add($m.Groups['name'].Value) }
        }
        [pscustomobject]@{ Name = $setName; IsDefault = $isDefault; Line = $line; Parameters = @($parameters); Text = $syntaxText }
    }
    if ($split.Subsections.Count -eq 0) {
        $sets.Add((& $readFence $split.Lead $script:AllSetsName $true $Section.Line $name))
    }
    else {
        Assert-OnlyBlank $Doc $split.Lead $name "has text before the first '### ParameterSetName'; put each syntax block under its parameter set"
        foreach ($sub in $split.Subsections) {
            $title = $sub.Title.Trim()
            $isDefault = $title -match '\s*\(Default\)$'
            $setName = ($title -replace '\s*\(Default\)$', '').Trim()
            if ($setName -notmatch '^[\w.-]+$') { Stop-HelpSource $Doc $sub.Line "$name / ### $title" "'$setName' is not a parameter set name" }
            if ($sets | Where-Object Name -EQ $setName) { Stop-HelpSource $Doc $sub.Line "$name / ### $title" "parameter set '$setName' appears twice" }
            $sets.Add((& $readFence $sub.Blocks $setName $isDefault $sub.Line "$name / ### $title"))
        }
        if (@($sets | Where-Object IsDefault).Count -gt 1) { Stop-HelpSource $Doc $Section.Line $name 'marks more than one parameter set (Default)' }
    }
    , @($sets)
}

function Read-ParameterYaml {
    param($Doc, $Fence, [string] $Where)
    $values = [ordered]@{}
    $lineNo = $Fence.Line
    foreach ($raw in $Fence.Content) {
        $lineNo++
        if ($raw.Trim() -eq '') { continue }
        if ($raw -notmatch '^\s*(?<key>[A-Za-z][A-Za-z ]*?)\s*:\s*(?<value>.*?)\s*$') {
            Stop-HelpSource $Doc $lineNo $Where "'$raw' is not a 'Key: value' line"
        }
        $key = $script:YamlKeyMap[$Matches.key]
        if (-not $key) { Stop-HelpSource $Doc $lineNo $Where "unknown key '$($Matches.key)' (known: $($script:YamlKeys -join ', '))" }
        if ($values.Contains($key)) { Stop-HelpSource $Doc $lineNo $Where "'$key' appears twice" }
        $values[$key] = $Matches.value
    }
    foreach ($key in $script:RequiredYamlKeys) {
        if (-not $values.Contains($key) -or $values[$key] -eq '') { Stop-HelpSource $Doc $Fence.Line $Where "the yaml block misses '${key}:'" }
    }
    $bool = {
        param([string] $key)
        switch -Regex ($values[$key]) {
            '^(?i:true)$' { return $true }
            '^(?i:false)$' { return $false }
            default { Stop-HelpSource $Doc $Fence.Line $Where "'${key}: $($values[$key])' must be True or False" }
        }
    }
    $position = $values['Position']
    if ($position -match '^(?i:named)$') { $position = 'named' }
    elseif ($position -notmatch '^\d+$') { Stop-HelpSource $Doc $Fence.Line $Where "'Position: $position' must be Named or a number" }
    $pipeline = $values['Accept pipeline input']
    if ($pipeline -match '^(?i:false)$') { $pipeline = 'False' }
    elseif ($pipeline -match '^(?i:true)\s*\((?<how>[^)]*)\)$') {
        $how = @(($Matches.how -split '\s*,\s*').Where({ $_ }))
        foreach ($h in $how) {
            if ($h -notin 'ByValue', 'ByPropertyName', 'FromRemainingArguments') {
                Stop-HelpSource $Doc $Fence.Line $Where "'Accept pipeline input: $pipeline': '$h' must be ByValue or ByPropertyName"
            }
        }
        if ($how.Count -eq 0) { Stop-HelpSource $Doc $Fence.Line $Where "'Accept pipeline input: $pipeline' names no way (ByValue, ByPropertyName)" }
        $pipeline = "True ($($how -join ', '))"
    }
    else { Stop-HelpSource $Doc $Fence.Line $Where "'Accept pipeline input: $pipeline' must be False, or True (ByValue), True (ByPropertyName), True (ByPropertyName, ByValue)" }
    $setsText = $values['Parameter Sets'].Trim()
    $sets = @(if ($setsText -eq '(All)') { '(All)' } else { ($setsText -split '\s*,\s*').Where({ $_ }) })
    $split = { param($v) if ($v) { @(($v -split '\s*,\s*').Where({ $_ })) } else { @() } }
    [pscustomobject]@{
        Line           = $Fence.Line
        Type           = $values['Type'].Trim()
        Sets           = $sets
        Aliases        = @(& $split $values['Aliases'])
        AcceptedValues = @(& $split $values['Accepted values'])
        Required       = & $bool 'Required'
        Position       = $position
        DefaultValue   = if ($values.Contains('Default value') -and $values['Default value'] -ne '') { $values['Default value'] } else { 'None' }
        PipelineInput  = $pipeline
        Globbing       = & $bool 'Accept wildcard characters'
    }
}

function Read-Parameters {
    param($Doc, $Section)
    $name = '## PARAMETERS'
    $split = Split-BySubheading $Section.Blocks
    Assert-OnlyBlank $Doc $split.Lead $name "has text before the first '### -ParameterName'"
    $parameters = [System.Collections.Generic.List[object]]::new()
    foreach ($sub in $split.Subsections) {
        $title = $sub.Title.Trim()
        $where = "$name / ### $title"
        if ($title -in 'CommonParameters', 'WorkflowParameters') { continue }
        if ($title -notmatch '^-(?<p>[A-Za-z_]\w*)$') {
            Stop-HelpSource $Doc $sub.Line $where "'### $title' is not a parameter heading; write '### -Name' (or '### CommonParameters')"
        }
        $paramName = $Matches.p
        if ($parameters.Where({ $_.Name -eq $paramName })) { Stop-HelpSource $Doc $sub.Line $where "-$paramName is documented twice" }
        $firstYaml = -1
        for ($k = 0; $k -lt $sub.Blocks.Count; $k++) {
            if ($sub.Blocks[$k].Kind -eq 'Fence' -and $sub.Blocks[$k].Info -eq 'yaml') { $firstYaml = $k; break }
        }
        if ($firstYaml -lt 0) { Stop-HelpSource $Doc $sub.Line $where "misses its ``````yaml block (Type, Parameter Sets, Aliases, Required, Position, ...)" }
        $descriptionBlocks = if ($firstYaml -gt 0) { $sub.Blocks[0..($firstYaml - 1)] } else { @() }
        $description = ConvertTo-Paragraph $descriptionBlocks
        if ($description.Count -eq 0) { Stop-HelpSource $Doc $sub.Line $where "has no description; write what the parameter does above the yaml block" }
        $yamlBlocks = [System.Collections.Generic.List[object]]::new()
        for ($k = $firstYaml; $k -lt $sub.Blocks.Count; $k++) {
            $block = $sub.Blocks[$k]
            if ($block.Kind -eq 'Fence' -and $block.Info -eq 'yaml') { $yamlBlocks.Add((Read-ParameterYaml $Doc $block $where)) }
            elseif ($block.Kind -ne 'Text' -or $block.Text.Trim() -ne '') {
                Stop-HelpSource $Doc $block.Line $where "has text after the yaml block; the description goes above it"
            }
        }
        $types = @($yamlBlocks | ForEach-Object Type | Select-Object -Unique)
        if ($types.Count -gt 1) { Stop-HelpSource $Doc $yamlBlocks[1].Line $where "its yaml blocks disagree on Type ($($types -join ', '))" }
        $parameters.Add([pscustomobject]@{ Name = $paramName; Description = $description; Blocks = @($yamlBlocks); Line = $sub.Line; Synthesized = $false })
    }
    , @($parameters)
}

function Read-TypeList {
    # INPUTS / OUTPUTS: '### TypeName' headings, each with an optional description.
    param($Doc, $Section, [string] $Name)
    $split = Split-BySubheading $Section.Blocks
    Assert-OnlyBlank $Doc $split.Lead $Name "has text outside a '### TypeName' heading; write '### None' when there is nothing"
    , @($split.Subsections | ForEach-Object {
            [pscustomobject]@{ Type = (ConvertFrom-InlineMarkdown $_.Title.Trim()); Description = (ConvertTo-Paragraph $_.Blocks) }
        })
}

function Read-Examples {
    param($Doc, $Section)
    $name = '## EXAMPLES'
    $split = Split-BySubheading $Section.Blocks
    Assert-OnlyBlank $Doc $split.Lead $name "has text before the first '### Example 1: ...' heading"
    if ($split.Subsections.Count -eq 0) { Stop-HelpSource $Doc $Section.Line $name "has no example; add '### Example 1: <title>' with a ``````powershell block" }
    , @($split.Subsections | ForEach-Object {
            $where = "$name / ### $($_.Title.Trim())"
            $code = @($_.Blocks.Where({ $_.Kind -eq 'Fence' }).ForEach({ ($_.Content -join "`n").TrimEnd() }).Where({ $_.Trim() }))
            if ($code.Count -eq 0) { Stop-HelpSource $Doc $_.Line $where "has no code; put the example in a ``````powershell block" }
            [pscustomobject]@{
                Title   = ConvertFrom-InlineMarkdown $_.Title.Trim()
                Code    = $code -join "`n`n"
                Remarks = ConvertTo-Paragraph @($_.Blocks.Where({ $_.Kind -ne 'Fence' }))
            }
        })
}

function Read-RelatedLinks {
    param($Doc, $Section)
    $links = [System.Collections.Generic.List[object]]::new()
    foreach ($block in $Section.Blocks) {
        if ($block.Kind -eq 'Text' -and $block.Text.Trim() -eq '') { continue }
        if ($block.Kind -ne 'Text' -or $block.Text -notmatch '^\s*(?:[-*+]\s+)?\[(?<text>[^\]]+)\]\((?<uri>[^)\s]*)\)\s*$') {
            Stop-HelpSource $Doc $block.Line '## RELATED LINKS' "'$($block.Text)' is not a link; write one [text](uri) per line"
        }
        $text = $Matches.text
        $uri = $Matches.uri
        if ($uri -notmatch '^https?://') {
            if ($OnlineBaseUri -and $uri) {
                # A relative link is a page published beside this one: it must exist, and it resolves against the base.
                $target = Join-Path $Doc.File.DirectoryName ($uri -replace '#.*$', '')
                if (-not (Test-Path -LiteralPath $target -PathType Leaf)) {
                    Stop-HelpSource $Doc $block.Line '## RELATED LINKS' "links to '$uri', which is not a file beside this one"
                }
                $uri = [System.Uri]::new([System.Uri]$OnlineBaseUri, $uri).AbsoluteUri
            }
            else { $uri = '' }
        }
        $links.Add([pscustomobject]@{ Text = $text; Uri = $uri })
    }
    , @($links)
}

function Read-CommandHelp {
    # One platyPS-schema cmdlet markdown file to a command model.
    param($Doc, [string] $HelpFileName, [string] $ModuleName)
    $front = Read-FrontMatter $Doc
    if ($front.Values['external help file'] -ne $HelpFileName) {
        Stop-HelpSource $Doc 1 'front matter' "'external help file: $($front.Values['external help file'])' must be '$HelpFileName'"
    }
    if ($ModuleName -and $front.Values['Module Name'] -ne $ModuleName) {
        Stop-HelpSource $Doc 1 'front matter' "'Module Name: $($front.Values['Module Name'])' must be '$ModuleName'"
    }
    $blocks = Split-Markdown $Doc $front.BodyStart $Doc.Lines.Count
    $expected = $Doc.File.Name -replace '\.md$', ''
    $h1 = $blocks.Where({ $_.Kind -eq 'Heading' -and $_.Level -eq 1 })
    $first = $blocks.Where({ $_.Kind -ne 'Text' -or $_.Text.Trim() -ne '' }, 'First') | Select-Object -First 1
    if (-not $first -or $first.Kind -ne 'Heading' -or $first.Level -ne 1) {
        Stop-HelpSource $Doc ($(if ($first) { $first.Line } else { $front.BodyStart })) 'title' "the front matter must be followed by '# $expected'"
    }
    if (@($h1).Count -gt 1) { Stop-HelpSource $Doc @($h1)[1].Line 'title' "has a second '# ' title; sections are '## '" }
    $command = $first.Text.Trim()
    if ($command -cne $expected) { Stop-HelpSource $Doc $first.Line 'title' "the title '# $command' must match the file name '$expected'" }
    if ($command -notmatch '^(?<verb>[A-Za-z]+)-(?<noun>[A-Za-z0-9]+)$') { Stop-HelpSource $Doc $first.Line 'title' "'$command' is not a Verb-Noun command name" }
    $verb = $Matches.verb
    $noun = $Matches.noun

    # Sections: every '## ' in platyPS order, each exactly once.
    $sections = [ordered]@{}
    $current = $null
    $startIndex = $blocks.IndexOf($first) + 1
    for ($k = $startIndex; $k -lt $blocks.Count; $k++) {
        $block = $blocks[$k]
        if ($block.Kind -eq 'Heading' -and $block.Level -eq 2) {
            $title = $block.Text.Trim()
            if ($title -cnotin $script:SectionOrder) {
                Stop-HelpSource $Doc $block.Line "## $title" "unknown section; the sections are, in order: $(($script:SectionOrder | ForEach-Object { "## $_" }) -join ', ')"
            }
            if ($sections.Contains($title)) { Stop-HelpSource $Doc $block.Line "## $title" 'appears twice' }
            $previous = @($sections.Keys)
            if ($previous.Count -gt 0 -and $script:SectionOrder.IndexOf($title) -lt $script:SectionOrder.IndexOf($previous[-1])) {
                Stop-HelpSource $Doc $block.Line "## $title" "is out of order; it goes before '## $($previous[-1])' (order: $($script:SectionOrder -join ', '))"
            }
            $current = [pscustomobject]@{ Line = $block.Line; Blocks = [System.Collections.Generic.List[object]]::new() }
            $sections[$title] = $current
        }
        elseif ($null -eq $current) {
            if ($block.Kind -ne 'Text' -or $block.Text.Trim() -ne '') { Stop-HelpSource $Doc $block.Line 'title' "has text between '# $command' and '## SYNOPSIS'" }
        }
        else { $current.Blocks.Add($block) }
    }
    foreach ($title in $script:SectionOrder) {
        if (-not $sections.Contains($title)) { Stop-HelpSource $Doc 0 "## $title" "is missing (every section must be present, in order: $($script:SectionOrder -join ', '))" }
    }
    foreach ($title in 'SYNOPSIS', 'DESCRIPTION', 'NOTES') {
        $stray = $sections[$title].Blocks.Where({ $_.Kind -eq 'Heading' -and $_.Level -le 3 }, 'First') | Select-Object -First 1
        if ($stray) { Stop-HelpSource $Doc $stray.Line "## $title" "'$('#' * $stray.Level) $($stray.Text)' cannot appear here" }
    }

    $synopsis = ConvertTo-Paragraph $sections['SYNOPSIS'].Blocks
    if ($synopsis.Count -eq 0) { Stop-HelpSource $Doc $sections['SYNOPSIS'].Line '## SYNOPSIS' 'is empty; write one sentence on what the command does' }
    $description = ConvertTo-Paragraph $sections['DESCRIPTION'].Blocks
    if ($description.Count -eq 0) { Stop-HelpSource $Doc $sections['DESCRIPTION'].Line '## DESCRIPTION' 'is empty' }
    $syntax = Read-Syntax $Doc $command $sections['SYNTAX']
    $parameters = [System.Collections.Generic.List[object]]::new()
    foreach ($p in (Read-Parameters $Doc $sections['PARAMETERS'])) { $parameters.Add($p) }

    # Cross-check PARAMETERS against SYNTAX, set by set.
    $setNames = @($syntax | ForEach-Object Name)
    foreach ($p in $parameters) {
        $seen = @{}
        foreach ($b in $p.Blocks) {
            $resolved = if ($b.Sets.Count -eq 1 -and $b.Sets[0] -in '(All)', $script:AllSetsName) { $setNames } else { $b.Sets }
            foreach ($s in $resolved) {
                if ($s -notin $setNames) {
                    Stop-HelpSource $Doc $b.Line "## PARAMETERS / ### -$($p.Name)" "'Parameter Sets' names '$s', which is not a set under ## SYNTAX (sets: $(($setNames | ForEach-Object { if ($_ -eq $script:AllSetsName) { '(All)' } else { $_ } }) -join ', '))"
                }
                if ($seen.ContainsKey($s)) { Stop-HelpSource $Doc $b.Line "## PARAMETERS / ### -$($p.Name)" "two yaml blocks both cover parameter set '$s'" }
                $seen[$s] = $b
            }
        }
        $p | Add-Member -NotePropertyName BySet -NotePropertyValue $seen
    }
    foreach ($set in $syntax) {
        $where = if ($set.Name -eq $script:AllSetsName) { '## SYNTAX' } else { "## SYNTAX / ### $($set.Name)" }
        foreach ($shown in $set.Parameters) {
            if ($shown -in $script:CommonParameterNames) { continue }
            $documented = $parameters.Where({ $_.Name -eq $shown }, 'First') | Select-Object -First 1
            if (-not $documented -and $script:StandardParameters.ContainsKey($shown)) {
                $standard = $script:StandardParameters[$shown]
                $documented = [pscustomobject]@{ Name = $shown; Description = @($standard.Description); Line = 0; Synthesized = $true; BySet = @{}
                    Blocks = @([pscustomobject]@{ Line = 0; Type = 'SwitchParameter'; Sets = @(); Aliases = @($standard.Alias); AcceptedValues = @()
                            Required = $false; Position = 'named'; DefaultValue = 'False'; PipelineInput = 'False'; Globbing = $false })
                }
                $parameters.Add($documented)
            }
            if (-not $documented) { Stop-HelpSource $Doc $set.Line $where "shows -$shown, which ## PARAMETERS does not document" }
            if ($documented.Synthesized) { $documented.BySet[$set.Name] = $documented.Blocks[0] }
            elseif (-not $documented.BySet.ContainsKey($set.Name)) {
                Stop-HelpSource $Doc $documented.Line "## PARAMETERS / ### -$shown" "'Parameter Sets' leaves out '$($set.Name)', but that set's syntax shows -$shown"
            }
        }
        foreach ($p in $parameters) {
            if ($p.BySet.ContainsKey($set.Name) -and $set.Parameters -notcontains $p.Name) {
                Stop-HelpSource $Doc $set.Line $where "does not show -$($p.Name), which ## PARAMETERS puts in this parameter set"
            }
        }
    }

    [pscustomobject]@{
        Name          = $command
        Verb          = $verb
        Noun          = $noun
        OnlineVersion = if ($front.Values['online version']) { [string]$front.Values['online version'] }
                        elseif ($OnlineBaseUri) { $OnlineBaseUri + $Doc.File.Name } else { '' }
        Synopsis      = $synopsis
        Description   = $description
        Syntax        = $syntax
        Parameters    = @($parameters)
        Examples      = Read-Examples $Doc $sections['EXAMPLES']
        Inputs        = Read-TypeList $Doc $sections['INPUTS'] '## INPUTS'
        Outputs       = Read-TypeList $Doc $sections['OUTPUTS'] '## OUTPUTS'
        Notes         = ConvertTo-Paragraph $sections['NOTES'].Blocks
        Links         = Read-RelatedLinks $Doc $sections['RELATED LINKS']
    }
}

#endregion

#region MAML writing

$script:NsMsh = 'http://msh'
$script:NsMaml = 'http://schemas.microsoft.com/maml/2004/10'
$script:NsCommand = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
$script:NsDev = 'http://schemas.microsoft.com/maml/dev/2004/10'
$script:NsMSHelp = 'http://msdn.microsoft.com/mshelp'

function Write-Element {
    param([System.Xml.XmlWriter] $W, [string] $Prefix, [string] $Name, [string] $Text)
    $ns = switch ($Prefix) { 'maml' { $script:NsMaml } 'command' { $script:NsCommand } 'dev' { $script:NsDev } }
    $W.WriteStartElement($Prefix, $Name, $ns)
    $W.WriteString($Text)
    $W.WriteEndElement()
}

function Write-Description {
    # <maml:description> with one <maml:para> per paragraph (an empty para when there is none, as platyPS does).
    param([System.Xml.XmlWriter] $W, [string[]] $Paragraphs, [string] $Prefix = 'maml', [string] $Name = 'description')
    $W.WriteStartElement($Prefix, $Name, $(if ($Prefix -eq 'dev') { $script:NsDev } else { $script:NsMaml }))
    if (-not $Paragraphs -or $Paragraphs.Count -eq 0) { $Paragraphs = @('') }
    foreach ($p in $Paragraphs) { Write-Element $W 'maml' 'para' $p }
    $W.WriteEndElement()
}

function Write-Parameter {
    param([System.Xml.XmlWriter] $W, $Parameter, $Block, [bool] $InSyntax)
    $isSwitch = $Block.Type -in 'SwitchParameter', 'System.Management.Automation.SwitchParameter'
    $W.WriteStartElement('command', 'parameter', $script:NsCommand)
    $W.WriteAttributeString('required', $Block.Required.ToString().ToLowerInvariant())
    $W.WriteAttributeString('variableLength', 'true')
    $W.WriteAttributeString('globbing', $Block.Globbing.ToString().ToLowerInvariant())
    $W.WriteAttributeString('pipelineInput', $Block.PipelineInput)
    $W.WriteAttributeString('position', $Block.Position)
    $W.WriteAttributeString('aliases', $(if ($Block.Aliases.Count) { $Block.Aliases -join ', ' } else { 'none' }))
    Write-Element $W 'maml' 'name' $Parameter.Name
    Write-Description $W $Parameter.Description
    if ($InSyntax -and $Block.AcceptedValues.Count -gt 0) {
        $W.WriteStartElement('command', 'parameterValueGroup', $script:NsCommand)
        foreach ($v in $Block.AcceptedValues) {
            $W.WriteStartElement('command', 'parameterValue', $script:NsCommand)
            $W.WriteAttributeString('required', 'false')
            $W.WriteAttributeString('command', 'variableLength', $script:NsCommand, 'false')
            $W.WriteString($v)
            $W.WriteEndElement()
        }
        $W.WriteEndElement()
    }
    elseif (-not ($InSyntax -and $isSwitch)) {
        $W.WriteStartElement('command', 'parameterValue', $script:NsCommand)
        $W.WriteAttributeString('required', $(if ($isSwitch) { 'false' } else { 'true' }))
        $W.WriteAttributeString('variableLength', 'false')
        $W.WriteString($Block.Type)
        $W.WriteEndElement()
    }
    $W.WriteStartElement('dev', 'type', $script:NsDev)
    Write-Element $W 'maml' 'name' $Block.Type
    $W.WriteStartElement('maml', 'uri', $script:NsMaml); $W.WriteEndElement()
    $W.WriteEndElement()
    Write-Element $W 'dev' 'defaultValue' $Block.DefaultValue
    $W.WriteEndElement()
}

function Write-Command {
    param([System.Xml.XmlWriter] $W, $Command)
    $W.WriteStartElement('command', 'command', $script:NsCommand)
    $W.WriteAttributeString('xmlns', 'maml', $null, $script:NsMaml)
    $W.WriteAttributeString('xmlns', 'command', $null, $script:NsCommand)
    $W.WriteAttributeString('xmlns', 'dev', $null, $script:NsDev)
    $W.WriteAttributeString('xmlns', 'MSHelp', $null, $script:NsMSHelp)

    $W.WriteStartElement('command', 'details', $script:NsCommand)
    Write-Element $W 'command' 'name' $Command.Name
    Write-Element $W 'command' 'verb' $Command.Verb
    Write-Element $W 'command' 'noun' $Command.Noun
    Write-Description $W $Command.Synopsis
    $W.WriteEndElement()

    Write-Description $W $Command.Description

    # Syntax: the default set first (that is what Get-Help shows first), each set's parameters in the
    # order its SYNTAX block shows them.
    $W.WriteStartElement('command', 'syntax', $script:NsCommand)
    $orderedSets = @($Command.Syntax | Where-Object IsDefault) + @($Command.Syntax | Where-Object { -not $_.IsDefault })
    foreach ($set in $orderedSets) {
        $W.WriteStartElement('command', 'syntaxItem', $script:NsCommand)
        Write-Element $W 'maml' 'name' $Command.Name
        foreach ($name in $set.Parameters) {
            $p = $Command.Parameters.Where({ $_.Name -eq $name }, 'First') | Select-Object -First 1
            if ($p) { Write-Parameter $W $p $p.BySet[$set.Name] $true }
        }
        $W.WriteEndElement()
    }
    $W.WriteEndElement()

    $W.WriteStartElement('command', 'parameters', $script:NsCommand)
    foreach ($p in $Command.Parameters) { Write-Parameter $W $p $p.Blocks[0] $false }
    $W.WriteEndElement()

    foreach ($kind in @(
            @{ List = $Command.Inputs; Outer = 'inputTypes'; Inner = 'inputType' },
            @{ List = $Command.Outputs; Outer = 'returnValues'; Inner = 'returnValue' })) {
        $W.WriteStartElement('command', $kind.Outer, $script:NsCommand)
        foreach ($t in $kind.List) {
            $W.WriteStartElement('command', $kind.Inner, $script:NsCommand)
            $W.WriteStartElement('dev', 'type', $script:NsDev)
            Write-Element $W 'maml' 'name' $t.Type
            $W.WriteEndElement()
            Write-Description $W $t.Description
            $W.WriteEndElement()
        }
        $W.WriteEndElement()
    }

    $W.WriteStartElement('maml', 'alertSet', $script:NsMaml)
    $W.WriteStartElement('maml', 'alert', $script:NsMaml)
    $notes = if ($Command.Notes.Count) { $Command.Notes } else { @('') }
    foreach ($n in $notes) { Write-Element $W 'maml' 'para' $n }
    $W.WriteEndElement()
    $W.WriteEndElement()

    $W.WriteStartElement('command', 'examples', $script:NsCommand)
    foreach ($e in $Command.Examples) {
        $W.WriteStartElement('command', 'example', $script:NsCommand)
        Write-Element $W 'maml' 'title' "-------------------------- $($e.Title) --------------------------"
        Write-Element $W 'dev' 'code' $e.Code
        Write-Description $W $e.Remarks 'dev' 'remarks'
        $W.WriteEndElement()
    }
    $W.WriteEndElement()

    $W.WriteStartElement('command', 'relatedLinks', $script:NsCommand)
    $links = @()
    if ($Command.OnlineVersion) { $links += [pscustomobject]@{ Text = 'Online Version:'; Uri = $Command.OnlineVersion } }
    $links += $Command.Links
    foreach ($link in $links) {
        $W.WriteStartElement('maml', 'navigationLink', $script:NsMaml)
        Write-Element $W 'maml' 'linkText' $link.Text
        Write-Element $W 'maml' 'uri' $link.Uri
        $W.WriteEndElement()
    }
    $W.WriteEndElement()

    $W.WriteEndElement()
}

function ConvertTo-MamlBytes {
    param($Commands)
    $stream = [System.IO.MemoryStream]::new()
    $settings = [System.Xml.XmlWriterSettings]::new()
    $settings.Indent = $true
    $settings.IndentChars = '  '
    $settings.NewLineChars = "`n"
    $settings.NewLineHandling = [System.Xml.NewLineHandling]::Replace
    $settings.Encoding = [System.Text.UTF8Encoding]::new($false)
    $w = [System.Xml.XmlWriter]::Create($stream, $settings)
    try {
        $w.WriteStartDocument()
        $w.WriteStartElement('helpItems', $script:NsMsh)
        $w.WriteAttributeString('schema', 'maml')
        foreach ($c in $Commands) { Write-Command $w $c }
        $w.WriteEndElement()
        $w.WriteEndDocument()
    }
    finally { $w.Dispose() }
    $stream.ToArray()
}

#endregion

#region About topics

function Format-Wrapped {
    # Word-wraps one paragraph at 80 columns with a hanging indent for list items.
    param([string] $Text, [int] $Indent, [int] $Width = 80)
    $prefix = ' ' * $Indent
    $hang = $prefix
    if ($Text -match '^(?<marker>([-*+]|\d+[.)])\s+)') { $hang = ' ' * ($Indent + $Matches.marker.Length) }
    $out = [System.Collections.Generic.List[string]]::new()
    foreach ($hardLine in $Text -split "`n") {
        $line = $prefix
        $lineHasWords = $false
        foreach ($word in ($hardLine -split ' +').Where({ $_ })) {
            if ($lineHasWords -and ($line.Length + 1 + $word.Length) -gt $Width) {
                $out.Add($line)
                $line = $hang + $word
            }
            else { $line = if ($lineHasWords) { "$line $word" } else { $line + $word } }
            $lineHasWords = $true
        }
        $out.Add($line)
        $prefix = $hang
    }
    $out
}

function ConvertTo-AboutText {
    # about_*.help.md to the classic about-topic text layout. Line 5 must be the short description: that is
    # the line Get-Help shows as the topic's synopsis.
    param($Doc)
    $expected = $Doc.File.Name -replace '\.help\.md$', ''
    $blocks = Split-Markdown $Doc 0 $Doc.Lines.Count
    $first = $blocks.Where({ $_.Kind -ne 'Text' -or $_.Text.Trim() -ne '' }, 'First') | Select-Object -First 1
    if ($first -and $first.Kind -eq 'Text' -and $first.Text.Trim() -eq '---') {
        Stop-HelpSource $Doc $first.Line 'title' 'about topics carry no front matter; start with # about_Name'
    }
    if (-not $first -or $first.Kind -ne 'Heading' -or $first.Level -ne 1 -or $first.Text.Trim() -cne $expected) {
        Stop-HelpSource $Doc ($(if ($first) { $first.Line } else { 1 })) 'title' "must start with '# $expected'"
    }
    $sections = [System.Collections.Generic.List[object]]::new()
    $current = $null
    for ($k = $blocks.IndexOf($first) + 1; $k -lt $blocks.Count; $k++) {
        $block = $blocks[$k]
        if ($block.Kind -eq 'Heading' -and $block.Level -le 2) {
            if ($block.Level -eq 1) { Stop-HelpSource $Doc $block.Line 'title' "has a second '# ' title; sections are '## '" }
            $current = [pscustomobject]@{ Title = $block.Text.Trim().ToUpperInvariant(); Line = $block.Line; Blocks = [System.Collections.Generic.List[object]]::new() }
            $sections.Add($current)
        }
        elseif ($null -eq $current) {
            if ($block.Kind -ne 'Text' -or $block.Text.Trim() -ne '') { Stop-HelpSource $Doc $block.Line 'title' "has text before '## SHORT DESCRIPTION'" }
        }
        else { $current.Blocks.Add($block) }
    }
    if ($sections.Count -lt 2 -or $sections[0].Title -ne 'SHORT DESCRIPTION' -or $sections[1].Title -ne 'LONG DESCRIPTION') {
        Stop-HelpSource $Doc $first.Line '## SHORT DESCRIPTION' "an about topic starts with '## SHORT DESCRIPTION' then '## LONG DESCRIPTION'"
    }
    $short = ConvertTo-Paragraph $sections[0].Blocks
    if ($short.Count -ne 1 -or $short[0].Contains("`n")) {
        Stop-HelpSource $Doc $sections[0].Line '## SHORT DESCRIPTION' 'must be exactly one paragraph of plain text'
    }

    $out = [System.Collections.Generic.List[string]]::new()
    $out.Add('TOPIC'); $out.Add("    $expected"); $out.Add('')
    $out.Add('SHORT DESCRIPTION'); $out.Add("    $($short[0])")
    foreach ($section in $sections | Select-Object -Skip 1) {
        $out.Add(''); $out.Add($section.Title)
        $pending = [System.Collections.Generic.List[object]]::new()
        $flush = {
            $paragraphs = ConvertTo-Paragraph $pending
            for ($n = 0; $n -lt $paragraphs.Count; $n++) {
                $p = $paragraphs[$n]
                if ($p -match '(^|\n)\|') { foreach ($row in $p -split "`n") { $out.Add("    $row") } }
                else { foreach ($l in (Format-Wrapped $p 4)) { $out.Add($l) } }
                # Consecutive list items stay together; everything else is separated by a blank line.
                $isItem = { param($x) $x -match '^([-*+]|\d+[.)])\s+' }
                if (-not ((& $isItem $p) -and $n + 1 -lt $paragraphs.Count -and (& $isItem $paragraphs[$n + 1]))) { $out.Add('') }
            }
            $pending.Clear()
        }
        foreach ($block in $section.Blocks) {
            switch ($block.Kind) {
                'Heading' { & $flush; $out.Add('  ' + (ConvertFrom-InlineMarkdown $block.Text.Trim())); $out.Add('') }
                'Fence' { & $flush; foreach ($l in $block.Content) { $out.Add($(if ($l) { "        $l" } else { '' })) }; $out.Add('') }
                default { $pending.Add($block) }
            }
        }
        & $flush
        while ($out.Count -gt 0 -and $out[-1] -eq '') { $out.RemoveAt($out.Count - 1) }
    }
    [pscustomobject]@{ Name = $expected; Text = (($out | ForEach-Object { $_.TrimEnd() }) -join "`n") + "`n" }
}

#endregion

#region Main

function Write-FileAtomically {
    # Writes next to the target, then renames over it, so no reader ever sees half a file.
    param([string] $Path, [byte[]] $Bytes)
    $temp = "$Path.$([guid]::NewGuid().ToString('n')).tmp"
    try {
        [System.IO.File]::WriteAllBytes($temp, $Bytes)
        [System.IO.File]::Move($temp, $Path, $true)
    }
    finally { if (Test-Path -LiteralPath $temp) { Remove-Item -LiteralPath $temp -Force } }
    Get-Item -LiteralPath $Path
}

$docs = Resolve-Path -LiteralPath $DocsPath -ErrorAction SilentlyContinue
if (-not $docs -or -not (Test-Path -LiteralPath $docs -PathType Container)) {
    # throw, not ThrowTerminatingError: the calling build script must stop too, whatever its ErrorAction.
    throw [System.Management.Automation.ErrorRecord]::new(
        [System.IO.DirectoryNotFoundException]::new("Build-Help: the docs folder '$DocsPath' does not exist."),
        'HelpDocsPathNotFound', [System.Management.Automation.ErrorCategory]::ObjectNotFound, $DocsPath)
}
$helpFileName = "$ModuleAssemblyName-Help.xml"
$allMarkdown = @(Get-ChildItem -LiteralPath $docs -Filter '*.md' -File | Sort-Object Name)

$failures = [System.Collections.Generic.List[string]]::new()
$commands = [System.Collections.Generic.List[object]]::new()
$abouts = [System.Collections.Generic.List[object]]::new()
foreach ($file in $allMarkdown) {
    try {
        $doc = Read-HelpSource $file
        if ($file.Name -like 'about_*') {
            if ($file.Name -notlike 'about_*.help.md') { Stop-HelpSource $doc 0 '' "an about topic's file name must end in .help.md" }
            $abouts.Add((ConvertTo-AboutText $doc))
        }
        else {
            $commands.Add((Read-CommandHelp $doc $helpFileName $ModuleName))
        }
        Write-Verbose "Read $($doc.DisplayPath)"
    }
    catch [HelpSourceException] {
        $failures.Add($_.Exception.Message)
    }
}
if ($failures.Count -gt 0) {
    $message = "Build-Help: $($failures.Count) markdown file(s) malformed; no help was written:`n  " + ($failures -join "`n  ")
    throw [System.Management.Automation.ErrorRecord]::new(
        [System.IO.InvalidDataException]::new($message), 'HelpMarkdownMalformed',
        [System.Management.Automation.ErrorCategory]::InvalidData, $DocsPath)
}

$leaf = Split-Path -Leaf $OutputPath
$culture = try { [System.Globalization.CultureInfo]::GetCultureInfo($leaf).Name } catch { '' }
if ($culture -cne $leaf) {
    # Get-Help looks for <module>/<culture>/, spelled exactly like the culture name on case-sensitive file systems.
    Write-Warning "Build-Help: Get-Help looks for help in a folder named after a culture, spelled exactly (such as en-US); '$leaf' is not one."
}
$null = New-Item -ItemType Directory -Path $OutputPath -Force
$outDir = (Resolve-Path -LiteralPath $OutputPath).ProviderPath
$written = [System.Collections.Generic.List[object]]::new()
if ($commands.Count -gt 0) {
    $bytes = ConvertTo-MamlBytes $commands
    $written.Add((Write-FileAtomically (Join-Path $outDir $helpFileName) $bytes))
    Write-Verbose "Wrote $helpFileName with $($commands.Count) command(s): $(($commands | ForEach-Object Name) -join ', ')"
}
else {
    Write-Warning "Build-Help: no cmdlet markdown in '$DocsPath'; $helpFileName was not written."
}
foreach ($about in $abouts) {
    $bytes = [System.Text.UTF8Encoding]::new($false).GetBytes($about.Text)
    $written.Add((Write-FileAtomically (Join-Path $outDir "$($about.Name).help.txt") $bytes))
    Write-Verbose "Wrote $($about.Name).help.txt"
}
if ($PassThru) { $written }

#endregion
