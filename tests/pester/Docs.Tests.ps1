<#
.SYNOPSIS
    The about topics are complete: every error id the module can raise is explained in
    about_ZymAwsProvisioning_Troubleshooting, and the security topic covers what an operator needs to silence devices.

.DESCRIPTION
    Error ids are read from the C# sources (src/**/*.cs), wherever one is made:
    - the first argument of new ZymException / ZymkeyException / CredentialProviderException (a literal, a ternary of
      literals, or a constant such as PkiErrorIds.CsrMalformed);
    - any id followed by a ZymErrorCategory (target-typed new(...) and base(...) calls);
    - ErrorRecords.InvalidArgument("Id", ...) and new ErrorRecord(exception, "Id", ErrorCategory.X, ...);
    - the credentials provider's refusal table (CredentialRefusal: new(CredentialCheck.X, status, type, message, "Id", fix)).
    A creation site whose id this reader cannot make out fails the test, so a new way of making ids cannot slip past.
    Ids made at run time from AWS's answers (AwsServiceException: Iot, Iam or Sts plus AWS's error code) are
    checked as a family: the topic names each prefix and each code the module itself produces.
    Each id must be the title of a '###' subsection of the topic's markdown source (docs/en-US/*.help.md).
#>

BeforeDiscovery {
    $root = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path

    function Get-ModuleErrorId {
        param([string] $SourceRoot)
        $files = Get-ChildItem -Path $SourceRoot -Recurse -Filter '*.cs' -File | Where-Object FullName -NotMatch '[\\/](obj|bin)[\\/]'
        $texts = @{}
        foreach ($f in $files) { $texts[$f.FullName] = [System.IO.File]::ReadAllText($f.FullName) }
        $constants = @{}
        foreach ($t in $texts.Values) {
            foreach ($m in [regex]::Matches($t, 'const\s+string\s+(\w+)\s*=\s*"([A-Z]\w*)"')) { $constants[$m.Groups[1].Value] = $m.Groups[2].Value }
        }
        $ids = @{}
        $unreadable = [System.Collections.Generic.List[string]]::new()
        $add = {
            param([string] $expression, [string] $where)
            $found = @([regex]::Matches($expression, '"([A-Z]\w*)"') | ForEach-Object { $_.Groups[1].Value })
            $found += @([regex]::Matches($expression, '\b\w+\.(\w+)\b') | ForEach-Object { $constants[$_.Groups[1].Value] } | Where-Object { $_ })
            foreach ($id in $found) { if (-not $ids.ContainsKey($id)) { $ids[$id] = $where } }
            # A variable or a property of another error (e.errorId, refusal.ErrorId) passes an existing id on.
            if ($found.Count -eq 0 -and $expression.Trim() -notmatch '^(\w+|\w+\.ErrorId|\w+\.InvalidErrorId)$') { $unreadable.Add("${where}: $($expression.Trim())") }
        }
        $argument = '(?<arg>(?:"(?:[^"\\]|\\.)*"|[^,"()])+)'
        foreach ($file in $texts.Keys) {
            $t = $texts[$file]
            $name = Split-Path -Leaf $file
            $line = { param([int] $index) $name + ':' + ($t.Substring(0, $index) -split "`n").Count }
            # Every new ZymException(...) family construction: its first argument.
            foreach ($site in [regex]::Matches($t, 'new\s+(?:Zym|Zymkey|CredentialProvider)Exception\s*\(')) {
                $m = [regex]::new('\G\s*' + $argument + '\s*,').Match($t, $site.Index + $site.Length)
                if (-not $m.Success) { $unreadable.Add("$(& $line $site.Index): cannot read the first argument"); continue }
                & $add $m.Groups['arg'].Value (& $line $site.Index)
            }
            # Target-typed new(...) and base(...): an id right before a ZymErrorCategory.
            foreach ($m in [regex]::Matches($t, '[(,]\s*' + $argument + '\s*,\s*ZymErrorCategory\.')) {
                & $add $m.Groups['arg'].Value (& $line $m.Index)
            }
            foreach ($m in [regex]::Matches($t, 'ErrorRecords\.InvalidArgument\s*\(\s*' + $argument + '\s*,')) {
                & $add $m.Groups['arg'].Value (& $line $m.Index)
            }
            foreach ($m in [regex]::Matches($t, 'new\s+ErrorRecord\s*\((?:[^;]*?),\s*' + $argument + '\s*,\s*ErrorCategory\.')) {
                & $add $m.Groups['arg'].Value (& $line $m.Index)
            }
            # The credentials provider's refusals: new(CredentialCheck.X, status, errorType, "message", "ErrorId", "fix").
            foreach ($m in [regex]::Matches($t, 'new\(\s*CredentialCheck\.\w+\s*,\s*[^,]+,\s*[^,]+,\s*"[^"]*"\s*,\s*"([A-Z]\w*)"')) {
                $ids[$m.Groups[1].Value] = & $line $m.Index
            }
        }
        [pscustomobject]@{ Ids = $ids; Unreadable = @($unreadable) }
    }

    $found = Get-ModuleErrorId (Join-Path $root 'src')
    $idCases = @($found.Ids.Keys | Sort-Object | ForEach-Object { @{ Id = $_; Where = $found.Ids[$_] } })
    $sourceCase = @{ Ids = @($found.Ids.Keys); Unreadable = $found.Unreadable }
}

BeforeAll {
    $root = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    $script:TroubleshootingPath = Join-Path $root 'docs/en-US/about_ZymAwsProvisioning_Troubleshooting.help.md'
    $script:Troubleshooting = Get-Content -Raw $script:TroubleshootingPath
    $script:Headings = @([regex]::Matches($script:Troubleshooting, '(?m)^###\s+(.+?)\s*$') | ForEach-Object { $_.Groups[1].Value })
    $script:SecurityPath = Join-Path $root 'docs/en-US/about_ZymAwsProvisioning_Security.help.md'
}

Describe 'The error ids read from the sources' -ForEach $sourceCase {
    It 'are all readable (no creation site whose id cannot be made out)' {
        $Unreadable | Should -BeNullOrEmpty
    }

    It 'include the ids of every kind of creation site' {
        # One of each way, so a reader that stopped finding a kind fails here rather than passing vacuously.
        $known = 'CsrMalformed', 'CredentialProviderUnavailable', 'CredentialRequestFailed', 'FileExists', 'ZymkeyLibraryNotFound',
        'DefaultNotGiven', 'CredentialEndpointNotFound', 'PathNotFound', 'CredentialAccessDenied', 'CredentialEndpointInvalid', 'CredentialHelperFault'
        foreach ($id in $known) { $Ids | Should -Contain $id }
        $Ids.Count | Should -BeGreaterThan 120
    }
}

Describe 'about_ZymAwsProvisioning_Troubleshooting' {
    It 'explains <Id> (raised at <Where>)' -ForEach $idCases {
        $titled = @($script:Headings | Where-Object { ($_ -split '[\s,/]+') -contains $Id })
        $titled | Should -Not -BeNullOrEmpty -Because "every error id the module raises needs '### $Id' with its cause and fix in $(Split-Path -Leaf $script:TroubleshootingPath)"
    }

    It 'explains the AWS service errors as a family: <_>' -ForEach @('Iot', 'Iam', 'Sts', 'RequestTimeout', 'ConnectionFailure', 'MalformedResponse', 'Throttling', 'AccessDenied', 'ResourceAlreadyExists', 'NoSuchEntity') {
        $script:Troubleshooting | Should -Match ([regex]::Escape($_))
    }

    It 'gives a cause and a fix under every error heading' {
        $sections = [regex]::Split($script:Troubleshooting, '(?m)^###\s+') | Select-Object -Skip 1
        foreach ($section in $sections) {
            $title = ($section -split "`n")[0]
            $section | Should -Match '(?m)^Cause:' -Because "'### $title' needs a Cause: line"
            $section | Should -Match '(?m)^Fix:' -Because "'### $title' needs a Fix: line"
        }
    }
}

Describe 'about_ZymAwsProvisioning_Security' {
    It 'covers <_>' -ForEach @('Disable-ZymDevice', 'Disable-ZymCertificateAuthority', 'Remove-ZymCredentialProvider', 'zymaws-credential',
        'iot:AssumeRoleWithCertificate', 'Get-ZymProvisionerPolicy', '0600', 'Revoke') {
        Get-Content -Raw $script:SecurityPath | Should -Match ([regex]::Escape($_))
    }
}
