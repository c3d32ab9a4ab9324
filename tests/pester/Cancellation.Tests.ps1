# Ctrl+C (StopProcessing) must cancel in-flight AWS requests, not wait for their timeouts.
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    Import-Module $script:ModuleManifest -Force
}

Describe 'Stopping a cmdlet' {
    It 'cancels an AWS call to an endpoint that never answers, promptly' {
        # A real listener that accepts connections and never says a word.
        $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $listener.Start()
        $accepted = [System.Collections.Generic.List[object]]::new()
        $acceptLoop = [powershell]::Create().AddScript({
                param($l, $list)
                while ($true) { $list.Add($l.AcceptTcpClient()) }
            }).AddArgument($listener).AddArgument($accepted)
        $null = $acceptLoop.BeginInvoke()
        try {
            $ps = [powershell]::Create()
            $null = $ps.AddCommand('Import-Module').AddArgument($script:ModuleManifest).AddStatement()
            $null = $ps.AddCommand('Get-ZymCredentialProviderEndpoint').
                AddParameter('EndpointUrl', "http://127.0.0.1:$($listener.LocalEndpoint.Port)").
                AddParameter('Region', 'us-east-1').AddParameter('AccessKey', 'testing').AddParameter('SecretKey', 'testing')
            $handle = $ps.BeginInvoke()
            $deadline = [DateTime]::UtcNow.AddSeconds(20)
            while ($accepted.Count -eq 0 -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
            $accepted.Count | Should -BeGreaterThan 0 -Because 'the request must be in flight before we stop it'

            $watch = [System.Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            # (The async result is signalled a moment after Stop returns: wait for it, within the same bound.)
            $handle.AsyncWaitHandle.WaitOne(10000) | Should -BeTrue
            $watch.Stop()
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
            # The attempt timeout is 30 s and there are 5 attempts: stopping must not wait for any of that.
            $watch.Elapsed.TotalSeconds | Should -BeLessThan 10
        }
        finally {
            $listener.Stop()
            $acceptLoop.Stop(); $acceptLoop.Dispose()
            foreach ($client in $accepted) { $client.Dispose() }
        }
    }
}
