#### -start
$ErrorActionPreference = 'Continue'
Set-Location /tmp/walkthrough
Import-Module (Join-Path $env:ZYM_MODULE_PATH 'ZymAwsProvisioning.psd1')
$env:AWS_ACCESS_KEY_ID = 'testing'; $env:AWS_SECRET_ACCESS_KEY = 'testing'
$passphrase = ConvertTo-SecureString 'walkthrough-ca-passphrase' -AsPlainText -Force
$env:ZYMAWS_DEVICE_DIRECTORY = '/tmp/walkthrough/device/opt-zymbit'
#### Point the session at the rehearsal control plane
Set-ZymAwsDefault -EndpointUrl http://127.0.0.1:5000 -Region us-east-1 -PassThru
#### The provisioning user's IAM policy (instead of AdministratorAccess)
Get-ZymProvisionerPolicy -RoleName credential_helper -PolicyName credentialHelper |
    Select-Object -ExpandProperty PolicyDocument
#### Create the CA (mk_ca.sh)
$ca = New-ZymCertificateAuthority -Path ./ca -Subject 'CN=Acme Fleet CA,O=Acme' -Passphrase $passphrase
$ca | Format-List
Get-ChildItem ./ca | Format-Table UnixMode, Length, Name
#### Register the CA with AWS IoT (get-registration-code, verification certificate, register-ca-certificate)
$registration = $ca | Register-ZymCaWithAws -SetActive
$registration
#### The credentials provider's AWS side (create-role, create-role-alias, create-policy)
$setup = Initialize-ZymCredentialProvider -RoleName credential_helper -RoleAlias deviceRoleAlias -PolicyName credentialHelper
$setup | Format-List
#### Device: the Zymkey and the device id
Get-ZymkeyInfo | Format-List
Get-ZymDeviceId
#### Device: the CSR, signed inside the Zymkey (openssl req -engine zymkey_ssl)
$csr = Get-ZymDeviceId | New-ZymDeviceCsr -KeySource Zymkey -IotPolicy credentialHelper -Region us-east-1 `
    -CredentialEndpoint $setup.CredentialEndpoint -RoleAlias deviceRoleAlias -OutDirectory ./csr
$csr | Format-List
#### CA host: sign the CSR (sign_csr.sh)
$certificate = Approve-ZymDeviceCsr -Path ./csr/*.csr -CertificateAuthority $ca -OutDirectory ./certs
$certificate
Get-ZymCertificateInfo -Path ./certs/*.pem | Format-List
#### Provisioning host: provision the device (provision-device.sh)
$certificate | Invoke-ZymDeviceProvisioning -CertificateAuthority $ca
#### Provisioning host: would the device get credentials?
Test-ZymDevice -ThingName $certificate.ThingName | Format-List ThingName, Ready, FailedCheck, Message
#### -endpoint
$endpoint = Start-ZymCredentialEndpoint
#### Rehearsal only: a local credentials-provider endpoint that judges against the control plane
$endpoint | Format-List Url, Host, ConnectAddress, ServerCaCertificatePath
#### Device: install device.crt and the server's trust anchor (cp device.crt root.ca.pem /opt/zymbit)
Install-ZymDeviceCertificate -CertificatePath $certificate.Path -ServerCaCertificate $endpoint.ServerCaCertificatePath
#### Device: temporary AWS credentials over mutual TLS (source credentials.sh)
Get-ZymAwsCredential -ConnectAddress $endpoint.ConnectAddress
#### Device: the AWS CLI through a credential_process profile (~/.aws/config)
Install-ZymCredentialProcess -ProfileName zymkey -ConfigPath ./device/aws-config -ConnectAddress $endpoint.ConnectAddress |
    Format-List
Get-Content ./device/aws-config
$env:AWS_CONFIG_FILE = './device/aws-config'
aws sts get-caller-identity --profile zymkey --endpoint-url http://127.0.0.1:5000
#### -cli env
Remove-Item Env:AWS_CONFIG_FILE
#### A fleet from a CSV file: the list
Get-Content ./fleet.csv
#### A fleet: CSRs, certificates and provisioning in one pipeline
Import-Csv ./fleet.csv |
    New-ZymDeviceCsr -NoPassphrase -IotPolicy credentialHelper -Region us-east-1 `
        -CredentialEndpoint $setup.CredentialEndpoint -RoleAlias deviceRoleAlias -OutDirectory ./fleet-csr |
    Approve-ZymDeviceCsr -CertificateAuthority $ca -OutDirectory ./fleet-certs |
    Invoke-ZymDeviceProvisioning -CertificateAuthority $ca -JournalPath ./fleet.journal -ThrottleLimit 8
#### A fleet: running it again changes nothing
Get-ChildItem ./fleet-certs/*.pem |
    Invoke-ZymDeviceProvisioning -CertificateAuthority $ca -JournalPath ./fleet.journal |
    Group-Object Status -NoElement
#### The fleet
Get-ZymDevice
#### Silence one device
Disable-ZymDevice -ThingName line-4-02
Test-ZymDevice -ThingName line-4-02 | Format-List ThingName, Ready, FailedCheck, Message, Fix
#### Its next request is refused
Get-ZymAwsCredential ./fleet-certs/line-4-02.pem -KeyPath ./keys/line-4-02.key `
    -ConnectAddress $endpoint.ConnectAddress -ServerCaCertificate $endpoint.ServerCaCertificatePath
#### Let it back in
Enable-ZymDevice -ThingName line-4-02
#### Silence the whole fleet (every device of the CA), then restore it
$ca | Disable-ZymCertificateAuthority -Confirm:$false
Get-ZymDevice | Format-Table ThingName, CredentialsReady, FailedCheck
$ca | Enable-ZymCertificateAuthority -Confirm:$false
