#### -start
$ErrorActionPreference = 'Continue'
Set-Location /tmp/walkthrough
Import-Module (Join-Path $env:ZYM_MODULE_PATH 'ZymAwsProvisioning.psd1')
$env:AWS_ACCESS_KEY_ID = 'testing'; $env:AWS_SECRET_ACCESS_KEY = 'testing'
$passphrase = ConvertTo-SecureString 'walkthrough-ca-passphrase' -AsPlainText -Force
$env:ZYMAWS_DEVICE_DIRECTORY = '/tmp/walkthrough/device2/opt-zymbit'
Set-ZymAwsDefault -EndpointUrl http://127.0.0.1:5000 -Region us-east-1
#### The credentials provider's AWS side: once per account and region (a second run changes nothing)
$setup = Initialize-ZymCredentialProvider -RoleName credential_helper -RoleAlias deviceRoleAlias -PolicyName credentialHelper
$setup | Format-List RoleStatus, RoleAliasStatus, PolicyStatus, CredentialEndpoint
#### Device: the CSR, signed inside the Zymkey
$csr = Get-ZymDeviceId | New-ZymDeviceCsr -KeySource Zymkey -IotPolicy credentialHelper -Region us-east-1 `
    -CredentialEndpoint $setup.CredentialEndpoint -RoleAlias deviceRoleAlias -OutDirectory ./awsiot-csr
$csr
#### Provisioning host: AWS IoT issues the certificate from the CSR, and the device is provisioned
$result = Get-ChildItem ./awsiot-csr/*.csr |
    Invoke-ZymDeviceProvisioning -CertificateAuthority AwsIot -OutDirectory ./issued -JournalPath ./issued.journal
$result | Format-List ThingName, Status, CertificateId, CertificatePath, Policy
Get-ZymCertificateInfo -Path $result.CertificatePath | Format-List ThingName, RoleAlias, CredentialEndpoint, Region, IotPolicy, Issuer, NotAfter
#### -endpoint
$endpoint = Start-ZymCredentialEndpoint
#### Device: install the certificate AWS IoT issued, then get credentials
Install-ZymDeviceCertificate -CertificatePath $result.CertificatePath -ServerCaCertificate $endpoint.ServerCaCertificatePath
Get-ZymAwsCredential -ConnectAddress $endpoint.ConnectAddress | Format-List AccessKeyId, Expiration, ThingName, RoleAlias
#### A fleet from a CSV file, AWS IoT as the CA
Get-Content ./sensors.csv
Import-Csv ./sensors.csv |
    New-ZymDeviceCsr -NoPassphrase -IotPolicy credentialHelper -Region us-east-1 `
        -CredentialEndpoint $setup.CredentialEndpoint -RoleAlias deviceRoleAlias -OutDirectory ./sensors-csr |
    Invoke-ZymDeviceProvisioning -CertificateAuthority AwsIot -OutDirectory ./issued -JournalPath ./issued.journal
#### The fleet: devices of both CAs
Get-ZymDevice
#### -ca
$ca = Import-ZymCertificateAuthority ./ca/ca.pem ./ca/ca.key -Passphrase $passphrase
#### Tear the rehearsal down: the devices, the CA registration, the credentials provider
Get-ZymDevice | Remove-ZymDevice -Confirm:$false
$ca | Unregister-ZymCaWithAws -Confirm:$false
$setup | Remove-ZymCredentialProvider -Confirm:$false
$endpoint | Stop-ZymCredentialEndpoint
