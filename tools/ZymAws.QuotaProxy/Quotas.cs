using System.Collections.Concurrent;

namespace ZymAws.QuotaProxy;

/// <summary>
/// AWS's default per-operation quotas (transactions per second per account and region) as the proxy enforces them,
/// from ../shared/reference/aws-iot.md ("Default quotas"). Operations the reference leaves UNVERIFIED (RegisterCertificate,
/// RegisterCACertificate, CreatePolicy, CreateRoleAlias, UpdateCertificate, DescribeEndpoint, CreateCertificateFromCsr,
/// DeleteCertificate), every other IoT operation and the IAM and STS ones get the default (10/s, "assume 10").
/// </summary>
public static class AwsDefaultQuotas
{
    public const double Default = 10;

    public static IReadOnlyDictionary<string, double> Documented { get; } = new Dictionary<string, double>(StringComparer.OrdinalIgnoreCase)
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
}

/// <summary>One operation's token bucket: <c>quota</c> tokens a second, <c>burst</c> at most, full at the start.</summary>
public sealed class TokenBucket
{
    private readonly object _lock = new();
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
    private double _tokens;
    private double _last;

    public TokenBucket(double quota, double burst)
    {
        Quota = quota;
        Burst = Math.Max(1, burst);
        _tokens = Burst;
    }

    public double Quota { get; }

    public double Burst { get; }

    /// <summary>Takes a token if there is one.</summary>
    public bool TryTake()
    {
        if (double.IsPositiveInfinity(Quota))
        {
            return true;
        }

        lock (_lock)
        {
            double now = _clock.Elapsed.TotalSeconds;
            _tokens = Math.Min(Burst, _tokens + ((now - _last) * Quota));
            _last = now;
            if (_tokens >= 1)
            {
                _tokens -= 1;
                return true;
            }

            return false;
        }
    }
}

/// <summary>Requests and throttles per operation.</summary>
public sealed class OperationCounters
{
    private long _requests;
    private long _throttled;

    public OperationCounters(double quota) => Quota = quota;

    public double Quota { get; }

    public long Requests => Interlocked.Read(ref _requests);

    public long Throttled => Interlocked.Read(ref _throttled);

    public void Count(bool throttled)
    {
        Interlocked.Increment(ref _requests);
        if (throttled)
        {
            Interlocked.Increment(ref _throttled);
        }
    }
}

/// <summary>The proxy's settings.</summary>
public sealed class QuotaProxyOptions
{
    /// <summary>moto_server (or any AWS-compatible endpoint) the proxy forwards to.</summary>
    public required Uri Upstream { get; init; }

    public string Host { get; init; } = "127.0.0.1";

    /// <summary>0 = a free port.</summary>
    public int Port { get; init; }

    /// <summary>Every quota is multiplied by this (5 = an account whose quotas were raised five times).</summary>
    public double QuotaScale { get; init; } = 1;

    /// <summary>Quota of operations with no documented one (before scaling).</summary>
    public double DefaultQuota { get; init; } = AwsDefaultQuotas.Default;

    /// <summary>Per-operation quotas ("iot:CreateThing" = 5; 0 or less = unlimited), before scaling; replace the defaults.</summary>
    public Dictionary<string, double> Quotas { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Bucket size in seconds of quota (AWS does not document its burst; 1 s is the usual token-bucket reading of a
    /// "transactions per second" quota). At least one token.
    /// </summary>
    public double BurstSeconds { get; init; } = 1;

    /// <summary>botocore's IoT service model (service-2.json or .json.gz); found through python3 when null.</summary>
    public string? IotModelPath { get; init; }

    public double QuotaFor(string operation)
    {
        double quota = Quotas.TryGetValue(operation, out double given) ? given
            : AwsDefaultQuotas.Documented.TryGetValue(operation, out double documented) ? documented
            : DefaultQuota;
        return quota <= 0 ? double.PositiveInfinity : quota * QuotaScale;
    }
}
