using System.Text.Json;
using Xunit;
using ZymAws.Engine.Aws;
using ZymAws.Engine.Tests.Infrastructure;

namespace ZymAws.Engine.Tests.Aws;

/// <summary>What goes on the wire: signing headers, paths, paging markers, as seen by a real local HTTP server.</summary>
public sealed class AwsWireTests
{
    [Fact]
    public async Task IotRequests_AreSigV4SignedForIotInTheSessionRegion()
    {
        await using var server = FaultInjectingHttpServer.Start(ScriptedResponse.Respond(200, "{\"registrationCode\":\"code\"}"));
        using var session = AwsRetryTests.Session(server, sessionToken: "token-must-not-leak");

        Assert.Equal("code", await session.Iot.GetRegistrationCodeAsync());

        var request = Assert.Single(server.Requests);
        Assert.Equal("GET", request.Method);
        Assert.Equal("/registrationcode", request.PathAndQuery);
        Assert.Matches(@"^AWS4-HMAC-SHA256 Credential=AKIDRETRYTEST/\d{8}/us-east-1/iot/aws4_request, SignedHeaders=[a-z0-9;-]*host[a-z0-9;-]*, Signature=[0-9a-f]{64}$", request.Headers["authorization"]);
        Assert.Matches(@"^\d{8}T\d{6}Z$", request.Headers["x-amz-date"]);
        Assert.Equal("token-must-not-leak", request.Headers["x-amz-security-token"]);
    }

    [Fact]
    public async Task IamRequests_AreSignedForUsEast1WhateverTheRegion()
    {
        const string body = "<GetRoleResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><GetRoleResult><Role><Path>/</Path><RoleName>r</RoleName><RoleId>AROA1</RoleId>" +
            "<Arn>arn:aws:iam::123456789012:role/r</Arn><CreateDate>2024-01-02T03:04:05Z</CreateDate><AssumeRolePolicyDocument>%7B%22Version%22%3A%222012-10-17%22%7D</AssumeRolePolicyDocument>" +
            "<MaxSessionDuration>3600</MaxSessionDuration></Role></GetRoleResult><ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata></GetRoleResponse>";
        await using var server = FaultInjectingHttpServer.Start(ScriptedResponse.Respond(200, body, ("Content-Type", "text/xml")));
        var options = new AwsConnectionOptions { AccessKey = "AKIDIAM", SecretKey = "s", Region = "eu-west-1", EndpointUrl = server.Url, GetEnvironmentVariable = _ => null };
        using var session = AwsSession.Create(options, new AwsClientSettings { RateLimitingEnabled = false }, Diagnostics.NullEngineLog.Instance);

        var role = await session.Iam.GetRoleAsync("r");

        Assert.Equal("{\"Version\":\"2012-10-17\"}", role.AssumeRolePolicyDocument);
        Assert.Equal(new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.Zero), role.CreateDate);
        Assert.Equal(3600, role.MaxSessionDuration);
        var request = Assert.Single(server.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Contains("/us-east-1/iam/aws4_request", request.Headers["authorization"]);
        Assert.Equal("Action=GetRole&Version=2010-05-08&RoleName=r", request.Body);
    }

    [Fact]
    public async Task IamErrors_AreReadFromTheXmlErrorResponse()
    {
        const string error = "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><Error><Type>Sender</Type><Code>EntityAlreadyExists</Code>" +
            "<Message>Role with name r already exists.</Message></Error><RequestId>rid-7</RequestId></ErrorResponse>";
        await using var server = FaultInjectingHttpServer.Start(ScriptedResponse.Respond(409, error, ("Content-Type", "text/xml")));
        using var session = AwsRetryTests.Session(server);

        var ex = await Assert.ThrowsAsync<AwsServiceException>(() => session.Iam.CreateRoleAsync(new IamCreateRoleRequest("r", "{}")));

        Assert.Equal("IamEntityAlreadyExists", ex.ErrorId);
        Assert.Equal(ZymErrorCategory.ResourceExists, ex.Category);
        Assert.Equal("rid-7", ex.RequestId);
        Assert.Equal("Role with name r already exists.", ex.AwsMessage);
        Assert.Equal(1, server.RequestCount);
    }

    [Theory]
    [InlineData(502, "<html><body><h1>502 Bad Gateway</h1></body></html>", "text/html", null, "ServiceUnavailable", "502 Bad Gateway")]
    [InlineData(418, "I'm a teapot", "text/plain", null, "HttpStatus418", "I'm a teapot")]
    [InlineData(400, "{\"unexpected\":\"shape\"}", "application/json", null, "HttpStatus400", "unexpected")]
    [InlineData(500, "gateway says no", "text/plain", "GatewayFault:http://internal.example/", "GatewayFault", "gateway says no")]
    [InlineData(504, "", "text/plain", null, "ServiceUnavailable", "no error body")]
    public async Task AnErrorBodyThatIsNotAnAwsError_StillNamesTheOperationTheStatusAndWhatCameBack(int status, string body, string contentType, string? errorType, string code, string excerpt)
    {
        var headers = new List<(string, string)> { ("Content-Type", contentType) };
        if (errorType is not null)
        {
            headers.Add(("X-Amzn-ErrorType", errorType));
        }

        await using var server = FaultInjectingHttpServer.Start(ScriptedResponse.Respond(status, body, headers.ToArray()));
        using var session = AwsRetryTests.Session(server, maxAttempts: 1);

        var ex = await Assert.ThrowsAsync<AwsServiceException>(() => session.Iot.CreateThingAsync(new IotCreateThingRequest("dev-1")));

        Assert.Equal(code, ex.ErrorCode);
        Assert.Contains("CreateThing", ex.Message);
        Assert.Contains($"HTTP {status}", ex.Message);
        Assert.Contains(excerpt, ex.Message);
    }

    [Fact]
    public async Task AnUnreadableErrorBody_IsQuotedWithoutAnythingCredentialLike()
    {
        // A misbehaving proxy echoes the request back: the excerpt must not carry the session token, key id or signature.
        string echo = "<pre>POST /things/dev-1\nAuthorization: AWS4-HMAC-SHA256 Credential=AKIAABCDEFGHIJKLMNOP/20260101/us-east-1/iot/aws4_request, Signature=" + new string('a', 64) +
            "\nX-Amz-Security-Token: FQoGZXIvYXdzEJr//////////wEaDOZs1kU2gxV0iQAbCDE+xyz=\nsecret_access_key=wJalrXUtnFEMI/K7MDENG</pre>";
        await using var server = FaultInjectingHttpServer.Start(ScriptedResponse.Respond(502, echo, ("Content-Type", "text/html")));
        using var session = AwsRetryTests.Session(server, maxAttempts: 1, sessionToken: "FQoGZXIvYXdzEJr//////////wEaDOZs1kU2gxV0iQAbCDE+xyz=");

        var ex = await Assert.ThrowsAsync<AwsServiceException>(() => session.Iot.CreateThingAsync(new IotCreateThingRequest("dev-1")));

        Assert.Contains("POST /things/dev-1", ex.Message);
        Assert.DoesNotContain("AKIAABCDEFGHIJKLMNOP", ex.Message);
        Assert.DoesNotContain("FQoGZXIvYXdz", ex.Message);
        Assert.DoesNotContain(new string('a', 64), ex.Message);
        Assert.DoesNotContain("wJalrXUtnFEMI", ex.Message);
        Assert.Contains("[redacted]", ex.Message);
    }

    [Fact]
    public async Task ListAllCaCertificates_FollowsMarkersUntilTheLastPage()
    {
        static string Page(string id, string? next) => JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["certificates"] = new[] { new { certificateArn = "arn:aws:iot:us-east-1:123456789012:cacert/" + id, certificateId = id, status = "ACTIVE", creationDate = 1.7e9 } },
            ["nextMarker"] = next,
        });
        await using var server = FaultInjectingHttpServer.Start(
            ScriptedResponse.Respond(200, Page("c1", "m/1+")),
            ScriptedResponse.Respond(200, Page("c2", "m2")),
            ScriptedResponse.Respond(200, Page("c3", null)));
        using var session = AwsRetryTests.Session(server);

        var all = await session.Iot.ListAllCaCertificatesAsync(pageSize: 1);

        Assert.Equal(new[] { "c1", "c2", "c3" }, all.Select(c => c.CertificateId));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000), all[0].CreationDate);
        Assert.Equal(new[] { "/cacertificates?pageSize=1", "/cacertificates?pageSize=1&marker=m%2F1%2B", "/cacertificates?pageSize=1&marker=m2" }, server.Requests.Select(r => r.PathAndQuery));
    }

    [Fact]
    public async Task Pager_StopsWhenTheServiceRepeatsAToken()
    {
        const string page = "{\"things\":[],\"nextToken\":\"same\"}";
        await using var server = FaultInjectingHttpServer.Start(ScriptedResponse.Respond(200, page), ScriptedResponse.Respond(200, page), ScriptedResponse.Respond(200, page));
        using var session = AwsRetryTests.Session(server);

        var ex = await Assert.ThrowsAsync<ZymException>(() => session.Iot.ListAllThingsAsync());

        Assert.Equal("AwsPaginationLoop", ex.ErrorId);
        Assert.Equal(2, server.RequestCount);
    }
}
