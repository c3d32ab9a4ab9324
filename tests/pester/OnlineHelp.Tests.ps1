<#
.SYNOPSIS
    Get-Help -Online works for every cmdlet: each has a HelpUri, each related link carries a URI, and the manifest's
    HelpInfoUri is the project's docs.

.DESCRIPTION
    The docs' base URL is stated once, as ZymDocsBaseUri in Directory.Build.props. The cmdlets' HelpUri (a generated
    constant), the packaged manifest's HelpInfoUri and the built help's related links (tools/Build-Help.ps1
    -OnlineBaseUri, run by build.ps1 -Task Package) all come from it; this file checks each against it.
#>

BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $module = Import-Module $script:ModuleManifest -PassThru -Force -ErrorAction Stop
    $commandCases = @(Get-Command -Module $module.Name -CommandType Cmdlet | Sort-Object Name | ForEach-Object { @{ Name = $_.Name } })
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $module = Import-Module $script:ModuleManifest -PassThru -Force -ErrorAction Stop
    $script:DocsBase = ([xml](Get-Content -Raw (Join-Path $script:RepoRoot 'Directory.Build.props'))).Project.PropertyGroup.ZymDocsBaseUri |
        Where-Object { $_ } | Select-Object -First 1
    $script:DocsFolder = Join-Path $script:RepoRoot 'docs/en-US'
}

Describe 'The docs base URL' {
    It 'is stated in Directory.Build.props as an https folder URL' {
        $script:DocsBase | Should -Match '^https://\S+/$'
    }

    It 'is the packaged manifest''s HelpInfoUri' {
        (Import-PowerShellDataFile $script:ModuleManifest).HelpInfoUri | Should -BeExactly $script:DocsBase
        (Get-Module ZymAwsProvisioning).HelpInfoUri | Should -BeExactly $script:DocsBase
    }

    It 'is the HelpInfoUri the source manifest carries too' {
        (Import-PowerShellDataFile (Join-Path $script:RepoRoot 'ZymAwsProvisioning.psd1')).HelpInfoUri | Should -BeExactly $script:DocsBase
    }
}

Describe '<Name> online help' -ForEach $commandCases {
    BeforeAll {
        $command = Get-Command $Name
        $page = "$($script:DocsBase)$Name.md"
        $links = @((Get-Help $Name -Full).relatedLinks.navigationLink)
    }

    It 'has a HelpUri: its page in the docs' {
        $command.HelpUri | Should -BeExactly $page
        Test-Path (Join-Path $script:DocsFolder "$Name.md") | Should -BeTrue -Because 'the HelpUri names the page of the markdown help source'
    }

    It 'opens its own page first (the link Get-Help -Online follows)' {
        $links.Count | Should -BeGreaterThan 0
        $links[0].uri | Should -BeExactly $page
    }

    It 'has a URI on every related link' {
        foreach ($link in $links) {
            $link.uri | Should -Match '^https?://\S+$' -Because "the related link '$($link.linkText)' of $Name needs a URI"
        }
    }

    It 'points every link into the docs at a page that exists' {
        foreach ($link in $links | Where-Object { $_.uri.StartsWith($script:DocsBase) }) {
            $relative = [System.Uri]::UnescapeDataString($link.uri.Substring($script:DocsBase.Length)) -replace '#.*$', ''
            Test-Path (Join-Path $script:DocsFolder $relative) | Should -BeTrue -Because "'$($link.linkText)' links to $($link.uri)"
        }
    }
}

Describe 'Get-Help -Online' {
    It 'hands the command''s page to the system browser' -Skip:(-not $IsLinux) {
        # .NET opens a URL on Linux with the first xdg-open on PATH: put a recording one first.
        $bin = Join-Path $TestDrive 'bin'
        New-Item -ItemType Directory -Path $bin | Out-Null
        $record = Join-Path $TestDrive 'opened.txt'
        Set-Content -Path (Join-Path $bin 'xdg-open') -Value "#!/bin/sh`nprintf '%s' `"`$1`" > '$record'`n"
        chmod +x (Join-Path $bin 'xdg-open')
        $savedPath = $env:PATH
        try {
            $env:PATH = "$bin$([System.IO.Path]::PathSeparator)$savedPath"
            Get-Help Get-ZymDevice -Online
            $deadline = [DateTime]::UtcNow.AddSeconds(10)
            while (-not (Test-Path $record) -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
        }
        finally { $env:PATH = $savedPath }
        Get-Content -Raw $record | Should -BeExactly "$($script:DocsBase)Get-ZymDevice.md"
    }
}

Describe 'Build-Help -OnlineBaseUri' {
    BeforeAll {
        $script:BuildHelp = Join-Path $script:RepoRoot 'tools/Build-Help.ps1'
        $script:Docs = Join-Path $TestDrive 'docs'
        New-Item -ItemType Directory -Path $script:Docs | Out-Null
        $page = Get-Content -Raw (Join-Path $script:DocsFolder 'Get-ZymDeviceId.md')
        $page = $page -replace '(?s)## RELATED LINKS.*$', "## RELATED LINKS`n`n[Nowhere](Nowhere.md)`n"
        Set-Content -Path (Join-Path $script:Docs 'Get-ZymDeviceId.md') -Value $page -NoNewline
    }

    It 'refuses a relative related link to a file that is not there' {
        { & $script:BuildHelp -DocsPath $script:Docs -OutputPath (Join-Path $TestDrive 'out1/en-US') -OnlineBaseUri 'https://example.com/docs/' } |
            Should -Throw -ExpectedMessage "*links to 'Nowhere.md', which is not a file beside this one*"
    }

    It 'leaves relative links without a URI when no base is given (as platyPS)' {
        & $script:BuildHelp -DocsPath $script:Docs -OutputPath (Join-Path $TestDrive 'out2/en-US')
        $maml = [xml](Get-Content -Raw (Join-Path $TestDrive 'out2/en-US/ZymAws.Provisioning.dll-Help.xml'))
        $links = @($maml.helpItems.command.relatedLinks.navigationLink)
        $links.Count | Should -Be 1
        $links[0].linkText | Should -Be 'Nowhere'
        $links[0].uri | Should -BeNullOrEmpty
    }
}
