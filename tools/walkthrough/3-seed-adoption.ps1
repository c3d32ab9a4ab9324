#### -start
$ErrorActionPreference = 'Continue'
Set-Location /tmp/seed
Import-Module (Join-Path $env:ZYM_MODULE_PATH 'ZymAwsProvisioning.psd1')
$env:AWS_ACCESS_KEY_ID = 'testing'; $env:AWS_SECRET_ACCESS_KEY = 'testing'; $env:AWS_DEFAULT_REGION = 'us-east-1'
$awsCli = (Get-Command aws -CommandType Application | Select-Object -First 1).Source
function aws { & $awsCli --endpoint-url http://127.0.0.1:5000 @args }
'{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"credentials.iot.amazonaws.com"},"Action":"sts:AssumeRole"}]}' | Set-Content role-trust-policy.json
'{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iot:AssumeRoleWithCertificate","Resource":"arn:aws:iot:us-east-1:123456789012:rolealias/deviceRoleAlias","Condition":{"Bool":{"iot:Connection.Thing.IsAttached":"true"}}}]}' | Set-Content iot-role-policy.json
#### The seed's mk_ca.sh
New-Item -ItemType Directory CA_files | Out-Null
openssl ecparam -genkey -name prime256v1 -out CA_files/zk_ca.key
openssl req -x509 -new -sha256 -nodes -days 3650 -key CA_files/zk_ca.key -out CA_files/zk_ca.crt `
    -subj '/C=US/ST=California/L=Santa Barbara/O=Zymkey/CN=zymkey-verify.zymbit.com.dev'
Copy-Item CA_files/zk_ca.crt CA_files/zk_ca.pem
#### The tutorial's CA registration, by hand
$code = (aws iot get-registration-code | ConvertFrom-Json).registrationCode
openssl genrsa -out verificationCert.key 2048 2>$null
openssl req -new -key verificationCert.key -out verificationCert.csr -subj "/CN=$code"
openssl x509 -req -in verificationCert.csr -CA CA_files/zk_ca.pem -CAkey CA_files/zk_ca.key -CAcreateserial `
    -out verificationCert.crt -days 500 -sha256 2>$null
aws iot register-ca-certificate --ca-certificate file://CA_files/zk_ca.crt `
    --verification-certificate file://verificationCert.crt --set-as-active --allow-auto-registration
#### The tutorial's credentials-provider setup (role-trust-policy.json, iot-role-policy.json)
$roleArn = (aws iam create-role --role-name credential_helper --assume-role-policy-document file://role-trust-policy.json | ConvertFrom-Json).Role.Arn
aws iot create-role-alias --role-alias deviceRoleAlias --role-arn $roleArn | Out-Null
aws iot create-policy --policy-name credentialHelper --policy-document file://iot-role-policy.json | Out-Null
$prefix = ((aws iot describe-endpoint --endpoint-type iot:CredentialProvider | ConvertFrom-Json).endpointAddress -split '\.')[0]
$prefix
#### The device's CSR in the seed subject layout, and sign_csr.sh (a software key here; on a device the zymkey_ssl engine)
openssl ecparam -genkey -name prime256v1 -noout -out device.key
openssl req -new -key device.key -out zymkey.csr `
    -subj "/ST=credentialHelper/L=us-east-1/O=$prefix/OU=deviceRoleAlias/CN=seed-device-01"
openssl x509 -req -sha256 -days 3650 -CA CA_files/zk_ca.crt -CAkey CA_files/zk_ca.key -CAcreateserial `
    -in zymkey.csr -out device.crt 2>$null
#### The seed's provision-device.sh, without its questions
$certArn = (aws iot register-certificate --certificate-pem file://device.crt --ca-certificate-pem file://CA_files/zk_ca.pem --set-as-active | ConvertFrom-Json).certificateArn
aws iot create-thing --thing-name seed-device-01 | Out-Null
aws iot attach-thing-principal --thing-name seed-device-01 --principal $certArn
aws iot attach-policy --policy-name credentialHelper --target $certArn
$certArn
#### -module defaults
Set-ZymAwsDefault -EndpointUrl http://127.0.0.1:5000 -Region us-east-1
#### The module reads the seed's certificate
Get-ZymCertificateInfo -Path ./device.crt | Format-List ThingName, RoleAlias, CredentialEndpoint, Region, IotPolicy, Issuer
#### The module lists the seed's device and judges it
Get-ZymDevice
Test-ZymDevice -ThingName seed-device-01 | Format-List ThingName, Ready, FailedCheck, Checks
#### The seed's CA, as it is (an unencrypted SEC1 key with its EC PARAMETERS block)
$seedCa = Import-ZymCertificateAuthority ./CA_files/zk_ca.pem ./CA_files/zk_ca.key
$seedCa | Format-List Subject, CertificateId, KeyAlgorithm, KeyEncrypted
#### Its registration is recognised, not redone
$seedCa | Register-ZymCaWithAws -SetActive
#### The seed's role, alias and policy are recognised
Initialize-ZymCredentialProvider -RoleName credential_helper -RoleAlias deviceRoleAlias -PolicyName credentialHelper |
    Format-List RoleStatus, RoleAliasStatus, PolicyStatus, CredentialEndpoint
#### New devices next to the old: the seed CA signs, the module provisions
New-ZymDeviceCsr -ThingName seed-device-02 -KeyPath ./device-02.key -NoPassphrase -IotPolicy credentialHelper `
        -Region us-east-1 -CredentialEndpoint $prefix -RoleAlias deviceRoleAlias -OutDirectory ./csr |
    Approve-ZymDeviceCsr -CertificateAuthority $seedCa -OutDirectory ./certs |
    Invoke-ZymDeviceProvisioning -CertificateAuthority $seedCa
#### Provisioning the seed's device again changes nothing
Invoke-ZymDeviceProvisioning -InputObject ./device.crt -CertificateAuthority $seedCa
#### -endpoint
$endpoint = Start-ZymCredentialEndpoint
$env:ZYMAWS_DEVICE_DIRECTORY = '/tmp/seed/opt-zymbit'
New-Item -ItemType Directory $env:ZYMAWS_DEVICE_DIRECTORY | Out-Null
Copy-Item device.crt, CA_files/zk_ca.pem $env:ZYMAWS_DEVICE_DIRECTORY
Rename-Item "$env:ZYMAWS_DEVICE_DIRECTORY/zk_ca.pem" root.ca.pem
#### On the seed's device: /opt/zymbit as the seed left it
Get-ChildItem $env:ZYMAWS_DEVICE_DIRECTORY | Format-Table Name, Length
#### On the seed's device: the server's real trust anchor in place of root.ca.pem, then credentials
Install-ZymDeviceCertificate -CertificatePath "$env:ZYMAWS_DEVICE_DIRECTORY/device.crt" -ServerCaCertificate $endpoint.ServerCaCertificatePath -Force
Get-ZymAwsCredential -KeyPath ./device.key -ConnectAddress $endpoint.ConnectAddress | Format-List AccessKeyId, Expiration, ThingName, RoleAlias, Region
#### Silence the seed's device like any other
Disable-ZymDevice -ThingName seed-device-01
#### -teardown
Get-ZymDevice | Remove-ZymDevice -Confirm:$false | Out-Null
$seedCa | Unregister-ZymCaWithAws -Confirm:$false | Out-Null
Remove-ZymCredentialProvider -RoleName credential_helper -RoleAlias deviceRoleAlias -PolicyName credentialHelper -Confirm:$false -Force
$endpoint | Stop-ZymCredentialEndpoint
