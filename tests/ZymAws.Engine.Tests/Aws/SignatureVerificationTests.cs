using Xunit;
using ZymAws.Engine.Aws;
using ZymAws.Engine.Tests.Infrastructure;

namespace ZymAws.Engine.Tests.Aws;

/// <summary>A moto_server that checks SigV4 signatures after its first few (setup) requests.</summary>
public sealed class AuthenticatingMotoServer : MotoServer
{
    /// <summary>Requests moto lets through unauthenticated: the AWS CLI setup below uses exactly these.</summary>
    public const int SetupRequests = 3;

    public AuthenticatingMotoServer()
        : base(new Dictionary<string, string> { ["INITIAL_NO_AUTH_ACTION_COUNT"] = SetupRequests.ToString() })
    {
    }
}

/// <summary>
/// Our signatures (AWSSDK.Core's signer over our requests) are verified by a real server: moto with signature
/// checking on accepts the right secret and rejects a wrong one with SignatureDoesNotMatch.
/// </summary>
public sealed class SignatureVerificationTests : IClassFixture<AuthenticatingMotoServer>
{
    private readonly AuthenticatingMotoServer _moto;

    public SignatureVerificationTests(AuthenticatingMotoServer moto)
    {
        _moto = moto;
    }

    [Fact]
    public async Task RightSecretIsAccepted_WrongSecretIsSignatureDoesNotMatch()
    {
        // Setup through the AWS CLI while moto still lets requests through: a user with a key and an allow-all policy.
        await ExternalProcess.AwsCliAsync(_moto, "iam", "create-user", "--user-name", "signer");
        var key = (await ExternalProcess.AwsCliAsync(_moto, "iam", "create-access-key", "--user-name", "signer"))!.Value.GetProperty("AccessKey");
        await ExternalProcess.AwsCliAsync(_moto, "iam", "put-user-policy", "--user-name", "signer", "--policy-name", "all",
            "--policy-document", "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}]}");
        string accessKey = key.GetProperty("AccessKeyId").GetString()!;
        string secretKey = key.GetProperty("SecretAccessKey").GetString()!;
        var settings = new AwsClientSettings { MaxAttempts = 2, BaseDelay = TimeSpan.FromMilliseconds(1), RateLimitingEnabled = false };

        AwsConnectionOptions Options(string secret) => new()
        {
            AccessKey = accessKey,
            SecretKey = secret,
            Region = MotoServer.Region,
            EndpointUrl = _moto.EndpointUrl,
            GetEnvironmentVariable = _ => null,
        };

        using (var good = AwsSession.Create(Options(secretKey), settings, Diagnostics.NullEngineLog.Instance))
        {
            var thing = await good.Iot.CreateThingAsync(new IotCreateThingRequest("signed-thing"));
            Assert.Equal("signed-thing", thing.ThingName);
            var role = await good.Iam.CreateRoleAsync(new IamCreateRoleRequest("signed-role", IamStsClientTests.TrustPolicy));
            Assert.Equal("signed-role", role.RoleName);
            var missing = await Assert.ThrowsAsync<AwsServiceException>(() => good.Iam.GetRoleAsync("no-such-role"));
            Assert.Equal("NoSuchEntity", missing.ErrorCode);
        }

        using var bad = AwsSession.Create(Options(secretKey + "x"), settings, Diagnostics.NullEngineLog.Instance);
        var iamError = await Assert.ThrowsAsync<AwsServiceException>(() => bad.Iam.GetRoleAsync("signed-role"));
        Assert.Equal("SignatureDoesNotMatch", iamError.ErrorCode);
        Assert.Equal(ZymErrorCategory.AuthenticationError, iamError.Category);
        Assert.Equal(1, iamError.Attempts);
        var iotError = await Assert.ThrowsAsync<AwsServiceException>(() => bad.Iot.CreateThingAsync(new IotCreateThingRequest("unsigned-thing")));
        // moto answers a bad IoT signature with 403 and an XML error document (not REST-JSON): an error body in the
        // other protocol's shape is still read, so the code is SignatureDoesNotMatch rather than a guess from the status.
        Assert.Equal(403, iotError.StatusCode);
        Assert.Equal(ZymErrorCategory.AuthenticationError, iotError.Category);
        Assert.Equal("IotSignatureDoesNotMatch", iotError.ErrorId);
    }
}
