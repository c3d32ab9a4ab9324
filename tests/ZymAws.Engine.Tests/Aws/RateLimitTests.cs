using System.Diagnostics;
using Xunit;
using ZymAws.Engine.Aws;
using ZymAws.Engine.Tests.Infrastructure;

namespace ZymAws.Engine.Tests.Aws;

/// <summary>The client-side token bucket: documented starting rates, explicit (fixed) overrides, and the lower bound a fixed limit enforces.</summary>
public sealed class RateLimitTests
{
    [Fact]
    public void Defaults_ComeFromTheDocumentedQuotas_AndUnverifiedOnesAre10()
    {
        var settings = new AwsClientSettings();
        Assert.Equal(350, settings.GetRateLimit("iot", "DescribeThing"));
        Assert.Equal(100, settings.GetRateLimit("iot", "CreateThing"));
        Assert.Equal(15, settings.GetRateLimit("iot", "AttachPolicy"));
        Assert.Equal(10, settings.GetRateLimit("iot", "RegisterCertificate"));
        Assert.Equal(10, settings.GetRateLimit("iam", "CreateRole"));
    }

    [Fact]
    public void Overrides_AndDisabling_AreHonoured()
    {
        var settings = new AwsClientSettings();
        settings.RateLimits["iot:RegisterCertificate"] = 40;
        settings.RateLimits["GetPolicy"] = 3;
        settings.RateLimits["iot:CreateThing"] = 0;
        Assert.Equal(40, settings.GetRateLimit("iot", "RegisterCertificate"));
        Assert.Equal(3, settings.GetRateLimit("iot", "GetPolicy"));
        Assert.Null(settings.GetRateLimit("iot", "CreateThing"));

        settings.RateLimitingEnabled = false;
        Assert.Null(settings.GetRateLimit("iot", "RegisterCertificate"));
    }

    [Fact]
    public async Task ConcurrentCalls_CannotFinishBeforeTheRateAllows()
    {
        const int calls = 11;
        const double rate = 20;
        await using var server = FaultInjectingHttpServer.Start(Enumerable.Range(0, calls).Select(_ => ScriptedResponse.Respond(200, "{\"endpointAddress\":\"x.iot.us-east-1.amazonaws.com\"}")).ToArray());
        var settings = new AwsClientSettings();
        settings.RateLimits["iot:DescribeEndpoint"] = rate;
        var log = new CapturingEngineLog();
        var options = new AwsConnectionOptions { AccessKey = "AKID", SecretKey = "s", Region = "us-east-1", EndpointUrl = server.Url, GetEnvironmentVariable = _ => null };
        using var session = AwsSession.Create(options, settings, log);

        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, calls).Select(_ => session.Iot.DescribeEndpointAsync()));
        clock.Stop();

        // A lower bound (behaviour, not a speed target): N calls at R/s need at least (N-1)/R seconds.
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds((calls - 1) / rate), $"{calls} calls finished in {clock.Elapsed.TotalMilliseconds} ms");
        Assert.Equal(calls, server.RequestCount);
        Assert.Contains(log.VerboseLines, l => l.Contains("waiting for the rate limit"));
    }
}
