using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Xunit;
using ZymAws.Engine.DeviceCredentials;
using ZymAws.Engine.Keys;
using ZymAws.Engine.Pki;
using ZymAws.Engine.Tests.Infrastructure;
using ZymAws.Engine.Tests.Pki;

namespace ZymAws.Engine.Tests.DeviceCredentials;

/// <summary>The device side without a control plane: the plan from a certificate, the cache, the shared config file, TLS interop.</summary>
public sealed class DeviceSideTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private (string CertPath, string KeyPath) SeedDevice(string subject)
    {
        using var ca = CaSigner.Create("CN=Side CA");
        using var key = SoftwareDeviceKey.Generate();
        string keyPath = _dir["device.key"];
        key.Save(keyPath, KeyProtection.None);
        var issued = ca.IssueDeviceCertificate(SigningRequest.Create(key, DeviceSubject.Parse(subject)));
        string certPath = _dir["device.crt"];
        File.WriteAllText(certPath, issued.CertificatePem);
        return (certPath, keyPath);
    }

    [Fact]
    public void ThePlan_TakesEveryValueFromTheSubject_AsTheSeed()
    {
        var (cert, key) = SeedDevice("/ST=credentialHelper/L=eu-west-1/O=cabc123/OU=deviceRoleAlias/CN=dev-7");

        var plan = DeviceCredentialProvider.Plan(new DeviceCredentialOptions { CertificatePath = cert, Key = new DeviceKeySpec { KeyPath = key } });

        Assert.Equal("cabc123.credentials.iot.eu-west-1.amazonaws.com", plan.EndpointHost);
        Assert.Equal(443, plan.Port);
        Assert.Equal("deviceRoleAlias", plan.RoleAlias);
        Assert.Equal("dev-7", plan.ThingName);
        Assert.Equal("eu-west-1", plan.Region);
        Assert.Null(plan.ConnectHost);
        Assert.Equal(ServerTrust.System.Description, plan.ServerTrust.Description);
        Assert.Equal("Software key " + key, plan.KeySource);
        Assert.Equal("https://cabc123.credentials.iot.eu-west-1.amazonaws.com/role-aliases/deviceRoleAlias/credentials", plan.Url);
    }

    [Fact]
    public void ThePlan_TakesWhatIsGiven_OverTheSubject()
    {
        var (cert, _) = SeedDevice("/L=eu-west-1/O=cabc123/OU=deviceRoleAlias/CN=dev-7");

        var plan = DeviceCredentialProvider.Plan(new DeviceCredentialOptions
        {
            CertificatePath = cert,
            RoleAlias = "other",
            ThingName = "dev-8",
            CredentialEndpoint = "https://cxyz.credentials.iot.us-west-2.amazonaws.com:8443",
            ConnectAddress = "127.0.0.1:9443",
        });

        Assert.Equal("cxyz.credentials.iot.us-west-2.amazonaws.com", plan.EndpointHost);
        Assert.Equal(8443, plan.Port);
        Assert.Equal("us-west-2", plan.Region);
        Assert.Equal("other", plan.RoleAlias);
        Assert.Equal("dev-8", plan.ThingName);
        Assert.Equal(("127.0.0.1", 9443), (plan.ConnectHost, plan.ConnectPort));
        Assert.Null(DeviceCredentialProvider.Plan(new DeviceCredentialOptions { CertificatePath = cert, NoThingName = true }).ThingName);
    }

    [Theory]
    [InlineData("/L=eu-west-1/O=cabc123/CN=dev-7", "OU=")]
    [InlineData("/L=eu-west-1/OU=alias/CN=dev-7", "O=")]
    [InlineData("/O=cabc123/OU=alias/CN=dev-7", "L=")]
    public void AMissingSubjectField_SaysWhichParameterToGive(string subject, string field)
    {
        var (cert, _) = SeedDevice(subject);
        var ex = Assert.Throws<ZymException>(() => DeviceCredentialProvider.Plan(new DeviceCredentialOptions { CertificatePath = cert }));
        Assert.Equal("CredentialSettingMissing", ex.ErrorId);
        Assert.Contains(field, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("127.0.0.1:8443", "127.0.0.1", 8443)]
    [InlineData("localhost", "localhost", null)]
    [InlineData("[::1]:443", "::1", 443)]
    [InlineData("::1", "::1", null)]
    public void ConnectAddresses(string text, string host, int? port) =>
        Assert.Equal((host, port), DeviceCredentialProvider.ParseConnectAddress(text));

    [Theory]
    [InlineData("host:x")]
    [InlineData(":443")]
    [InlineData("host:0")]
    public void BadConnectAddresses_AreRefused(string text) =>
        Assert.Equal("ConnectAddressInvalid", Assert.Throws<ZymException>(() => DeviceCredentialProvider.ParseConnectAddress(text)).ErrorId);

    [Fact]
    public async Task TheCache_MakesOneFetchForManyConcurrentCallers_AndKeepsItUntilFiveMinutesBeforeExpiry()
    {
        var cache = new DeviceCredentialCache();
        string key = "test-" + Guid.NewGuid().ToString("n");
        int fetches = 0;
        async Task<TemporaryCredentials> Fetch(CancellationToken token)
        {
            Interlocked.Increment(ref fetches);
            await Task.Delay(100, token);
            return new TemporaryCredentials("ASIAFIRST", "secret", "token", DateTimeOffset.UtcNow.AddMinutes(6));
        }

        var all = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => cache.GetOrFetchAsync(key, Fetch)));

        Assert.Equal(1, fetches);
        Assert.All(all, c => Assert.Equal("ASIAFIRST", c.AccessKeyId));
        Assert.Equal(19, all.Count(c => c.FromCache));

        // Less than five minutes left: a new fetch.
        var nearlyExpired = await cache.GetOrFetchAsync("near-" + key, _ => Task.FromResult(new TemporaryCredentials("ASIANEAR", "s", "t", DateTimeOffset.UtcNow.AddMinutes(4))));
        var next = await cache.GetOrFetchAsync("near-" + key, _ => Task.FromResult(new TemporaryCredentials("ASIANEXT", "s", "t", DateTimeOffset.UtcNow.AddHours(1))));
        Assert.Equal("ASIANEAR", nearlyExpired.AccessKeyId);
        Assert.Equal("ASIANEXT", next.AccessKeyId);
        Assert.False(next.FromCache);
    }

    [Fact]
    public async Task TheDiskCache_IsOwnerOnly_SharedByAnotherCache_AndRefreshReplacesIt()
    {
        string folder = Path.Combine(_dir.Path, "cache");
        string key = "disk-" + Guid.NewGuid().ToString("n");
        await new DeviceCredentialCache(folder).GetOrFetchAsync(key, _ => Task.FromResult(new TemporaryCredentials("ASIADISK", "disk-secret", "disk-token", DateTimeOffset.UtcNow.AddHours(1)) { RoleAlias = "a" }));
        DeviceCredentialCache.ClearMemory();

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(folder));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(folder, key + ".json")));

        int fetches = 0;
        var again = await new DeviceCredentialCache(folder).GetOrFetchAsync(key, _ =>
        {
            fetches++;
            return Task.FromResult(new TemporaryCredentials("ASIANEW", "s", "t", DateTimeOffset.UtcNow.AddHours(1)));
        });
        Assert.Equal(0, fetches);
        Assert.True(again.FromCache);
        Assert.Equal(("ASIADISK", "disk-secret", "disk-token", "a"), (again.AccessKeyId, again.SecretAccessKey, again.SessionToken, again.RoleAlias));

        var refreshed = await new DeviceCredentialCache(folder).GetOrFetchAsync(key, _ => Task.FromResult(new TemporaryCredentials("ASIANEW", "s", "t", DateTimeOffset.UtcNow.AddHours(1))), refresh: true);
        Assert.Equal("ASIANEW", refreshed.AccessKeyId);
        DeviceCredentialCache.ClearMemory();
        Assert.Equal("ASIANEW", new DeviceCredentialCache(folder).Fresh(key)!.AccessKeyId);
    }

    [Fact]
    public void TheCredentialProcessJson_HasTheRealExpiry_AndToStringNoSecret()
    {
        var expiry = new DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.Zero);
        var c = new TemporaryCredentials("ASIAX", "the-secret", "the-token", expiry);
        Assert.Equal("""{"Version":1,"AccessKeyId":"ASIAX","SecretAccessKey":"the-secret","SessionToken":"the-token","Expiration":"2030-01-02T03:04:05Z"}""", c.ToCredentialProcessJson());
        Assert.DoesNotContain("the-secret", c.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("the-token", c.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void SettingAProfile_KeepsTheRestOfTheFile_AndTheAwsCliReadsIt()
    {
        string config = _dir["config"];
        File.WriteAllText(config, "# my settings\n[default]\nregion = us-east-1\n\n[profile zymkey]\noutput = json\nregion = us-west-1 ; old\n\n[profile other]\nregion = eu-central-1\ns3 =\n  max_concurrent_requests = 5\n");

        Assert.True(AwsSharedConfigFile.SetProfile(config, "zymkey", new KeyValuePair<string, string?>[] { new("region", "eu-west-1"), new("credential_process", "/usr/bin/true --x") }, credentialsFile: false));
        Assert.False(AwsSharedConfigFile.SetProfile(config, "zymkey", new KeyValuePair<string, string?>[] { new("region", "eu-west-1") }, credentialsFile: false));
        AwsSharedConfigFile.SetProfile(config, "fresh", new KeyValuePair<string, string?>[] { new("region", "ap-south-1") }, credentialsFile: false);

        Assert.Equal(
            "# my settings\n[default]\nregion = us-east-1\n\n[profile zymkey]\noutput = json\nregion = eu-west-1\ncredential_process = /usr/bin/true --x\n\n[profile other]\nregion = eu-central-1\ns3 =\n  max_concurrent_requests = 5\n\n[profile fresh]\nregion = ap-south-1\n",
            File.ReadAllText(config));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(config));
        var env = new Dictionary<string, string> { ["AWS_CONFIG_FILE"] = config, ["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null" };
        Assert.Equal("eu-west-1", ExternalProcess.RunAsync("aws", new[] { "configure", "get", "region", "--profile", "zymkey" }, env).GetAwaiter().GetResult().StandardOutput.Trim());
        Assert.Equal("eu-central-1", ExternalProcess.RunAsync("aws", new[] { "configure", "get", "region", "--profile", "other" }, env).GetAwaiter().GetResult().StandardOutput.Trim());
        Assert.Equal("/usr/bin/true --x", AwsSharedConfigFile.ReadProfile(config, "zymkey", credentialsFile: false)!["credential_process"]);
    }

    [Fact]
    public void ACredentialsFileProfile_IsCreatedWithItsFolder_OwnerOnly()
    {
        string path = Path.Combine(_dir.Path, "aws", "credentials");
        AwsSharedConfigFile.SetProfile(path, "device", new KeyValuePair<string, string?>[] { new("aws_access_key_id", "ASIA1"), new("aws_secret_access_key", "s"), new("aws_session_token", "t") }, credentialsFile: true);
        Assert.Equal("[device]\naws_access_key_id = ASIA1\naws_secret_access_key = s\naws_session_token = t\n", File.ReadAllText(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(path)!));
    }

    [Theory]
    [InlineData("-tls1_2")]
    [InlineData("-tls1_3")]
    public async Task TheTlsClient_CompletesAMutualHandshakeWithOpensslsServer(string version)
    {
        // openssl s_server requires and verifies the client certificate (-Verify); -www answers any GET with a status
        // page, which is not credentials: the client gets as far as the answer, and says so.
        using var ca = CaSigner.Create("CN=Interop CA");
        using var serverKey = SoftwareDeviceKey.Generate();
        string serverKeyPath = _dir["server.key"];
        serverKey.Save(serverKeyPath, KeyProtection.None);
        File.WriteAllText(_dir["server.crt"], Pem.Encode("CERTIFICATE", ca.IssueServerCertificate(serverKey.GetSubjectPublicKeyInfo(), new[] { "cinterop.credentials.iot.us-east-1.amazonaws.com" })));
        File.WriteAllText(_dir["ca.pem"], ca.CertificatePem);
        using var deviceKey = SoftwareDeviceKey.Generate();
        var device = ca.IssueDeviceCertificate(SigningRequest.Create(deviceKey, new DeviceSubject("interop-1")));
        int port = FreePort();
        var start = new ProcessStartInfo("openssl") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (string a in new[] { "s_server", "-accept", $"127.0.0.1:{port}", version, "-cert", _dir["server.crt"], "-key", serverKeyPath, "-CAfile", _dir["ca.pem"], "-Verify", "1", "-www" })
        {
            start.ArgumentList.Add(a);
        }

        using var server = Process.Start(start)!;
        var output = new System.Text.StringBuilder();
        server.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        server.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        server.BeginOutputReadLine();
        server.BeginErrorReadLine();
        try
        {
            await WaitForPortAsync(port);
            var request = new DeviceCredentialRequest(new[] { device.GetDer() }, deviceKey, "cinterop.credentials.iot.us-east-1.amazonaws.com", "alias")
            {
                Port = port,
                ConnectHost = "127.0.0.1",
                ServerTrust = ServerTrust.FromPem(ca.CertificatePem, "interop CA"),
                ThingName = "interop-1",
            };

            var ex = await Assert.ThrowsAsync<CredentialProviderException>(() => CredentialProviderClient.FetchAsync(request));

            Assert.Equal("CredentialResponseInvalid", ex.ErrorId);
        }
        finally
        {
            server.Kill();
            server.WaitForExit(5000);
        }

        string log;
        lock (output)
        {
            log = output.ToString();
        }

        Assert.DoesNotContain("verify error", log, StringComparison.OrdinalIgnoreCase);
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static async Task WaitForPortAsync(int port)
    {
        for (int i = 0; i < 100; i++)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }

        throw new TimeoutException("openssl s_server did not listen.");
    }
}
