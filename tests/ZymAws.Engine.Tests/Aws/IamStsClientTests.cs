using System.Text.Json;
using Xunit;
using ZymAws.Engine.Aws;
using ZymAws.Engine.Tests.Infrastructure;

namespace ZymAws.Engine.Tests.Aws;

/// <summary>IAM and STS operations round-trip against a real moto_server.</summary>
[Collection(MotoCollection.Name)]
public sealed class IamStsClientTests
{
    internal const string TrustPolicy = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"credentials.iot.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}";
    private const string OtherTrustPolicy = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"ec2.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}";
    private readonly MotoServer _moto;

    public IamStsClientTests(MotoServer moto)
    {
        _moto = moto;
    }

    private static string Unique(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..12];

    private static void AssertSameJson(string expected, string? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(JsonSerializer.Serialize(JsonDocument.Parse(expected).RootElement), JsonSerializer.Serialize(JsonDocument.Parse(actual!).RootElement));
    }

    [Fact]
    public async Task Role_CreateGetUpdateTrustPolicy()
    {
        using var session = _moto.CreateSession();
        string name = Unique("role");
        var created = await session.Iam.CreateRoleAsync(new IamCreateRoleRequest(name, TrustPolicy) { Description = "zym test", MaxSessionDuration = 7200 });
        Assert.Equal($"arn:aws:iam::{MotoServer.AccountId}:role/{name}", created.Arn);

        var fetched = await session.Iam.GetRoleAsync(name);
        Assert.Equal(created.Arn, fetched.Arn);
        Assert.Equal(created.RoleId, fetched.RoleId);
        Assert.Equal("zym test", fetched.Description);
        Assert.Equal(7200, fetched.MaxSessionDuration);
        Assert.NotNull(fetched.CreateDate);
        AssertSameJson(TrustPolicy, fetched.AssumeRolePolicyDocument);

        await session.Iam.UpdateAssumeRolePolicyAsync(name, OtherTrustPolicy);
        AssertSameJson(OtherTrustPolicy, (await session.Iam.GetRoleAsync(name)).AssumeRolePolicyDocument);

        var exists = await Assert.ThrowsAsync<AwsServiceException>(() => session.Iam.CreateRoleAsync(new IamCreateRoleRequest(name, TrustPolicy)));
        Assert.Equal("IamEntityAlreadyExists", exists.ErrorId);
        Assert.Equal(ZymErrorCategory.ResourceExists, exists.Category);
        Assert.Equal(name, exists.Target);

        var missing = await Assert.ThrowsAsync<AwsServiceException>(() => session.Iam.GetRoleAsync(Unique("nope")));
        Assert.Equal("IamNoSuchEntity", missing.ErrorId);
        Assert.Equal(ZymErrorCategory.ObjectNotFound, missing.Category);
        Assert.Equal(404, missing.StatusCode);
    }

    [Fact]
    public async Task PutRolePolicy_IsVisibleToTheAwsCli()
    {
        using var session = _moto.CreateSession();
        string role = Unique("role");
        const string inline = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::zym-bucket/*\"}]}";
        await session.Iam.CreateRoleAsync(new IamCreateRoleRequest(role, TrustPolicy));

        await session.Iam.PutRolePolicyAsync(role, "device-access", inline);

        var cli = await ExternalProcess.AwsCliAsync(_moto, "iam", "get-role-policy", "--role-name", role, "--policy-name", "device-access");
        Assert.Equal(role, cli!.Value.GetProperty("RoleName").GetString());
        AssertSameJson(inline, cli.Value.GetProperty("PolicyDocument").GetRawText());
    }

    [Fact]
    public async Task AttachRolePolicy_ListsPageByPage()
    {
        var log = new CapturingEngineLog();
        using var session = _moto.CreateSession(log);
        string role = Unique("role");
        await session.Iam.CreateRoleAsync(new IamCreateRoleRequest(role, TrustPolicy));
        // Managed policies made with the AWS CLI (CreatePolicy is not one of ours; moto has no AWS managed policies by default).
        var policyArns = new List<string>();
        foreach (string policyName in new[] { Unique("read"), Unique("write"), Unique("iot") })
        {
            var made = await ExternalProcess.AwsCliAsync(_moto, "iam", "create-policy", "--policy-name", policyName, "--policy-document",
                "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:ListBucket\",\"Resource\":\"*\"}]}");
            policyArns.Add(made!.Value.GetProperty("Policy").GetProperty("Arn").GetString()!);
        }

        foreach (string arn in policyArns)
        {
            await session.Iam.AttachRolePolicyAsync(role, arn);
        }

        var first = await session.Iam.ListAttachedRolePoliciesAsync(role, maxItems: 2);
        Assert.Equal(2, first.Items.Count);
        Assert.NotNull(first.NextToken);

        var all = await session.Iam.ListAllAttachedRolePoliciesAsync(role, maxItems: 2);
        Assert.Equal(policyArns.OrderBy(a => a), all.Select(p => p.PolicyArn).OrderBy(a => a));
        Assert.All(all, p => Assert.EndsWith(":policy/" + p.PolicyName, p.PolicyArn));
    }

    [Fact]
    public async Task Sts_GetCallerIdentityAndAssumeRole()
    {
        var log = new CapturingEngineLog();
        using var session = _moto.CreateSession(log);
        string role = Unique("role");
        var created = await session.Iam.CreateRoleAsync(new IamCreateRoleRequest(role, TrustPolicy));

        var identity = await session.Sts.GetCallerIdentityAsync();
        Assert.Equal(MotoServer.AccountId, identity.Account);
        Assert.StartsWith("arn:aws:", identity.Arn);

        var assumed = await session.Sts.AssumeRoleAsync(new StsAssumeRoleRequest(created.Arn, "zym-test") { DurationSeconds = 900 });
        Assert.False(string.IsNullOrEmpty(assumed.AccessKeyId));
        Assert.False(string.IsNullOrEmpty(assumed.SecretAccessKey));
        Assert.False(string.IsNullOrEmpty(assumed.SessionToken));
        Assert.True(assumed.Expiration > DateTimeOffset.UtcNow);
        Assert.Contains(role, assumed.AssumedRoleArn);
        Assert.DoesNotContain(assumed.SecretAccessKey, assumed.ToString());
        Assert.DoesNotContain(assumed.SessionToken, assumed.ToString());
        Assert.DoesNotContain(assumed.SecretAccessKey, log.AllText);
        Assert.Contains(log.VerboseLines, l => l.Contains("sts AssumeRole") && l.Contains(created.Arn));
    }

    [Fact]
    public async Task Sts_Errors_AreAwsServiceExceptions()
    {
        await using var server = FaultInjectingHttpServer.Start(
            ScriptedResponse.Respond(403, "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>not allowed</Message></Error><RequestId>sts-1</RequestId></ErrorResponse>", ("Content-Type", "text/xml")));
        using var session = AwsRetryTests.Session(server);

        var ex = await Assert.ThrowsAsync<AwsServiceException>(() => session.Sts.AssumeRoleAsync(new StsAssumeRoleRequest("arn:aws:iam::123456789012:role/r", "s")));

        Assert.Equal("StsAccessDenied", ex.ErrorId);
        Assert.Equal(ZymErrorCategory.PermissionDenied, ex.Category);
        Assert.Equal(403, ex.StatusCode);
        Assert.Equal(1, server.RequestCount);
    }

    [Fact]
    public async Task Sts_Throttling_IsRetriedByTheSessionPolicy()
    {
        const string throttled = "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>t</RequestId></ErrorResponse>";
        const string ok = "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/u</Arn>" +
            "<UserId>AIDA1</UserId><Account>123456789012</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></GetCallerIdentityResponse>";
        await using var server = FaultInjectingHttpServer.Start(
            ScriptedResponse.Respond(400, throttled, ("Content-Type", "text/xml")),
            ScriptedResponse.Respond(200, ok, ("Content-Type", "text/xml")));
        using var session = AwsRetryTests.Session(server);

        var identity = await session.Sts.GetCallerIdentityAsync();

        Assert.Equal("123456789012", identity.Account);
        Assert.Equal(2, server.RequestCount);
    }
}
