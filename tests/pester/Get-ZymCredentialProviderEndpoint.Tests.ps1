BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    Import-Module $script:ModuleManifest -Force
    $script:Moto = Start-TestMoto
    $script:Aws = Get-TestAwsParameters $script:Moto -Region 'eu-west-1'
}

AfterAll { Stop-TestMoto $script:Moto }

Describe 'Get-ZymCredentialProviderEndpoint' {
    It 'returns the host split into prefix and region, as the AWS CLI sees it' {
        $endpoint = Get-ZymCredentialProviderEndpoint @script:Aws
        $endpoint | Should -BeOfType ([ZymAws.Provisioning.CredentialProviderEndpoint])
        $endpoint.Host | Should -Match '^[a-z0-9]+\.credentials\.iot\.eu-west-1\.amazonaws\.com$'
        $endpoint.Prefix | Should -Be ($endpoint.Host -split '\.')[0]
        $endpoint.Region | Should -Be 'eu-west-1'
        $endpoint.Url | Should -Be "https://$($endpoint.Host)"

        # moto hands out a random prefix per call, so compare the shape, not the value.
        $cli = Invoke-AwsCli $script:Moto iot describe-endpoint --endpoint-type iot:CredentialProvider --region eu-west-1
        ($cli.endpointAddress -replace '^[a-z0-9]+', 'P') | Should -Be ($endpoint.Host -replace '^[a-z0-9]+', 'P')
    }

    It 'shows the AWS call on the verbose stream and never the secret key' {
        $secret = 'NeverShowThisSecret0123456789abcdefABCDEF'
        $params = $script:Aws.Clone(); $params.SecretKey = $secret; $params.SessionToken = 'NeverShowThisToken42'
        $verbose = Get-ZymCredentialProviderEndpoint @params -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        ($verbose.Message -join "`n") | Should -Match 'DescribeEndpoint'
        ($verbose.Message -join "`n") | Should -Not -Match 'NeverShowThis'
    }

    It 'takes the region from $StoredAWSRegion as AWS.Tools does' {
        $global:StoredAWSRegion = 'ap-southeast-2'
        try {
            $params = $script:Aws.Clone(); $params.Remove('Region')
            (Get-ZymCredentialProviderEndpoint @params).Region | Should -Be 'ap-southeast-2'
        }
        finally { Remove-Variable -Name StoredAWSRegion -Scope Global }
    }

    It 'fails the command with a clear error when the endpoint cannot be reached' {
        $closedPort = Get-FreeTcpPort
        $params = $script:Aws.Clone(); $params.EndpointUrl = "http://127.0.0.1:$closedPort"
        { Get-ZymCredentialProviderEndpoint @params -ErrorAction Stop } | Should -Throw
    }
}
