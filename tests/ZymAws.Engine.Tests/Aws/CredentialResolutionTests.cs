using System.Runtime.Loader;
using Amazon.Runtime;
using Xunit;
using ZymAws.Engine.Aws;
using ZymAws.Engine.Tests.Infrastructure;

namespace ZymAws.Engine.Tests.Aws;

/// <summary>
/// Credential and region precedence (AWS.Tools order) with real temporary credentials/config files, a real
/// credential_process script, an injected environment and credentials objects from a second AWSSDK.Core.
/// </summary>
public sealed class CredentialResolutionTests : IDisposable
{
    private readonly string _home;
    private readonly string _credentialsFile;
    private readonly Dictionary<string, string> _env = new();

    public CredentialResolutionTests()
    {
        _home = Directory.CreateTempSubdirectory("zymaws-home-").FullName;
        string aws = Directory.CreateDirectory(Path.Combine(_home, ".aws")).FullName;
        _credentialsFile = Path.Combine(aws, "credentials");
        string script = Path.Combine(_home, "creds.sh");
        File.WriteAllText(script, "#!/bin/sh\necho '{\"Version\":1,\"AccessKeyId\":\"AKIDPROC\",\"SecretAccessKey\":\"proc-secret\",\"SessionToken\":\"proc-token\",\"Expiration\":\"" +
            DateTime.UtcNow.AddHours(1).ToString("yyyy-MM-ddTHH:mm:ssZ") + "\"}'\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        File.WriteAllText(_credentialsFile,
            "[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = default-secret\n\n" +
            "[dev]\naws_access_key_id = AKIDDEV\naws_secret_access_key = dev-secret\n");
        File.WriteAllText(Path.Combine(aws, "config"),
            "[default]\nregion = eu-central-1\n\n[profile dev]\nregion = ap-southeast-2\n\n" +
            $"[profile proc]\ncredential_process = {script}\nregion = us-west-1\n\n[profile noregion]\naws_access_key_id = AKIDNOREGION\naws_secret_access_key = x\n");
        _env["AWS_EC2_METADATA_DISABLED"] = "true";
    }

    public void Dispose()
    {
        Directory.Delete(_home, recursive: true);
    }

    private AwsConnectionOptions Options(Action<AwsConnectionOptions>? configure = null)
    {
        var options = new AwsConnectionOptions { GetEnvironmentVariable = name => _env.TryGetValue(name, out string? v) ? v : null };
        configure?.Invoke(options);
        return options;
    }

    private static AwsSession Create(AwsConnectionOptions options) => AwsSession.Create(options, new AwsClientSettings(), Diagnostics.NullEngineLog.Instance);

    private static string AccessKeyOf(AwsSession session) => session.Credentials.GetCredentials().AccessKey;

    /// <summary>Everything set at once, lowest first; each step removes the winner and checks the next one wins.</summary>
    [Fact]
    public void Credentials_FollowTheAwsToolsPrecedence()
    {
        _env["HOME"] = _home;
        _env["AWS_ACCESS_KEY_ID"] = "AKIDENV";
        _env["AWS_SECRET_ACCESS_KEY"] = "env-secret";
        _env["AWS_PROFILE"] = "dev";
        var options = Options(o =>
        {
            o.AccessKey = "AKIDLITERAL";
            o.SecretKey = "literal-secret";
            o.Credential = new BasicAWSCredentials("AKIDCREDENTIAL", "credential-secret");
            o.ProfileName = "proc";
            o.ProfileLocation = _credentialsFile;
            o.StoredCredentials = new FakeAwsPsCredentials(new BasicAWSCredentials("AKIDSTORED", "stored-secret"));
            o.Region = "us-east-2";
        });

        var steps = new (string ExpectedKey, string SourceStart, Action<AwsConnectionOptions> RemoveWinner)[]
        {
            ("AKIDLITERAL", "-AccessKey", o => { o.AccessKey = null; o.SecretKey = null; }),
            ("AKIDCREDENTIAL", "-Credential", o => o.Credential = null),
            ("AKIDPROC", "profile 'proc'", o => o.ProfileName = null),
            ("AKIDSTORED", "$StoredAWSCredentials", o => o.StoredCredentials = null),
            ("AKIDENV", "environment variables", _ => { _env.Remove("AWS_ACCESS_KEY_ID"); _env.Remove("AWS_SECRET_ACCESS_KEY"); }),
            ("AKIDDEV", "profile 'dev' from AWS_PROFILE", _ => _env.Remove("AWS_PROFILE")),
            ("AKIDDEFAULT", "profile 'default'", _ => { }),
        };
        foreach (var (expectedKey, sourceStart, removeWinner) in steps)
        {
            using (var session = Create(options))
            {
                Assert.Equal(expectedKey, AccessKeyOf(session));
                Assert.StartsWith(sourceStart, session.CredentialSource);
            }

            removeWinner(options);
        }
    }

    [Fact]
    public void NoCredentialsAnywhere_SaysWhatWasTried()
    {
        _env["HOME"] = Path.Combine(_home, "empty");
        var ex = Assert.Throws<ZymException>(() => Create(Options(o => o.Region = "us-east-1")));

        Assert.Equal("AwsCredentialsNotFound", ex.ErrorId);
        Assert.Equal(ZymErrorCategory.AuthenticationError, ex.Category);
        Assert.Contains("$StoredAWSCredentials", ex.Message);
        Assert.Contains("AWS_ACCESS_KEY_ID", ex.Message);
        Assert.Contains("profile 'default'", ex.Message);
        Assert.Contains("instance metadata", ex.Message);
    }

    [Fact]
    public void UnknownProfile_IsObjectNotFound()
    {
        var ex = Assert.Throws<ZymException>(() => Create(Options(o => { o.ProfileName = "nope"; o.ProfileLocation = _credentialsFile; })));

        Assert.Equal("AwsProfileNotFound", ex.ErrorId);
        Assert.Equal(ZymErrorCategory.ObjectNotFound, ex.Category);
        Assert.Equal("nope", ex.Target);
        Assert.Contains(_credentialsFile, ex.Message);
    }

    [Fact]
    public void HalfALiteralKeyPair_IsRejected()
    {
        var ex = Assert.Throws<ZymException>(() => Create(Options(o => { o.AccessKey = "AKID"; o.Region = "us-east-1"; })));
        Assert.Equal("AwsCredentialIncomplete", ex.ErrorId);
        Assert.Equal(ZymErrorCategory.InvalidArgument, ex.Category);
    }

    [Fact]
    public void CredentialOfAnUnknownType_IsRejected()
    {
        var ex = Assert.Throws<ZymException>(() => Create(Options(o => { o.Credential = "AKID:wJalrXUtnFEMI"; o.Region = "us-east-1"; })));
        Assert.Equal("AwsCredentialTypeUnsupported", ex.ErrorId);
        Assert.DoesNotContain("wJalrXUtnFEMI", ex.Message);
    }

    [Fact]
    public void Region_FollowsTheAwsToolsPrecedence()
    {
        _env["HOME"] = _home;
        _env["AWS_REGION"] = "sa-east-1";
        _env["AWS_DEFAULT_REGION"] = "ca-central-1";
        var options = Options(o => { o.Region = "us-east-2"; o.StoredRegion = "eu-west-3"; o.ProfileName = "dev"; o.ProfileLocation = _credentialsFile; });

        var steps = new (string Region, string Source, Action Remove)[]
        {
            ("us-east-2", "-Region", () => options.Region = null),
            ("eu-west-3", "$StoredAWSRegion", () => options.StoredRegion = null),
            ("sa-east-1", "environment variable AWS_REGION", () => _env.Remove("AWS_REGION")),
            ("ca-central-1", "environment variable AWS_DEFAULT_REGION", () => _env.Remove("AWS_DEFAULT_REGION")),
            ("ap-southeast-2", "profile 'dev'", () => options.ProfileName = null),
            ("eu-central-1", "profile 'default'", () => { }),
        };
        foreach (var (region, source, remove) in steps)
        {
            using (var session = Create(options))
            {
                Assert.Equal(region, session.Region);
                Assert.StartsWith(source, session.RegionSource);
            }

            remove();
        }
    }

    [Fact]
    public void NoRegionAnywhere_SaysWhatWasTried()
    {
        var ex = Assert.Throws<ZymException>(() => Create(Options(o => { o.ProfileName = "noregion"; o.ProfileLocation = _credentialsFile; })));

        Assert.Equal("AwsRegionNotFound", ex.ErrorId);
        Assert.Contains("AWS_REGION", ex.Message);
        Assert.Contains("profile 'noregion' (no region)", ex.Message);
    }

    [Fact]
    public async Task CredentialProcessProfile_SignsWithWhatTheProcessPrints()
    {
        await using var server = FaultInjectingHttpServer.Start(ScriptedResponse.Respond(200, "{\"registrationCode\":\"c\"}"));
        using var session = Create(Options(o => { o.ProfileName = "proc"; o.ProfileLocation = _credentialsFile; o.EndpointUrl = server.Url; }));

        Assert.Equal("us-west-1", session.Region);
        await session.Iot.GetRegistrationCodeAsync();

        var request = Assert.Single(server.Requests);
        Assert.Contains("Credential=AKIDPROC/", request.Headers["authorization"]);
        Assert.Contains("/us-west-1/iot/aws4_request", request.Headers["authorization"]);
        Assert.Equal("proc-token", request.Headers["x-amz-security-token"]);
    }

    [Fact]
    public async Task CredentialFromAnotherAwsSdkCore_IsDuckTyped()
    {
        string corePath = typeof(AWSCredentials).Assembly.Location;
        var context = new AssemblyLoadContext("foreign-awssdk", isCollectible: true);
        try
        {
            var foreignCore = context.LoadFromAssemblyPath(corePath);
            var foreignType = foreignCore.GetType("Amazon.Runtime.SessionAWSCredentials", throwOnError: true)!;
            object foreign = Activator.CreateInstance(foreignType, "AKIDFOREIGN", "foreign-secret", "foreign-token")!;
            Assert.False(foreign is AWSCredentials, "the test needs a type from a different AWSSDK.Core");

            await using var server = FaultInjectingHttpServer.Start(ScriptedResponse.Respond(200, "{\"registrationCode\":\"c\"}"));
            using var session = Create(Options(o => { o.Credential = foreign; o.Region = "eu-west-1"; o.EndpointUrl = server.Url; }));
            await session.Iot.GetRegistrationCodeAsync();

            Assert.Contains("Amazon.Runtime.SessionAWSCredentials", session.CredentialSource);
            var request = Assert.Single(server.Requests);
            Assert.Contains("Credential=AKIDFOREIGN/", request.Headers["authorization"]);
            Assert.Equal("foreign-token", request.Headers["x-amz-security-token"]);
        }
        finally
        {
            context.Unload();
        }
    }

    [Fact]
    public async Task StoredCredentials_AreAskedAgainOnEveryRequest_SoRefreshingCredentialsKeepRefreshing()
    {
        var refreshing = new RefreshingForeignCredentials();
        await using var server = FaultInjectingHttpServer.Start(
            ScriptedResponse.Respond(200, "{\"registrationCode\":\"c\"}"),
            ScriptedResponse.Respond(200, "{\"registrationCode\":\"c\"}"));
        using var session = Create(Options(o => { o.StoredCredentials = new FakeAwsPsCredentials(refreshing); o.StoredRegion = "eu-west-1"; o.EndpointUrl = server.Url; }));

        await session.Iot.GetRegistrationCodeAsync();
        await session.Iot.GetRegistrationCodeAsync();

        Assert.StartsWith("$StoredAWSCredentials", session.CredentialSource);
        Assert.Contains("Credential=AKIDGEN1/", server.Requests[0].Headers["authorization"]);
        Assert.Contains("Credential=AKIDGEN2/", server.Requests[1].Headers["authorization"]);
    }

    [Fact]
    public async Task ForeignCredentialsThatFail_GiveAClearError()
    {
        var failing = new RefreshingForeignCredentials { Fail = true };
        await using var server = FaultInjectingHttpServer.Start(ScriptedResponse.Respond(200, "{\"registrationCode\":\"c\"}"));
        using var session = Create(Options(o => { o.Credential = failing; o.Region = "eu-west-1"; o.EndpointUrl = server.Url; }));

        var ex = await Assert.ThrowsAsync<ZymException>(() => session.Iot.GetRegistrationCodeAsync());

        Assert.Equal("AwsCredentialsUnavailable", ex.ErrorId);
        Assert.Equal(ZymErrorCategory.AuthenticationError, ex.Category);
        Assert.Contains("SSO token expired", ex.Message);
        Assert.Equal(0, server.RequestCount);
    }

    /// <summary>Shaped like AWS.Tools' AWSPSCredentials: the credentials hang off a Credentials property.</summary>
    public sealed class FakeAwsPsCredentials
    {
        public FakeAwsPsCredentials(object credentials)
        {
            Credentials = credentials;
        }

        public object Credentials { get; }

        public string Name => "fake";
    }

    /// <summary>A foreign (not Amazon.Runtime) credentials object that hands out new keys on every call.</summary>
    public sealed class RefreshingForeignCredentials
    {
        private int _generation;

        public bool Fail { get; init; }

        public ForeignImmutable GetCredentials()
        {
            if (Fail)
            {
                throw new InvalidOperationException("SSO token expired");
            }

            int n = Interlocked.Increment(ref _generation);
            return new ForeignImmutable("AKIDGEN" + n, "gen-secret-" + n, null);
        }
    }

    public sealed record ForeignImmutable(string AccessKey, string SecretKey, string? Token);

    [Fact]
    public void StoredAwsCredentials_HoldingAProfileName_UsesThatProfile()
    {
        _env["HOME"] = _home;
        _env["AWS_SHARED_CREDENTIALS_FILE"] = _credentialsFile;
        using var session = Create(Options(o => o.StoredCredentials = "dev"));
        Assert.Equal("AKIDDEV", AccessKeyOf(session));
        Assert.Equal("ap-southeast-2", session.Region);
        Assert.Contains("$StoredAWSCredentials", session.CredentialSource, StringComparison.Ordinal);

        var ex = Assert.Throws<ZymException>(() => Create(Options(o => o.StoredCredentials = "nosuch")));
        Assert.Equal("AwsProfileNotFound", ex.ErrorId);
    }

    [Theory]
    [InlineData("eu-wset-1", "eu-west-1")]
    [InlineData("us-esat-1", "us-east-1")]
    [InlineData("ap-southeast-22", "ap-southeast-2")]
    public void AMistypedRegion_IsCaughtBeforeTheNetwork_WithTheNearestOne(string typed, string suggested)
    {
        var ex = Assert.Throws<ZymException>(() => Create(Options(o => { o.AccessKey = "a"; o.SecretKey = "b"; o.Region = typed; })));
        Assert.Equal("AwsRegionUnknown", ex.ErrorId);
        Assert.Contains($"did you mean '{suggested}'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("us-east-1", AwsRegions.All);
    }

    [Fact]
    public void AnyRegion_IsAccepted_AgainstAnEmulator()
    {
        using var session = Create(Options(o => { o.AccessKey = "a"; o.SecretKey = "b"; o.Region = "local-rehearsal-1"; o.EndpointUrl = "http://127.0.0.1:1"; }));
        Assert.Equal("local-rehearsal-1", session.Region);
    }

    [Fact]
    public void TheStandardEndpointVariables_AreHonoured_ServiceFirst()
    {
        _env["AWS_ENDPOINT_URL"] = "http://127.0.0.1:4566";
        _env["AWS_ENDPOINT_URL_IAM"] = "http://127.0.0.1:4567";
        using (var session = Create(Options(o => { o.AccessKey = "a"; o.SecretKey = "b"; o.Region = "us-east-1"; })))
        {
            Assert.Equal(new Uri("http://127.0.0.1:4566/"), session.Iot.Endpoint);
            Assert.Equal(new Uri("http://127.0.0.1:4567/"), session.Iam.Endpoint);
            Assert.Equal("http://127.0.0.1:4566", session.EndpointUrl);
        }

        using (var given = Create(Options(o => { o.AccessKey = "a"; o.SecretKey = "b"; o.Region = "us-east-1"; o.EndpointUrl = "http://127.0.0.1:5000"; })))
        {
            Assert.Equal(new Uri("http://127.0.0.1:5000/"), given.Iam.Endpoint);
        }

        _env["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"] = "true";
        using var ignored = Create(Options(o => { o.AccessKey = "a"; o.SecretKey = "b"; o.Region = "us-east-1"; }));
        Assert.Equal(new Uri("https://iot.us-east-1.amazonaws.com/"), ignored.Iot.Endpoint);
    }
}
