#Requires -Version 7.2
<#
.SYNOPSIS
    Runs a walkthrough script step by step and writes what an operator would see: each command after "PS>", then its
    output. The docs' transcripts (docs/walkthrough.md, docs/migrating-from-the-shell-scripts.md, README) come from it.

.DESCRIPTION
    -Script is a .ps1 file of steps separated by lines '#### Title' (a step shown in the transcript) or '#### -Title'
    (a step that runs but is not shown: setup that a real operator does differently, such as typing a passphrase).
    Every step runs in this one session (dot-sourced, so variables carry over), and its output is rendered as the
    console would render it, 120 columns wide. The transcript is markdown: one '#### Title', a powershell block with
    the command and a text block with the output.

.EXAMPLE
    ./tools/Record-Transcript.ps1 -Script ./walkthrough-steps.ps1 -OutFile ./transcript.md
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $Script,
    [Parameter(Mandatory)] [string] $OutFile,
    [int] $Width = 120
)
$ErrorActionPreference = 'Continue'
$PSStyle.OutputRendering = 'PlainText'
$ZymRecordSteps = [System.Collections.Generic.List[object]]::new()
$ZymRecordCurrent = $null
foreach ($line in (Get-Content -LiteralPath $Script)) {
    if ($line -match '^#### (?<hidden>-)?(?<title>.+)$') {
        $ZymRecordCurrent = [pscustomobject]@{ Title = $Matches.title.Trim(); Hidden = [bool]$Matches.hidden; Lines = [System.Collections.Generic.List[string]]::new() }
        $ZymRecordSteps.Add($ZymRecordCurrent)
    }
    elseif ($ZymRecordCurrent) { $ZymRecordCurrent.Lines.Add($line) }
}
$ZymRecordOut = [System.Text.StringBuilder]::new()
foreach ($ZymRecordStep in $ZymRecordSteps) {
    $ZymRecordCode = ($ZymRecordStep.Lines -join "`n").Trim()
    Write-Host "--- $($ZymRecordStep.Title)" -ForegroundColor Cyan
    $ZymRecordText = try {
        . ([scriptblock]::Create($ZymRecordCode)) 2>&1 3>&1 | Out-String -Width $Width
    }
    catch { $_ | Out-String -Width $Width }
    if ($ZymRecordStep.Hidden) { Write-Host $ZymRecordText; continue }
    $ZymRecordShown = ($ZymRecordCode -split "`n" | ForEach-Object -Begin { $first = $true } -Process {
            if ($first) { "PS> $_"; $first = $false } else { ">> $_" } }) -join "`n"
    # Blank lines Format-Table/List put around their output are trimmed; the rest is as printed.
    $ZymRecordText = ($ZymRecordText -replace "`r", '' -replace '\x1b\[[0-9;]*m', '').Trim("`n").TrimEnd()
    [void]$ZymRecordOut.Append("#### $($ZymRecordStep.Title)`n`n``````powershell`n$ZymRecordShown`n```````n")
    if ($ZymRecordText) { [void]$ZymRecordOut.Append("`n``````text`n$ZymRecordText`n```````n") }
    [void]$ZymRecordOut.Append("`n")
    Write-Host $ZymRecordText
}
Set-Content -LiteralPath $OutFile -Value $ZymRecordOut.ToString() -NoNewline
