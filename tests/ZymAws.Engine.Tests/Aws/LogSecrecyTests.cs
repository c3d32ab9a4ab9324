using Xunit;
using Xunit.Abstractions;
using ZymAws.Engine.Aws;
using ZymAws.Engine.Tests.Infrastructure;

namespace ZymAws.Engine.Tests.Aws;

/// <summary>The secret key and session token never reach the log, error messages or ToString().</summary>
[Collection(MotoCollection.Name)]
public sealed class LogSecrecyTests
{
    private const string Secret = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYSECRET";
    private const string Token = "FwoGZXIvYXdzEXAMPLE-SESSION-TOKEN-VALUE";
    private readonly MotoServer _moto;
    private readonly ITestOutputHelper _output;

    public LogSecrecyTests(MotoServer moto, ITestOutputHelper output)
    {
        _moto = moto;
        _output = output;
    }

    [Fact]
    public async Task SuccessesFailuresAndRetries_NeverLogTheSecretOrToken()
    {
        var log = new CapturingEngineLog();
        var errors = new List<Exception>();
        var options = new AwsConnectionOptions { AccessKey = "AKIDSECRECY", SecretKey = Secret, SessionToken = Token, Region = "us-east-1", EndpointUrl = _moto.EndpointUrl, GetEnvironmentVariable = _ => null };
        var settings = new AwsClientSettings { BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(5), RateLimitingEnabled = false };
        string thing = "secrecy-" + Guid.NewGuid().ToString("N")[..8];
        using (var session = AwsSession.Create(options, settings, log))
        {
            await session.Iot.CreateThingAsync(new IotCreateThingRequest(thing));
            await session.Iot.DescribeThingAsync(thing);
            await session.Sts.GetCallerIdentityAsync();
            errors.Add(await Assert.ThrowsAsync<AwsServiceException>(() => session.Iot.DescribeThingAsync("missing-" + thing)));
            errors.Add(await Assert.ThrowsAsync<AwsServiceException>(() => session.Iam.GetRoleAsync("missing-" + thing)));
            Assert.DoesNotContain(Secret, session.ToString());
        }

        await using (var server = FaultInjectingHttpServer.Start(
            ScriptedResponse.AwsJsonError(400, "ThrottlingException", "Rate exceeded"),
            ScriptedResponse.DropMidResponse(),
            ScriptedResponse.AwsJsonError(403, "UnauthorizedException", "denied")))
        {
            options.EndpointUrl = server.Url;
            using var session = AwsSession.Create(options, settings, log);
            errors.Add(await Assert.ThrowsAsync<AwsServiceException>(() => session.Iot.DescribeThingAsync(thing)));
        }

        foreach (var (level, message) in log.Lines)
        {
            _output.WriteLine(level + ": " + message);
        }

        Assert.Contains(log.VerboseLines, l => l.Contains("CreateThing") && l.Contains(thing));
        Assert.Contains(log.Lines, l => l.Level == "Debug" && l.Message.Contains("retrying"));
        string everything = log.AllText + string.Join("\n", errors.Select(e => e.ToString())) + options;
        Assert.DoesNotContain(Secret, everything);
        Assert.DoesNotContain(Token, everything);
        Assert.DoesNotContain("Authorization", everything, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Signature=", everything);
    }
}
