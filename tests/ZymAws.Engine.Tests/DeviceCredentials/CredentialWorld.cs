using Xunit;
using ZymAws.Engine.Aws;
using ZymAws.Engine.CredentialProvider;
using ZymAws.Engine.DeviceCredentials;
using ZymAws.Engine.Keys;
using ZymAws.Engine.Pki;
using ZymAws.Engine.Provisioning;
using ZymAws.Engine.Tests.Infrastructure;
using ZymAws.Engine.Tests.Pki;

namespace ZymAws.Engine.Tests.DeviceCredentials;

/// <summary>
/// A whole rehearsal for the device side: a moto of its own with the credentials provider set up by the engine
/// (role, alias, policy), a registered CA, and the local credentials endpoint judging against that moto. Devices are
/// made and provisioned by the engine's own PKI and FleetProvisioner, as an operator would.
/// </summary>
public sealed class CredentialWorld : MotoServer, IAsyncLifetime
{
    public const string RoleName = "zym-cred-role";
    public const string RoleAlias = "zym-cred-alias";
    public const string PolicyName = "zym-cred-policy";

    private readonly TempDir _dir = new();

    public CaSigner Ca { get; private set; } = null!;

    public string CaCertificateId { get; private set; } = string.Empty;

    /// <summary>The account's credentials-provider host (stable on AWS and with tools/moto_server.py).</summary>
    public string EndpointHost { get; private set; } = string.Empty;

    public AwsSession Session { get; private set; } = null!;

    public LocalCredentialEndpoint Endpoint { get; private set; } = null!;

    public string Folder => _dir.Path;

    /// <summary>What the local endpoint logged (verbose and debug): its judgement of every request.</summary>
    public CapturingEngineLog EndpointLog { get; } = new();

    /// <summary>The endpoint's CA as a file (what -ServerCaCertificate names).</summary>
    public string ServerCaPath { get; private set; } = string.Empty;

    public ServerTrust Trust => ServerTrust.FromPem(Endpoint.ServerCaCertificatePem, "the local endpoint's CA");

    public new async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Session = CreateSession();
        var setup = await new CredentialProviderProvisioner(Session).InitializeAsync(new CredentialProviderInitializeOptions(RoleName, RoleAlias, PolicyName));
        EndpointHost = setup.CredentialsEndpoint;
        Ca = CaSigner.Create("CN=Credential World CA,O=ZymAws Tests");
        var code = await Session.Iot.GetRegistrationCodeAsync();
        var registered = await Session.Iot.RegisterCaCertificateAsync(new IotRegisterCaCertificateRequest(Ca.CertificatePem)
        {
            VerificationCertificatePem = Ca.CreateVerificationCertificate(code),
            SetAsActive = true,
        });
        CaCertificateId = registered.CertificateId;
        Endpoint = LocalCredentialEndpoint.Start(Session, new LocalCredentialEndpointOptions(EndpointHost), EndpointLog);
        ServerCaPath = _dir["endpoint-ca.pem"];
        File.WriteAllText(ServerCaPath, Endpoint.ServerCaCertificatePem);
    }

    public new async Task DisposeAsync()
    {
        Endpoint?.Dispose();
        Session?.Dispose();
        Ca?.Dispose();
        _dir.Dispose();
        await base.DisposeAsync();
    }

    /// <summary>A device: a software key on disk, a certificate in the seed layout signed by the CA; provisioned unless told not to.</summary>
    public async Task<TestDevice> DeviceAsync(string thingName, bool provision = true, string? roleAlias = RoleAlias, string? policy = PolicyName, string? region = Region, string? endpoint = null)
    {
        var key = SoftwareDeviceKey.Generate();
        string keyPath = _dir[thingName + ".key"];
        key.Save(keyPath, KeyProtection.None);
        var (issued, certPath) = await CertifyAsync(thingName, key, provision, roleAlias, policy, region, endpoint);
        return new TestDevice(thingName, key, keyPath, certPath, issued);
    }

    /// <summary>A certificate in the seed layout for <paramref name="key"/> (wherever it lives), written to a file and provisioned unless told not to.</summary>
    public async Task<(IssuedCertificate Certificate, string Path)> CertifyAsync(string thingName, IDeviceKey key, bool provision = true, string? roleAlias = RoleAlias, string? policy = PolicyName, string? region = Region, string? endpoint = null)
    {
        var subject = new DeviceSubject(thingName, policy, region, endpoint ?? EndpointHost.Split('.')[0], roleAlias);
        var issued = Ca.IssueDeviceCertificate(SigningRequest.Create(key, subject));
        string certPath = _dir[thingName + ".crt"];
        File.WriteAllText(certPath, issued.CertificatePem);
        if (provision)
        {
            var summary = await new FleetProvisioner(Session, new FleetProvisioningOptions { CaCertificatePem = Ca.CertificatePem, PolicyName = PolicyName })
                .RunAsync(new[] { new DeviceProvisioningRequest(thingName) { CertificatePem = issued.CertificatePem } });
            Assert.Equal(DeviceProvisioningStatus.Provisioned, Assert.Single(summary.Results).Status);
        }

        return (issued, certPath);
    }

    /// <summary>A request from <paramref name="device"/> to the local endpoint, as its certificate's subject says.</summary>
    public DeviceCredentialRequest Request(TestDevice device, string? thingName = "", string? roleAlias = null, string? host = null) =>
        Request(device.Certificate, device.Key, thingName == string.Empty ? device.ThingName : thingName, roleAlias, host);

    /// <summary>A request with any key to the local endpoint.</summary>
    public DeviceCredentialRequest Request(IssuedCertificate certificate, IDeviceKey key, string? thingName, string? roleAlias = null, string? host = null) =>
        new(new[] { certificate.GetDer() }, key, host ?? EndpointHost, roleAlias ?? RoleAlias)
        {
            ThingName = thingName,
            Port = Endpoint.Port,
            ConnectHost = "127.0.0.1",
            ServerTrust = Trust,
            Region = Region,
        };

    public string Arn(TestDevice device) => $"arn:aws:iot:{Region}:{AccountId}:cert/{device.Certificate.CertificateId}";
}

public sealed record TestDevice(string ThingName, SoftwareDeviceKey Key, string KeyPath, string CertificatePath, IssuedCertificate Certificate);

[CollectionDefinition(Name)]
public sealed class CredentialWorldCollection : ICollectionFixture<CredentialWorld>
{
    public const string Name = "credential-world";
}
