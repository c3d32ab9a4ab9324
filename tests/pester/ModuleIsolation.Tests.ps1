# The module must share a session with AWS.Tools, whose AWSSDK.Core has the same assembly version but another build.
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $script:Moto = Start-TestMoto
    $nuget = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path ([Environment]::GetFolderPath('UserProfile')) '.nuget/packages' }
    $script:ForeignAwsSdk = Join-Path $nuget 'awssdk.core/4.0.3.3/lib/net8.0/AWSSDK.Core.dll'
    $script:ForeignBouncyCastle = Join-Path $nuget 'bouncycastle.cryptography/2.4.0/lib/net6.0/BouncyCastle.Cryptography.dll'
    if (-not (Test-Path $script:ForeignAwsSdk) -or -not (Test-Path $script:ForeignBouncyCastle)) {
        & dotnet restore (Join-Path $script:RepoRoot 'tools/tools.proj') -nologo -v q | Out-Null
    }
}

AfterAll { Stop-TestMoto $script:Moto }

Describe 'Dependency isolation' {
    It 'works after another AWSSDK.Core and BouncyCastle were loaded first, from its own load context' {
        $child = Invoke-ChildPwsh @"
`$ErrorActionPreference = 'Stop'
Add-Type -Path '$script:ForeignAwsSdk'
Add-Type -Path '$script:ForeignBouncyCastle'
`$foreignSdk = [Amazon.Runtime.AWSCredentials].Assembly
Import-Module '$script:ModuleManifest'
`$endpoint = Get-ZymCredentialProviderEndpoint -EndpointUrl '$($script:Moto.Url)' -Region eu-west-1 -AccessKey testing -SecretKey testing
"HOST=`$(`$endpoint.Host)"
`$engine = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -eq 'ZymAws.Engine' }
"ENGINE_ALC=`$([System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext(`$engine).GetType().FullName)"
`$sdks = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -eq 'AWSSDK.Core' }
"SDK_COUNT=`$(@(`$sdks).Count)"
`$ours = `$sdks | Where-Object { `$_ -ne `$foreignSdk }
"OUR_SDK_ALC=`$([System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext(`$ours).GetType().FullName)"
"FOREIGN_SDK_ALC=`$([System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext(`$foreignSdk).Name)"
"@
        $child.ExitCode | Should -Be 0 -Because ($child.Output -join "`n")
        ($child.Output | Where-Object { $_ -like 'HOST=*' }) | Should -Match '^HOST=\w+\.credentials\.iot\.eu-west-1\.amazonaws\.com$'
        $child.Output | Should -Contain 'ENGINE_ALC=ZymAws.Provisioning.Infrastructure.ModuleLoadContext'
        $child.Output | Should -Contain 'SDK_COUNT=2'
        $child.Output | Should -Contain 'OUR_SDK_ALC=ZymAws.Provisioning.Infrastructure.ModuleLoadContext'
        $child.Output | Should -Contain 'FOREIGN_SDK_ALC=Default'
    }

    It 'keeps the engine and its dependencies out of the module root' {
        Get-ChildItem $script:ModulePath -Filter '*.dll' | ForEach-Object Name | Should -Be @('ZymAws.Provisioning.dll')
        Join-Path $script:ModulePath 'deps/AWSSDK.Core.dll' | Should -Exist
        Join-Path $script:ModulePath 'deps/ZymAws.Engine.dll' | Should -Exist
    }
}
