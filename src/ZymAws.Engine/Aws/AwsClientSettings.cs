using System;
using System.Collections.Generic;
using System.Net.Http;

namespace ZymAws.Engine.Aws;

/// <summary>
/// How an <see cref="AwsSession"/> calls AWS: retries, client-side rate limits, timeouts and the HTTP handler.
/// The defaults suit a provisioning run against real AWS; tests shorten the delays.
/// </summary>
public sealed class AwsClientSettings
{
    /// <summary>
    /// Where each operation's adaptive limit starts: the default AWS IoT Core quotas (transactions per second per account
    /// and region) that the reference confirms (`../shared/reference/aws-iot.md`, "Default quotas"). Operations not listed
    /// start at <see cref="DefaultRateLimit"/> (10/s): the quotas of RegisterCertificate, RegisterCACertificate,
    /// CreatePolicy, CreateRoleAlias, UpdateCertificate, DescribeEndpoint, CreateCertificateFromCsr and
    /// DeleteCertificate are UNVERIFIED (the reference says to assume 10), as are the IAM and STS ones. Either way the
    /// limit then adapts (<see cref="AdaptiveRateLimiting"/>): an account whose quota is lower is found by its throttles,
    /// one whose quota was raised by probing above the start while calls succeed.
    /// Keys are "service:Operation" with the lowercase service name ("iot", "iam", "sts").
    /// </summary>
    public static IReadOnlyDictionary<string, double> DocumentedRateLimits { get; } = new Dictionary<string, double>(StringComparer.OrdinalIgnoreCase)
    {
        ["iot:CreateThing"] = 100,
        ["iot:DeleteThing"] = 100,
        ["iot:AttachThingPrincipal"] = 100,
        ["iot:DetachThingPrincipal"] = 100,
        ["iot:DescribeThing"] = 350,
        ["iot:ListThings"] = 10,
        ["iot:AttachPolicy"] = 15,
        ["iot:RegisterCertificateWithoutCA"] = 10,
        ["iot:DescribeCertificate"] = 10,
        ["iot:GetPolicy"] = 10,
    };

    /// <summary>Attempts per call including the first (1 = no retry). Default 5.</summary>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>Backoff base: attempt n waits a random time in [0, min(MaxDelay, BaseDelay * 2^(n-1))] (full jitter). Default 200 ms.</summary>
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Cap of one backoff delay (also caps a server's Retry-After). Default 20 s.</summary>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Time allowed for one attempt (send + read the whole response). Default 30 s; a timed-out attempt is retried.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Set to false to turn the client-side rate limiter off entirely (-NoRateLimit): for emulators and tests. A
    /// throttle is then retried with backoff within <see cref="MaxAttempts"/>, like any other transient error.
    /// </summary>
    public bool RateLimitingEnabled { get; set; } = true;

    /// <summary>
    /// Whether the limits of operations without an explicit entry in <see cref="RateLimits"/> adapt to what AWS answers,
    /// as the AWS SDKs' <c>adaptive</c> retry mode does (the rule: <c>Aws/Internal/AdaptiveRate</c>): start at the
    /// documented quota, cut on each throttle, grow back and beyond while calls succeed. A throttled attempt of such an
    /// operation waits for its turn under the slower rate and is sent again without counting against
    /// <see cref="MaxAttempts"/> (up to <see cref="MaxThrottledAttempts"/>). Default true; false keeps every limit at its
    /// starting rate.
    /// </summary>
    public bool AdaptiveRateLimiting { get; set; } = true;

    /// <summary>
    /// Throttled attempts one call of an adaptively limited operation may take on top of <see cref="MaxAttempts"/>
    /// before the throttle is reported (a bound, so a call never retries for ever). Default 30.
    /// </summary>
    public int MaxThrottledAttempts { get; set; } = 30;

    /// <summary>Starting rate for operations with neither an override nor a documented quota. Default 10/s.</summary>
    public double DefaultRateLimit { get; set; } = 10;

    /// <summary>
    /// Requests that may go out back to back before the rate applies (token bucket size). Default 1: calls are
    /// spaced evenly at 1/rate seconds.
    /// </summary>
    public int RateLimitBurst { get; set; } = 1;

    /// <summary>
    /// Per-operation overrides, keyed "service:Operation" (e.g. "iot:RegisterCertificate") or just "Operation": a fixed
    /// rate that never adapts (the user knows the account's quota, or shares it with other clients). A value of 0 or
    /// less (or <see cref="double.PositiveInfinity"/>) means no limit for that operation.
    /// </summary>
    public IDictionary<string, double> RateLimits { get; } = new Dictionary<string, double>(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// An HTTP handler to share across sessions (e.g. one per module load). The session never disposes it.
    /// When null, each session creates its own handler and HttpClient and disposes them with the session.
    /// </summary>
    public HttpMessageHandler? SharedHandler { get; set; }

    /// <summary>
    /// The rate limit (transactions per second) an operation starts at, or null for unlimited. Whether it then adapts:
    /// <see cref="IsAdaptive"/>.
    /// </summary>
    public double? GetRateLimit(string service, string operation)
    {
        if (!RateLimitingEnabled)
        {
            return null;
        }

        string key = service + ":" + operation;
        double rate;
        if (!TryGetOverride(service, operation, out rate) && !DocumentedRateLimits.TryGetValue(key, out rate))
        {
            rate = DefaultRateLimit;
        }

        return rate <= 0 || double.IsInfinity(rate) || double.IsNaN(rate) ? null : rate;
    }

    /// <summary>Whether an operation's limit adapts: rate limiting and adaptation on, and no explicit limit for it.</summary>
    public bool IsAdaptive(string service, string operation) =>
        RateLimitingEnabled && AdaptiveRateLimiting && !TryGetOverride(service, operation, out _);

    private bool TryGetOverride(string service, string operation, out double rate) =>
        RateLimits.TryGetValue(service + ":" + operation, out rate) || RateLimits.TryGetValue(operation, out rate);

    internal void Validate()
    {
        if (MaxAttempts < 1)
        {
            throw new ZymException("AwsSettingInvalid", ZymErrorCategory.InvalidArgument, $"MaxAttempts must be at least 1 (was {MaxAttempts}).", nameof(MaxAttempts));
        }

        if (BaseDelay < TimeSpan.Zero || MaxDelay < TimeSpan.Zero)
        {
            throw new ZymException("AwsSettingInvalid", ZymErrorCategory.InvalidArgument, "BaseDelay and MaxDelay must not be negative.", nameof(BaseDelay));
        }

        if (AttemptTimeout <= TimeSpan.Zero)
        {
            throw new ZymException("AwsSettingInvalid", ZymErrorCategory.InvalidArgument, "AttemptTimeout must be positive.", nameof(AttemptTimeout));
        }

        if (MaxThrottledAttempts < 0)
        {
            throw new ZymException("AwsSettingInvalid", ZymErrorCategory.InvalidArgument, $"MaxThrottledAttempts must not be negative (was {MaxThrottledAttempts}).", nameof(MaxThrottledAttempts));
        }

        if (RateLimitBurst < 1)
        {
            throw new ZymException("AwsSettingInvalid", ZymErrorCategory.InvalidArgument, $"RateLimitBurst must be at least 1 (was {RateLimitBurst}).", nameof(RateLimitBurst));
        }
    }
}
