using System.Text.Json;
using Xunit;
using ZymAws.Engine.Aws;
using ZymAws.Engine.DeviceCredentials;
using ZymAws.Engine.Tests.Infrastructure;

namespace ZymAws.Engine.Tests.DeviceCredentials;

/// <summary>
/// Device credentials end to end: the engine's TLS client with the device key, the local credentials endpoint judging
/// against moto, the AWS CLI, curl and openssl as second clients. Each refusal row comes from a real misconfiguration and
/// must read the same from the endpoint, from the rule (what Test-ZymDevice shows) and from the client.
/// </summary>
[Collection(CredentialWorldCollection.Name)]
public sealed class DeviceCredentialTests
{
    private readonly CredentialWorld _world;

    public DeviceCredentialTests(CredentialWorld world)
    {
        _world = world;
    }

    [Fact]
    public async Task AProvisionedDevice_GetsCredentials_ThatAreTheRolesOnSts()
    {
        var device = await _world.DeviceAsync("cred-ok-1");

        var credentials = await CredentialProviderClient.FetchAsync(_world.Request(device));

        Assert.StartsWith("ASIA", credentials.AccessKeyId, StringComparison.Ordinal);
        Assert.True(credentials.Expiration > DateTimeOffset.UtcNow.AddMinutes(50), $"expires {credentials.Expiration}");
        Assert.DoesNotContain(credentials.SecretAccessKey, credentials.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(credentials.SessionToken, credentials.ToString(), StringComparison.Ordinal);

        // The AWS CLI, given only these credentials, is the role.
        var identity = await ExternalProcess.RunAsync("aws", new[] { "--endpoint-url", _world.EndpointUrl, "--region", MotoServer.Region, "--output", "json", "sts", "get-caller-identity" },
            new Dictionary<string, string>
            {
                ["AWS_ACCESS_KEY_ID"] = credentials.AccessKeyId,
                ["AWS_SECRET_ACCESS_KEY"] = credentials.SecretAccessKey,
                ["AWS_SESSION_TOKEN"] = credentials.SessionToken,
                ["AWS_CONFIG_FILE"] = "/dev/null",
                ["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null",
                ["AWS_EC2_METADATA_DISABLED"] = "true",
            });
        Assert.Equal(0, identity.ExitCode);
        string arn = JsonDocument.Parse(identity.StandardOutput).RootElement.GetProperty("Arn").GetString()!;
        Assert.Equal($"arn:aws:sts::{MotoServer.AccountId}:assumed-role/{CredentialWorld.RoleName}/{device.Certificate.CertificateId}", arn);
    }

    [Fact]
    public async Task TheSeedsCurlRequest_Succeeds_AgainstTheLocalEndpoint()
    {
        var device = await _world.DeviceAsync("cred-curl-1");
        var result = await ExternalProcess.RunAsync("curl", new[]
        {
            "--silent", "--show-error", "--fail-with-body",
            "--cert", device.CertificatePath, "--key", device.KeyPath, "--cacert", _world.ServerCaPath,
            "-H", "x-amzn-iot-thingname: " + device.ThingName,
            "--resolve", $"{_world.EndpointHost}:{_world.Endpoint.Port}:127.0.0.1",
            $"https://{_world.EndpointHost}:{_world.Endpoint.Port}/role-aliases/{CredentialWorld.RoleAlias}/credentials",
        });

        Assert.True(result.ExitCode == 0, result.StandardError + result.StandardOutput);
        var credentials = JsonDocument.Parse(result.StandardOutput).RootElement.GetProperty("credentials");
        Assert.StartsWith("ASIA", credentials.GetProperty("accessKeyId").GetString(), StringComparison.Ordinal);
        Assert.True(DateTimeOffset.Parse(credentials.GetProperty("expiration").GetString()!) > DateTimeOffset.UtcNow);
    }

    [Fact]
    public async Task OpensslWithoutSni_IsRefusedWith403()
    {
        var device = await _world.DeviceAsync("cred-nosni-1");
        string request = $"GET /role-aliases/{CredentialWorld.RoleAlias}/credentials HTTP/1.1\r\nHost: {_world.EndpointHost}\r\nx-amzn-iot-thingname: {device.ThingName}\r\nConnection: close\r\n\r\n";
        var result = await ExternalProcess.RunAsync("openssl", new[]
        {
            "s_client", "-connect", $"127.0.0.1:{_world.Endpoint.Port}", "-noservername", "-quiet", "-ign_eof",
            "-cert", device.CertificatePath, "-key", device.KeyPath, "-CAfile", _world.ServerCaPath,
        }, standardInput: request);

        Assert.Contains("HTTP/1.1 403", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("x-amzn-ErrorType: AccessDeniedException", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("{\"message\":\"Certificate is invalid on this endpoint\"}", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheServerIsVerified_AnotherTrustAnchorIsRefused_AndNothingIsSent()
    {
        var device = await _world.DeviceAsync("cred-trust-1");
        using var otherCa = Engine.Pki.CaSigner.Create("CN=Somebody Else");
        int before = _world.Endpoint.RequestCount;
        var request = _world.Request(device);
        var wrongTrust = new DeviceCredentialRequest(request.CertificateChain, request.Key, request.EndpointHost, request.RoleAlias)
        {
            ThingName = request.ThingName,
            Port = request.Port,
            ConnectHost = request.ConnectHost,
            ServerTrust = ServerTrust.FromPem(otherCa.CertificatePem, "another CA"),
        };

        var ex = await Assert.ThrowsAsync<CredentialProviderException>(() => CredentialProviderClient.FetchAsync(wrongTrust));

        Assert.Equal("CredentialServerUntrusted", ex.ErrorId);
        Assert.Equal(ZymErrorCategory.SecurityError, ex.Category);
        Assert.Equal(before, _world.Endpoint.RequestCount);
    }

    [Fact]
    public async Task AKeyThatIsNotTheCertificates_IsRefusedBeforeConnecting()
    {
        var device = await _world.DeviceAsync("cred-keymismatch-1", provision: false);
        using var otherKey = Keys.SoftwareDeviceKey.Generate();
        var request = _world.Request(device);
        var mismatched = new DeviceCredentialRequest(request.CertificateChain, otherKey, request.EndpointHost, request.RoleAlias) { Port = request.Port, ConnectHost = "127.0.0.1" };

        var ex = await Assert.ThrowsAsync<ZymException>(() => CredentialProviderClient.FetchAsync(mismatched));

        Assert.Equal("CredentialKeyMismatch", ex.ErrorId);
    }

    public static TheoryData<string> Rows() => new()
    {
        "Endpoint", "CertificateUnknown", "CertificateInactive", "CertificateRevoked", "CaInactive", "ThingName", "PolicyMissing", "NoThingHeader",
        "PolicyDeny", "RoleAlias", "RoleMissing", "RoleTrust", "Duration",
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public async Task EachRefusalRow_ReadsTheSameFromTheEndpointTheRuleAndTheClient(string row)
    {
        string thing = "cred-row-" + row.ToLowerInvariant();
        var (request, expected) = await MisconfigureAsync(row, thing);

        var ex = await Assert.ThrowsAsync<CredentialProviderException>(() => CredentialProviderClient.FetchAsync(request));

        // The rule, from the control plane alone (what Test-ZymDevice reports).
        var certificate = Engine.Pki.CertificateFacts.Parse(request.CertificateChain[0]);
        var facts = await CredentialFactsReader.ReadAsync(_world.Session, new CredentialQuery(certificate.CertificateId, request.RoleAlias)
        {
            ThingName = request.ThingName,
            RequestedHost = request.EndpointHost,
        });
        var decision = CredentialRule.Evaluate(facts);
        Assert.False(decision.Allowed);
        var refusal = CredentialRefusal.For(expected);
        Assert.Equal(expected, decision.FirstFailure!.Check);
        Assert.Equal(refusal.ErrorId, ex.ErrorId);
        Assert.NotNull(ex.Refusal);
        if (refusal.InHandshake)
        {
            Assert.NotNull(ex.TlsAlert);
            Assert.Null(ex.HttpStatus);
        }
        else
        {
            Assert.Equal(expected, ex.Refusal!.Check);
            Assert.Equal(refusal.HttpStatus, ex.HttpStatus);
            Assert.Equal(refusal.Message, ex.EndpointMessage);
            Assert.Equal(refusal.ErrorType, ex.ErrorType);
        }

        Assert.Contains(refusal.Fix, ex.Message, StringComparison.Ordinal);
    }

    private async Task<(DeviceCredentialRequest Request, CredentialCheck Expected)> MisconfigureAsync(string row, string thing)
    {
        var iot = _world.Session.Iot;
        var iam = _world.Session.Iam;
        switch (row)
        {
            case "Endpoint":
            {
                var device = await _world.DeviceAsync(thing);
                string other = "cother00000000." + string.Join('.', _world.EndpointHost.Split('.').Skip(1));
                return (_world.Request(device, host: other), CredentialCheck.Endpoint);
            }

            case "CertificateUnknown":
                return (_world.Request(await _world.DeviceAsync(thing, provision: false)), CredentialCheck.Certificate);
            case "CertificateInactive":
            case "CertificateRevoked":
            {
                var device = await _world.DeviceAsync(thing);
                await iot.UpdateCertificateAsync(device.Certificate.CertificateId, row == "CertificateRevoked" ? "REVOKED" : "INACTIVE");
                return (_world.Request(device), CredentialCheck.Certificate);
            }

            case "CaInactive":
            {
                // A CA of its own, so the others' CA stays ACTIVE.
                using var ca = Engine.Pki.CaSigner.Create("CN=Row CA " + thing);
                var registered = await iot.RegisterCaCertificateAsync(new IotRegisterCaCertificateRequest(ca.CertificatePem) { CertificateMode = "SNI_ONLY" });
                await iot.UpdateCaCertificateAsync(new IotUpdateCaCertificateRequest(registered.CertificateId) { NewStatus = "ACTIVE" });
                var device = await _world.DeviceAsync(thing, provision: false);
                var key = device.Key;
                var issued = ca.IssueDeviceCertificate(Engine.Pki.SigningRequest.Create(key, device.Certificate.DeviceSubject));
                var cert = await iot.RegisterCertificateAsync(new IotRegisterCertificateRequest(issued.CertificatePem) { CaCertificatePem = ca.CertificatePem, SetAsActive = true });
                await iot.CreateThingAsync(new IotCreateThingRequest(thing));
                await iot.AttachThingPrincipalAsync(thing, cert.CertificateArn);
                await iot.AttachPolicyAsync(CredentialWorld.PolicyName, cert.CertificateArn);
                await iot.UpdateCaCertificateAsync(new IotUpdateCaCertificateRequest(registered.CertificateId) { NewStatus = "INACTIVE" });
                var request = _world.Request(device);
                return (new DeviceCredentialRequest(new[] { issued.GetDer() }, key, request.EndpointHost, request.RoleAlias)
                {
                    ThingName = thing, Port = request.Port, ConnectHost = request.ConnectHost, ServerTrust = request.ServerTrust,
                }, CredentialCheck.CertificateAuthority);
            }

            case "ThingName":
            {
                var device = await _world.DeviceAsync(thing);
                await iot.CreateThingAsync(new IotCreateThingRequest(thing + "-other"));
                return (_world.Request(device, thingName: thing + "-other"), CredentialCheck.ThingName);
            }

            case "PolicyMissing":
            {
                var device = await _world.DeviceAsync(thing);
                await iot.DetachPolicyAsync(CredentialWorld.PolicyName, _world.Arn(device));
                return (_world.Request(device), CredentialCheck.Policy);
            }

            case "NoThingHeader":
                // The module's (and the seed's) policy requires iot:Connection.Thing.IsAttached: without the header it is false.
                return (_world.Request(await _world.DeviceAsync(thing), thingName: null), CredentialCheck.Policy);
            case "PolicyDeny":
            {
                var device = await _world.DeviceAsync(thing);
                string deny = "zym-deny-" + thing;
                await iot.CreatePolicyAsync(deny, """{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iot:*","Resource":"*"}]}""");
                await iot.AttachPolicyAsync(deny, _world.Arn(device));
                return (_world.Request(device), CredentialCheck.Policy);
            }

            case "RoleAlias":
            {
                var device = await _world.DeviceAsync(thing);
                await AllowEveryAliasAsync(device, thing);
                return (_world.Request(device, roleAlias: "zym-no-such-alias"), CredentialCheck.RoleAlias);
            }

            case "RoleMissing":
            case "RoleTrust":
            case "Duration":
            {
                var device = await _world.DeviceAsync(thing);
                await AllowEveryAliasAsync(device, thing);
                string role = "zym-role-" + thing;
                string alias = "zym-alias-" + thing;
                string trustedService = row == "RoleTrust" ? "ec2.amazonaws.com" : "credentials.iot.amazonaws.com";
                if (row != "RoleMissing")
                {
                    await iam.CreateRoleAsync(new IamCreateRoleRequest(role,
                        $$"""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"{{trustedService}}"},"Action":"sts:AssumeRole"}]}""") { MaxSessionDuration = 3600 });
                }

                await iot.CreateRoleAliasAsync(new IotCreateRoleAliasRequest(alias, $"arn:aws:iam::{MotoServer.AccountId}:role/{role}") { CredentialDurationSeconds = row == "Duration" ? 7200 : 3600 });
                var expected = row == "Duration" ? CredentialCheck.Duration : CredentialCheck.Role;
                return (_world.Request(device, roleAlias: alias), expected);
            }

            default:
                throw new ArgumentOutOfRangeException(nameof(row), row, null);
        }
    }

    private async Task AllowEveryAliasAsync(TestDevice device, string thing)
    {
        string policy = "zym-any-alias-" + thing;
        await _world.Session.Iot.CreatePolicyAsync(policy,
            """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iot:AssumeRoleWithCertificate","Resource":"arn:aws:iot:""" + MotoServer.Region + ":" + MotoServer.AccountId +
            """:rolealias/*","Condition":{"Bool":{"iot:Connection.Thing.IsAttached":"true"}}}]}""");
        await _world.Session.Iot.AttachPolicyAsync(policy, _world.Arn(device));
    }
}
