using System.Diagnostics;
using Xunit;
using ZymAws.Engine.Aws;
using ZymAws.Engine.Tests.Infrastructure;

namespace ZymAws.Engine.Tests.Aws;

/// <summary>Retries, timeouts and cancellation against a real local HTTP server that misbehaves on purpose.</summary>
public sealed class AwsRetryTests
{
    private const string ThingJson = "{\"thingName\":\"dev-1\",\"thingArn\":\"arn:aws:iot:us-east-1:123456789012:thing/dev-1\",\"thingId\":\"id-1\",\"attributes\":{},\"version\":1}";

    internal static AwsSession Session(FaultInjectingHttpServer server, CapturingEngineLog? log = null, int maxAttempts = 4, TimeSpan? attemptTimeout = null, TimeSpan? maxDelay = null, string? sessionToken = null)
    {
        var options = new AwsConnectionOptions
        {
            AccessKey = "AKIDRETRYTEST",
            SecretKey = "retry-secret-must-not-leak",
            SessionToken = sessionToken,
            Region = "us-east-1",
            EndpointUrl = server.Url,
            GetEnvironmentVariable = _ => null,
        };
        var settings = new AwsClientSettings
        {
            MaxAttempts = maxAttempts,
            BaseDelay = TimeSpan.FromMilliseconds(1),
            MaxDelay = maxDelay ?? TimeSpan.FromMilliseconds(20),
            AttemptTimeout = attemptTimeout ?? TimeSpan.FromSeconds(20),
            RateLimitingEnabled = false,
        };
        return AwsSession.Create(options, settings, (Diagnostics.IEngineLog?)log ?? Diagnostics.NullEngineLog.Instance);
    }

    [Fact]
    public async Task Throttling400_ThenOk_SucceedsAfterThreeAttempts()
    {
        await using var server = FaultInjectingHttpServer.Start(
            ScriptedResponse.AwsJsonError(400, "ThrottlingException", "Rate exceeded"),
            ScriptedResponse.AwsJsonError(400, "ThrottlingException", "Rate exceeded"),
            ScriptedResponse.Respond(200, ThingJson, ("Content-Type", "application/json")));
        var log = new CapturingEngineLog();
        using var session = Session(server, log);

        var thing = await session.Iot.DescribeThingAsync("dev-1");

        Assert.Equal("dev-1", thing.ThingName);
        Assert.Equal(3, server.RequestCount);
        string line = Assert.Single(log.VerboseLines, l => l.Contains("DescribeThing"));
        Assert.Contains("attempt 3", line);
        Assert.Contains("'dev-1'", line);
    }

    [Theory]
    [InlineData(503, "ServiceUnavailableException")]
    [InlineData(429, "TooManyRequestsException")]
    [InlineData(500, "InternalFailureException")]
    [InlineData(502, null)]
    public async Task ServerErrorsAndTooManyRequests_AreRetried(int status, string? errorType)
    {
        var failure = errorType is null
            ? ScriptedResponse.Respond(status, "<html>bad gateway</html>", ("Content-Type", "text/html"))
            : ScriptedResponse.AwsJsonError(status, errorType, "try again");
        await using var server = FaultInjectingHttpServer.Start(failure, ScriptedResponse.Respond(200, ThingJson));
        using var session = Session(server);

        var thing = await session.Iot.DescribeThingAsync("dev-1");

        Assert.Equal("dev-1", thing.ThingName);
        Assert.Equal(2, server.RequestCount);
    }

    [Fact]
    public async Task ConnectionDroppedMidResponse_IsRetried()
    {
        await using var server = FaultInjectingHttpServer.Start(ScriptedResponse.DropMidResponse(), ScriptedResponse.DropBeforeResponse(), ScriptedResponse.Respond(200, ThingJson));
        using var session = Session(server);

        var thing = await session.Iot.DescribeThingAsync("dev-1");

        Assert.Equal("dev-1", thing.ThingName);
        Assert.Equal(3, server.RequestCount);
    }

    [Fact]
    public async Task InvalidRequest_FailsFastWithoutRetry()
    {
        await using var server = FaultInjectingHttpServer.Start(
            ScriptedResponse.AwsJsonError(400, "InvalidRequestException", "thingName is invalid"),
            ScriptedResponse.Respond(200, ThingJson));
        using var session = Session(server);

        var error = await Assert.ThrowsAsync<AwsServiceException>(() => session.Iot.DescribeThingAsync("dev-1"));

        Assert.Equal(1, server.RequestCount);
        Assert.Equal(1, error.Attempts);
        Assert.Equal("InvalidRequestException", error.ErrorCode);
        Assert.Equal("IotInvalidRequest", error.ErrorId);
        Assert.Equal(ZymErrorCategory.InvalidArgument, error.Category);
        Assert.Equal("thingName is invalid", error.AwsMessage);
        Assert.Equal(400, error.StatusCode);
        Assert.StartsWith("req-", error.RequestId);
        Assert.Equal("dev-1", error.Target);
    }

    [Fact]
    public async Task ThrottledOnEveryAttempt_ThrowsTheThrottlingCodeAfterMaxAttempts()
    {
        await using var server = FaultInjectingHttpServer.Start(Enumerable.Range(0, 6).Select(_ => ScriptedResponse.AwsJsonError(400, "ThrottlingException", "Rate exceeded")).ToArray());
        using var session = Session(server, maxAttempts: 4);

        var error = await Assert.ThrowsAsync<AwsServiceException>(() => session.Iot.DescribeThingAsync("dev-1"));

        Assert.Equal(4, server.RequestCount);
        Assert.Equal(4, error.Attempts);
        Assert.Equal("ThrottlingException", error.ErrorCode);
        Assert.Equal("IotThrottling", error.ErrorId);
        Assert.Equal(ZymErrorCategory.LimitsExceeded, error.Category);
    }

    [Fact]
    public async Task ConnectionFailingEveryTime_ThrowsConnectionFailure()
    {
        await using var server = FaultInjectingHttpServer.Start();
        server.WhenScriptExhausted = ScriptedResponse.DropBeforeResponse();
        using var session = Session(server, maxAttempts: 3);

        var error = await Assert.ThrowsAsync<AwsServiceException>(() => session.Iot.DescribeThingAsync("dev-1"));

        // .NET's handler may itself resend a request whose connection closed before any response byte.
        Assert.True(server.RequestCount >= 3);
        Assert.Contains("after 3 attempts", error.Message);
        Assert.Equal(3, error.Attempts);
        Assert.Equal("ConnectionFailure", error.ErrorCode);
        Assert.Equal(ZymErrorCategory.ConnectionError, error.Category);
        Assert.Null(error.StatusCode);
    }

    [Fact]
    public async Task AttemptThatNeverAnswers_TimesOutAndIsRetried()
    {
        await using var server = FaultInjectingHttpServer.Start(ScriptedResponse.NeverRespond(), ScriptedResponse.Respond(200, ThingJson));
        using var session = Session(server, attemptTimeout: TimeSpan.FromMilliseconds(500));

        var thing = await session.Iot.DescribeThingAsync("dev-1");

        Assert.Equal("dev-1", thing.ThingName);
        Assert.Equal(2, server.RequestCount);
    }

    [Fact]
    public async Task Cancellation_AbortsARequestThatNeverAnswers()
    {
        await using var server = FaultInjectingHttpServer.Start(ScriptedResponse.NeverRespond());
        using var session = Session(server, attemptTimeout: TimeSpan.FromSeconds(120));
        using var cts = new CancellationTokenSource();
        var clock = Stopwatch.StartNew();
        var call = session.Iot.DescribeThingAsync("dev-1", cts.Token);
        while (server.RequestCount == 0 && clock.Elapsed < TimeSpan.FromSeconds(20))
        {
            await Task.Delay(10);
        }

        Assert.Equal(1, server.RequestCount);
        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);

        // Far below the 120 s attempt timeout: the token aborted the in-flight request.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"took {clock.Elapsed}");
        Assert.Equal(1, server.RequestCount);
    }

    [Fact]
    public async Task Cancellation_DuringBackoff_StopsRetrying()
    {
        await using var server = FaultInjectingHttpServer.Start(
            ScriptedResponse.Respond(429, "{\"message\":\"slow down\"}", ("Retry-After", "600"), ("X-Amzn-ErrorType", "TooManyRequestsException")),
            ScriptedResponse.Respond(200, ThingJson));
        using var session = Session(server, maxDelay: TimeSpan.FromSeconds(120));
        using var cts = new CancellationTokenSource();
        var call = session.Iot.DescribeThingAsync("dev-1", cts.Token);
        var clock = Stopwatch.StartNew();
        while (server.RequestCount == 0 && clock.Elapsed < TimeSpan.FromSeconds(20))
        {
            await Task.Delay(10);
        }

        await Task.Delay(100);
        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        Assert.Equal(1, server.RequestCount);
    }

    [Fact]
    public async Task CreateCertificateFromCsr_IsNotRepeatedAfterAnAmbiguousFailure_ButIsAfterThrottling()
    {
        const string created = "{\"certificateId\":\"abc\",\"certificateArn\":\"arn:aws:iot:us-east-1:123456789012:cert/abc\",\"certificatePem\":\"-----BEGIN CERTIFICATE-----\"}";
        await using var server = FaultInjectingHttpServer.Start(
            ScriptedResponse.DropMidResponse(),
            ScriptedResponse.AwsJsonError(400, "ThrottlingException", "Rate exceeded"),
            ScriptedResponse.Respond(200, created));
        using var session = Session(server);

        var dropped = await Assert.ThrowsAsync<AwsServiceException>(() => session.Iot.CreateCertificateFromCsrAsync("csr"));
        Assert.Equal("ConnectionFailure", dropped.ErrorCode);
        Assert.Equal(1, server.RequestCount);

        var certificate = await session.Iot.CreateCertificateFromCsrAsync("csr");
        Assert.Equal("abc", certificate.CertificateId);
        Assert.Equal(3, server.RequestCount);
    }
    [Fact]
    public async Task LostAnswer_ThenThrottledToTheLastAttempt_LeavesTheOutcomeUnknown()
    {
        // Issue 9: the first attempt reached the service and its answer was lost; the retries were throttled. The
        // throttle answers the retry only: the call may have taken effect.
        await using var server = FaultInjectingHttpServer.Start(
            ScriptedResponse.DropMidResponse(),
            ScriptedResponse.AwsJsonError(400, "ThrottlingException", "Rate exceeded"),
            ScriptedResponse.AwsJsonError(400, "ThrottlingException", "Rate exceeded"));
        using var session = Session(server, maxAttempts: 3);

        var error = await Assert.ThrowsAsync<AwsServiceException>(() => session.Iot.CreateThingAsync(new IotCreateThingRequest("dev-1")));

        Assert.Equal("ThrottlingException", error.ErrorCode);
        Assert.Equal(400, error.StatusCode);
        Assert.True(error.OutcomeUnknown);
        Assert.Contains("may have taken effect", error.Message);
    }

    [Theory]
    [InlineData(false, 400, "ThrottlingException")]
    [InlineData(false, 409, "ResourceAlreadyExistsException")]
    [InlineData(true, 503, "ServiceUnavailableException")]
    [InlineData(true, 500, "InternalFailureException")]
    public async Task EveryAttemptAnswered_TheOutcomeIsUnknownOnlyAfterA5xx(bool unknown, int status, string errorType)
    {
        await using var server = FaultInjectingHttpServer.Start(Enumerable.Range(0, 3).Select(_ => ScriptedResponse.AwsJsonError(status, errorType, "no")).ToArray());
        using var session = Session(server, maxAttempts: 3);

        var error = await Assert.ThrowsAsync<AwsServiceException>(() => session.Iot.DeleteCertificateAsync("abc"));

        Assert.Equal(unknown, error.OutcomeUnknown);
        Assert.Equal(status, error.StatusCode);
    }

    [Fact]
    public async Task ARefusedConnection_NeverReachedTheService()
    {
        int port;
        using (var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        }

        var options = new AwsConnectionOptions { AccessKey = "AKIDREFUSED", SecretKey = "s", Region = "us-east-1", EndpointUrl = $"http://127.0.0.1:{port}", GetEnvironmentVariable = _ => null };
        var settings = new AwsClientSettings { MaxAttempts = 2, BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(5), RateLimitingEnabled = false };
        using var session = AwsSession.Create(options, settings, Diagnostics.NullEngineLog.Instance);

        var error = await Assert.ThrowsAsync<AwsServiceException>(() => session.Iot.CreateThingAsync(new IotCreateThingRequest("dev-1")));

        Assert.Equal("ConnectionFailure", error.ErrorCode);
        Assert.False(error.OutcomeUnknown);
    }
}
