using System;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using Amazon;
using Amazon.Runtime;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using ZymAws.Engine.Aws.Internal;

namespace ZymAws.Engine.Aws;

/// <summary>
/// STS operations through AWSSDK.SecurityToken's own client (its retries turned off: the session's retry policy,
/// rate limiter and log apply, and it shares the session's HttpClient). Obtain from <see cref="AwsSession.Sts"/>.
/// </summary>
public sealed class StsClient
{
    private readonly AwsRequestPipeline _pipeline;
    private readonly AmazonSecurityTokenServiceClient _client;

    internal StsClient(AwsRequestPipeline pipeline, AWSCredentials credentials, string region, string? endpointUrl, HttpClient http, TimeSpan attemptTimeout)
    {
        _pipeline = pipeline;
        var config = new AmazonSecurityTokenServiceConfig
        {
            RegionEndpoint = RegionEndpoint.GetBySystemName(region),
            MaxErrorRetry = 0,
            HttpClientFactory = new SharedHttpClientFactory(http),
            Timeout = attemptTimeout,
        };
        if (endpointUrl is not null)
        {
            config.ServiceURL = AwsServiceEndpoint.ParseEndpointUrl(endpointUrl).ToString();
            config.AuthenticationRegion = region;
        }

        _client = new AmazonSecurityTokenServiceClient(credentials, config);
    }

    /// <summary>GetCallerIdentity: who the session's credentials belong to.</summary>
    public Task<StsCallerIdentity> GetCallerIdentityAsync(CancellationToken cancellationToken = default)
    {
        return _pipeline.ExecuteAsync("sts", "GetCallerIdentity", null, true, async token =>
        {
            var response = await _client.GetCallerIdentityAsync(new GetCallerIdentityRequest(), token).ConfigureAwait(false);
            return new StsCallerIdentity(response.Account ?? string.Empty, response.Arn ?? string.Empty, response.UserId ?? string.Empty);
        }, cancellationToken);
    }

    /// <summary>AssumeRole. The result holds secrets; never log them.</summary>
    public Task<StsAssumedRole> AssumeRoleAsync(StsAssumeRoleRequest request, CancellationToken cancellationToken = default)
    {
        if (request is null)
        {
            throw new ArgumentNullException(nameof(request));
        }

        return _pipeline.ExecuteAsync("sts", "AssumeRole", request.RoleArn, true, async token =>
        {
            var sdkRequest = new AssumeRoleRequest
            {
                RoleArn = request.RoleArn,
                RoleSessionName = request.RoleSessionName,
                DurationSeconds = request.DurationSeconds,
                Policy = request.Policy,
                ExternalId = request.ExternalId,
            };
            var response = await _client.AssumeRoleAsync(sdkRequest, token).ConfigureAwait(false);
            var c = response.Credentials ?? throw new AwsServiceException("sts", "AssumeRole", "MalformedResponse", "The response has no Credentials.", response.ResponseMetadata?.RequestId, (int)response.HttpStatusCode, request.RoleArn);
            DateTime expiration = c.Expiration ?? DateTime.UtcNow;
            return new StsAssumedRole(c.AccessKeyId, c.SecretAccessKey, c.SessionToken, new DateTimeOffset(expiration.ToUniversalTime(), TimeSpan.Zero))
            {
                AssumedRoleArn = response.AssumedRoleUser?.Arn,
                AssumedRoleId = response.AssumedRoleUser?.AssumedRoleId,
            };
        }, cancellationToken);
    }

    /// <summary>Releases the SDK client (not the shared HttpClient); called by <see cref="AwsSession.Dispose"/>.</summary>
    internal void Dispose() => _client.Dispose();

    /// <summary>Hands the SDK the session's HttpClient and tells it not to cache or dispose it.</summary>
    private sealed class SharedHttpClientFactory : HttpClientFactory
    {
        private readonly HttpClient _http;

        public SharedHttpClientFactory(HttpClient http)
        {
            _http = http;
        }

        public override HttpClient CreateHttpClient(IClientConfig clientConfig) => _http;

        public override bool UseSDKHttpClientCaching(IClientConfig clientConfig) => false;

        public override bool DisposeHttpClientsAfterUse(IClientConfig clientConfig) => false;

        public override string GetConfigUniqueString(IClientConfig clientConfig) => "zymaws-shared";
    }
}
