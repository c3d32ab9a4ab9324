using Xunit;
using ZymAws.Engine.Aws;
using ZymAws.Engine.Aws.Internal;
using ZymAws.Engine.Tests.Infrastructure;

namespace ZymAws.Engine.Tests.Aws;

/// <summary>
/// The adaptive limit (issue 12): the rule on a made-up clock (no timing in these assertions), and the request pipeline
/// against a real local HTTP server that throttles on purpose.
/// </summary>
public sealed class AdaptiveRateLimitTests
{
    private const string ThingJson = "{\"thingName\":\"dev-1\",\"thingArn\":\"arn:aws:iot:us-east-1:123456789012:thing/dev-1\",\"thingId\":\"id-1\",\"attributes\":{},\"version\":1}";

    [Fact]
    public void AThrottle_CutsToBetaOfWhatWasSent_AndSuccessesGrowItBackPastTheOldRate()
    {
        var rate = new AdaptiveRate(10, now: 0);
        double t = 0;
        for (; t < 3; t += 0.1)
        {
            rate.RecordSend(t);
            rate.OnSuccess(t);
        }

        double before = rate.Rate;
        Assert.True(before >= 10, $"rate {before} fell while every call succeeded");

        Assert.True(rate.OnThrottled(sentAt: t - 0.05, now: t));
        double cut = rate.Rate;
        Assert.InRange(cut, 0.5, before * AdaptiveRate.Beta + 1e-9);

        // Growing back: concave up to the throttled rate, then probing above it while calls keep succeeding.
        double afterThrottle = t;
        double lastMax = Math.Min(rate.MeasuredRate, before);
        double sawAtPlateau = 0;
        for (; t < afterThrottle + 15; t += 1 / rate.Rate)
        {
            rate.RecordSend(t);
            rate.OnSuccess(t);
            if (t < afterThrottle + 1)
            {
                Assert.True(rate.Rate < lastMax, "the rate jumped straight back to where it was throttled");
            }

            if (sawAtPlateau == 0 && rate.Rate >= lastMax * 0.98)
            {
                sawAtPlateau = t;
            }
        }

        Assert.True(sawAtPlateau > afterThrottle, "the rate never grew back");
        Assert.True(rate.Rate > lastMax * 1.5, $"the rate stayed at {rate.Rate}, never probing above {lastMax}");
    }

    [Fact]
    public void ThrottlesOfAttemptsSentBeforeTheLastCut_DoNotCutAgain()
    {
        var rate = new AdaptiveRate(100, now: 0);
        for (double t = 0; t < 1; t += 0.01)
        {
            rate.RecordSend(t);
        }

        // Eight calls in flight, sent before t=1, all throttled as they come back: one cut, not 0.7^8.
        Assert.True(rate.OnThrottled(sentAt: 0.95, now: 1.0));
        double once = rate.Rate;
        for (int i = 1; i < 8; i++)
        {
            Assert.False(rate.OnThrottled(sentAt: 0.95 + (i * 0.001), now: 1.0 + (i * 0.001)));
        }

        Assert.Equal(once, rate.Rate);
        Assert.Equal(1, rate.Cuts);

        // An attempt sent after the cut and still throttled is news: the rate is cut again.
        Assert.True(rate.OnThrottled(sentAt: 1.1, now: 1.15));
        Assert.True(rate.Rate < once);
    }

    [Fact]
    public void AnOperationCalledRarely_DoesNotGrowBeyondItsStart_ButNeverFallsBelowItWithoutAThrottle()
    {
        var rate = new AdaptiveRate(100, now: 0);
        for (double t = 0; t < 60; t += 1)
        {
            rate.RecordSend(t);
            rate.OnSuccess(t);
        }

        // One call a second: no evidence for more than the start, and none for less.
        Assert.Equal(100, rate.Rate, 6);
    }

    [Theory]
    [InlineData(10, 10)]  // the documented quota is the account's
    [InlineData(10, 4)]   // a lower quota (shared with another client): converges down
    [InlineData(10, 50)]  // raised 5x: found without configuration
    [InlineData(100, 30)]
    public void AgainstAQuota_TheClientSettlesNearIt_WithFewThrottles(double start, double quota)
    {
        var (accepted, throttledShare, finalRate) = Simulate(start, quota, seconds: 240);

        // Accepted calls per second over the second half, against the quota (the most AWS accepts).
        Assert.InRange(accepted, quota * 0.9, quota * 1.02);
        Assert.True(throttledShare < 0.15, $"{throttledShare:P1} of attempts throttled");
        Assert.InRange(finalRate, quota * 0.5, quota * 2);
    }

    /// <summary>
    /// A client always ready to send (many calls queued), paced by <see cref="AdaptiveRate"/>, against a server's token
    /// bucket of <paramref name="quota"/>/s (one second of burst) with answers 50 ms later. Simulated time: no clock.
    /// </summary>
    private static (double AcceptedPerSecond, double ThrottledShare, double FinalRate) Simulate(double start, double quota, double seconds)
    {
        const double latency = 0.05;
        var rate = new AdaptiveRate(start, now: 0);
        var answers = new PriorityQueue<(double SentAt, bool Ok), double>();
        double tokens = quota, lastRefill = 0;
        long sent = 0, throttled = 0, acceptedLate = 0;
        for (double t = 0; t < seconds; t += 1 / rate.Rate)
        {
            while (answers.TryPeek(out var answer, out double at) && at <= t)
            {
                answers.Dequeue();
                if (answer.Ok)
                {
                    rate.OnSuccess(at);
                }
                else
                {
                    rate.OnThrottled(answer.SentAt, at);
                }
            }

            tokens = Math.Min(quota, tokens + ((t - lastRefill) * quota));
            lastRefill = t;
            rate.RecordSend(t);
            sent++;
            bool ok = tokens >= 1;
            if (ok)
            {
                tokens -= 1;
                acceptedLate += t >= seconds / 2 ? 1 : 0;
            }
            else
            {
                throttled++;
            }

            answers.Enqueue((t, ok), t + latency);
        }

        return (acceptedLate / (seconds / 2), (double)throttled / sent, rate.Rate);
    }

    [Fact]
    public async Task ThrottledBeyondMaxAttempts_AnAdaptiveLimitSlowsDown_AndTheCallSucceeds()
    {
        await using var server = FaultInjectingHttpServer.Start(
            Enumerable.Range(0, 6).Select(_ => ScriptedResponse.AwsJsonError(400, "ThrottlingException", "Rate exceeded"))
                .Append(ScriptedResponse.Respond(200, ThingJson, ("Content-Type", "application/json"))).ToArray());
        var log = new CapturingEngineLog();
        using var session = Session(server, log, new AwsClientSettings { MaxAttempts = 2 });

        var thing = await session.Iot.DescribeThingAsync("dev-1");

        Assert.Equal("dev-1", thing.ThingName);
        Assert.Equal(7, server.RequestCount);
        var limit = Assert.Single(session.RateLimitStates());
        Assert.Equal("iot:DescribeThing", limit.Operation);
        Assert.True(limit.Adaptive);
        Assert.Equal(350, limit.StartRate);
        Assert.True(limit.Rate < 350 * AdaptiveRate.Beta, $"rate {limit.Rate} after six throttles");
        Assert.Equal(6, limit.Throttles);
        Assert.Contains(log.VerboseLines, l => l.Contains("DescribeThing") && l.Contains("attempt 7") && l.Contains("6 throttled"));
    }

    [Fact]
    public async Task ThrottledForEver_TheCallStopsAfterMaxThrottledAttemptsPlusMaxAttempts()
    {
        await using var server = FaultInjectingHttpServer.Start();
        server.WhenScriptExhausted = ScriptedResponse.AwsJsonError(400, "ThrottlingException", "Rate exceeded");
        using var session = Session(server, null, new AwsClientSettings { MaxAttempts = 2, MaxThrottledAttempts = 3 });

        var error = await Assert.ThrowsAsync<AwsServiceException>(() => session.Iot.DescribeThingAsync("dev-1"));

        Assert.Equal("ThrottlingException", error.ErrorCode);
        Assert.Equal(5, server.RequestCount);
        Assert.Equal(5, error.Attempts);
    }

    [Fact]
    public async Task AnExplicitLimit_IsFixed_AndItsThrottlesSpendMaxAttempts()
    {
        await using var server = FaultInjectingHttpServer.Start();
        server.WhenScriptExhausted = ScriptedResponse.AwsJsonError(400, "ThrottlingException", "Rate exceeded");
        var settings = new AwsClientSettings { MaxAttempts = 3 };
        settings.RateLimits["iot:DescribeThing"] = 200;
        using var session = Session(server, null, settings);

        await Assert.ThrowsAsync<AwsServiceException>(() => session.Iot.DescribeThingAsync("dev-1"));

        Assert.Equal(3, server.RequestCount);
        var limit = Assert.Single(session.RateLimitStates());
        Assert.False(limit.Adaptive);
        Assert.Equal(200, limit.Rate);
        Assert.Equal(3, limit.Throttles);
    }

    [Fact]
    public async Task NoRateLimit_NoLimiter_AndThrottlesSpendMaxAttempts()
    {
        await using var server = FaultInjectingHttpServer.Start();
        server.WhenScriptExhausted = ScriptedResponse.AwsJsonError(400, "ThrottlingException", "Rate exceeded");
        using var session = Session(server, null, new AwsClientSettings { MaxAttempts = 3, RateLimitingEnabled = false });

        await Assert.ThrowsAsync<AwsServiceException>(() => session.Iot.DescribeThingAsync("dev-1"));

        Assert.Equal(3, server.RequestCount);
        Assert.Empty(session.RateLimitStates());
        Assert.Null(new AwsClientSettings { RateLimitingEnabled = false }.GetRateLimit("iot", "CreateThing"));
        Assert.False(new AwsClientSettings { RateLimitingEnabled = false }.IsAdaptive("iot", "CreateThing"));
    }

    [Fact]
    public void OnlyOperationsWithoutAnExplicitLimit_Adapt()
    {
        var settings = new AwsClientSettings();
        settings.RateLimits["RegisterCertificate"] = 40;
        Assert.False(settings.IsAdaptive("iot", "RegisterCertificate"));
        Assert.True(settings.IsAdaptive("iot", "CreateThing"));
        settings.AdaptiveRateLimiting = false;
        Assert.False(settings.IsAdaptive("iot", "CreateThing"));
        Assert.Equal(100, settings.GetRateLimit("iot", "CreateThing"));
    }

    [Fact]
    public async Task ACancelledWait_LeavesTheQueue_AndOthersStillGetTheirTurn()
    {
        // One call every 2 s: the cancel below comes long before the queued waiter's turn, even on a loaded machine.
        var limiter = new OperationRateLimiter("iot:X", 0.5, 1, adaptive: false);
        await limiter.WaitAsync(false, CancellationToken.None);  // takes the one token
        using var cts = new CancellationTokenSource();
        var cancelled = limiter.WaitAsync(false, cts.Token);
        var next = limiter.WaitAsync(false, CancellationToken.None);
        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        await next;
        Assert.Equal(2, limiter.Counts.Attempts);
    }

    private static AwsSession Session(FaultInjectingHttpServer server, CapturingEngineLog? log, AwsClientSettings settings)
    {
        var options = new AwsConnectionOptions
        {
            AccessKey = "AKIDADAPTIVETEST",
            SecretKey = "adaptive-secret",
            Region = "us-east-1",
            EndpointUrl = server.Url,
            GetEnvironmentVariable = _ => null,
        };
        settings.BaseDelay = TimeSpan.FromMilliseconds(1);
        settings.MaxDelay = TimeSpan.FromMilliseconds(20);
        return AwsSession.Create(options, settings, (Diagnostics.IEngineLog?)log ?? Diagnostics.NullEngineLog.Instance);
    }
}
