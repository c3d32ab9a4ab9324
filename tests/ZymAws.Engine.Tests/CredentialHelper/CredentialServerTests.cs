using System.Net;
using System.Text.Json;
using Xunit;
using ZymAws.CredentialHelper;
using ZymAws.Engine.DeviceCredentials;
using ZymAws.Engine.Tests.Infrastructure;

namespace ZymAws.Engine.Tests.CredentialHelper;

/// <summary>
/// serve's loopback endpoint over a real socket, with a source the test controls: the token rules of both protocols,
/// loopback-only Host, and that credentials with five minutes or less left are never handed out (the source is asked
/// again, and its refusal is the answer). The end-to-end runs with the AWS CLI are in tests/pester/CredentialHelper.Tests.ps1.
/// </summary>
public sealed class CredentialServerTests : IAsyncLifetime
{
    private readonly CapturingEngineLog _log = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly CancellationTokenSource _stop = new();
    private Func<TemporaryCredentials> _next = () => Credentials("ASIAFIRST", TimeSpan.FromHours(1));
    private int _asked;
    private DateTimeOffset _now = DateTimeOffset.UtcNow;
    private CredentialServer _server = null!;
    private Task _running = Task.CompletedTask;

    public Task InitializeAsync()
    {
        var supply = new CredentialSupply(_ =>
        {
            Interlocked.Increment(ref _asked);
            return Task.FromResult(_next());
        }, _log, failureMemory: TimeSpan.FromSeconds(5)) { Clock = () => _now };
        _server = CredentialServer.Start(supply, new CredentialServerOptions { Port = 0, RoleName = "devAlias", Region = "eu-west-1" }, _log);
        _running = _server.RunAsync(_stop.Token);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _stop.Cancel();
        await _running;
        _server.Dispose();
        _http.Dispose();
    }

    [Fact]
    public async Task TheContainerEndpoint_WantsTheToken_AndAnswersTheEcsFormat()
    {
        Assert.Matches(@"^http://127\.0\.0\.1:\d+/credentials$", _server.ContainerCredentialsUri);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Get(_server.ContainerCredentialsUri)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Get(_server.ContainerCredentialsUri, ("Authorization", _server.AuthorizationToken + "x"))).StatusCode);
        Assert.Equal(0, _server.ServedCount);

        var answer = await Get(_server.ContainerCredentialsUri, ("Authorization", _server.AuthorizationToken));
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        var json = JsonDocument.Parse(await answer.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("ASIAFIRST", json.GetProperty("AccessKeyId").GetString());
        Assert.Equal("secret-ASIAFIRST", json.GetProperty("SecretAccessKey").GetString());
        Assert.Equal("token-ASIAFIRST", json.GetProperty("Token").GetString());
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", json.GetProperty("Expiration").GetString());
        Assert.Equal("no-store", answer.Headers.CacheControl?.ToString());
        Assert.Equal(2, _server.UnauthorizedCount);

        Assert.Contains("AWS_CONTAINER_AUTHORIZATION_TOKEN=" + _server.AuthorizationToken + "\n", _server.EnvironmentText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheMetadataEndpoint_IsImdsV2Only()
    {
        string list = _server.MetadataEndpoint + "latest/meta-data/iam/security-credentials/";
        Assert.Equal(HttpStatusCode.Unauthorized, (await Get(list)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Get(list, (CredentialServer.TokenHeader, "forged"))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await PutToken(null)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await PutToken("21601")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await PutToken("60", ("X-Forwarded-For", "10.1.2.3"))).StatusCode);

        var issued = await PutToken("60");
        Assert.Equal(HttpStatusCode.OK, issued.StatusCode);
        Assert.Equal("60", issued.Headers.GetValues(CredentialServer.TokenTtlHeader).Single());
        string token = await issued.Content.ReadAsStringAsync();

        Assert.Equal("devAlias", await (await Get(list, (CredentialServer.TokenHeader, token))).Content.ReadAsStringAsync());
        Assert.Equal("eu-west-1", await (await Get(_server.MetadataEndpoint + "latest/meta-data/placement/region", (CredentialServer.TokenHeader, token))).Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await Get(list + "otherRole", (CredentialServer.TokenHeader, token))).StatusCode);
        var json = JsonDocument.Parse(await (await Get(list + "devAlias", (CredentialServer.TokenHeader, token))).Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("Success", json.GetProperty("Code").GetString());
        Assert.Equal("AWS-HMAC", json.GetProperty("Type").GetString());
        Assert.Equal("ASIAFIRST", json.GetProperty("AccessKeyId").GetString());
        Assert.Equal("token-ASIAFIRST", json.GetProperty("Token").GetString());

        // A token past its TTL is refused; the same token with its expiry moved (tampered) too.
        string expired = _server.SessionToken(DateTimeOffset.UtcNow.AddSeconds(-1));
        Assert.Equal(HttpStatusCode.Unauthorized, (await Get(list, (CredentialServer.TokenHeader, expired))).StatusCode);
        string tampered = (token[0] == 'A' ? "B" : "A") + token.Substring(1);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Get(list, (CredentialServer.TokenHeader, tampered))).StatusCode);
    }

    [Fact]
    public async Task ARequestForAnotherHost_IsRefused()
    {
        // DNS rebinding: a page on evil.example resolving to 127.0.0.1 reaches the port, with its own Host.
        using var request = new HttpRequestMessage(HttpMethod.Get, _server.ContainerCredentialsUri);
        request.Headers.Host = "evil.example";
        request.Headers.TryAddWithoutValidation("Authorization", _server.AuthorizationToken);
        Assert.Equal(HttpStatusCode.Forbidden, (await _http.SendAsync(request)).StatusCode);
        Assert.Equal(0, _server.ServedCount);
    }

    [Fact]
    public async Task CredentialsWithFiveMinutesOrLessLeft_AreNeverServed_TheSourceIsAskedAgain_AndItsRefusalIsTheAnswer()
    {
        _next = () => Credentials("ASIASTALE", TimeSpan.FromMinutes(4));
        var stale = await Get(_server.ContainerCredentialsUri, ("Authorization", _server.AuthorizationToken));
        Assert.Equal(HttpStatusCode.InternalServerError, stale.StatusCode);
        string body = await stale.Content.ReadAsStringAsync();
        Assert.DoesNotContain("ASIASTALE", body, StringComparison.Ordinal);
        Assert.Equal("CredentialsExpiring", JsonDocument.Parse(body).RootElement.GetProperty("Code").GetString());

        // The device is refused now: the answer says so, with the endpoint's reason, for both protocols.
        _next = () => throw new CredentialProviderException("CredentialCertificateRefused", ZymErrorCategory.AuthenticationError,
            "The credentials provider refused the device certificate in the TLS handshake: it is INACTIVE.", "thing");
        _now += TimeSpan.FromSeconds(6);
        int asked = _asked;
        var refused = await Get(_server.ContainerCredentialsUri, ("Authorization", _server.AuthorizationToken));
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("INACTIVE", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(asked + 1, _asked);
        var token = await (await PutToken("60")).Content.ReadAsStringAsync();
        var metadata = await Get(_server.MetadataEndpoint + "latest/meta-data/iam/security-credentials/devAlias", (CredentialServer.TokenHeader, token));
        Assert.Equal(HttpStatusCode.Forbidden, metadata.StatusCode);
        Assert.Contains("INACTIVE", await metadata.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // Remembered for five seconds: a burst of callers does not make a handshake (a Zymkey signature) each.
        Assert.Equal(asked + 1, _asked);
        Assert.Equal(HttpStatusCode.Forbidden, (await Get(_server.ContainerCredentialsUri, ("Authorization", _server.AuthorizationToken))).StatusCode);
        Assert.Equal(asked + 1, _asked);

        // An endpoint that cannot be reached is 503; once the device is back, credentials again.
        _now += TimeSpan.FromSeconds(6);
        _next = () => throw new CredentialProviderException("CredentialEndpointUnreachable", ZymErrorCategory.ConnectionError, "Could not get an answer.", "host");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await Get(_server.ContainerCredentialsUri, ("Authorization", _server.AuthorizationToken))).StatusCode);
        _now += TimeSpan.FromSeconds(6);
        _next = () => Credentials("ASIABACK", TimeSpan.FromHours(1));
        var back = await Get(_server.ContainerCredentialsUri, ("Authorization", _server.AuthorizationToken));
        Assert.Equal(HttpStatusCode.OK, back.StatusCode);
        Assert.Contains("ASIABACK", await back.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task KeepFresh_FetchesAgainFiveMinutesBeforeExpiry_AndRetriesAFailure()
    {
        int calls = 0;
        var seen = new List<string>();
        var failures = new List<string>();
        var supply = new CredentialSupply(_ =>
        {
            int n = Interlocked.Increment(ref calls);
            return n switch
            {
                // Due for refresh two seconds after it is fetched.
                1 => Task.FromResult(Credentials("ASIAONE", DeviceCredentialCache.RefreshMargin + TimeSpan.FromSeconds(1))),
                2 => throw new CredentialProviderException("CredentialProviderUnavailable", ZymErrorCategory.ResourceUnavailable, "503", null),
                _ => Task.FromResult(Credentials("ASIATHREE", TimeSpan.FromHours(1))),
            };
        }, _log) { FirstRetryDelay = TimeSpan.FromMilliseconds(100) };
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(20));

        var keeping = supply.KeepFreshAsync(c => { lock (seen) { seen.Add(c.AccessKeyId); } if (c.AccessKeyId == "ASIATHREE") { stop.Cancel(); } }, e => failures.Add(e.ErrorId), stop.Token);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => keeping);

        Assert.Equal(new[] { "ASIAONE", "ASIATHREE" }, seen);
        Assert.Equal(new[] { "CredentialProviderUnavailable" }, failures);
        Assert.Equal(3, calls);
    }

    private static TemporaryCredentials Credentials(string id, TimeSpan left) => new(id, "secret-" + id, "token-" + id, DateTimeOffset.UtcNow + left);

    private async Task<HttpResponseMessage> Get(string url, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return await _http.SendAsync(request);
    }

    private async Task<HttpResponseMessage> PutToken(string? ttl, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, _server.MetadataEndpoint + "latest/api/token");
        if (ttl is not null)
        {
            request.Headers.TryAddWithoutValidation(CredentialServer.TokenTtlHeader, ttl);
        }

        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return await _http.SendAsync(request);
    }
}
