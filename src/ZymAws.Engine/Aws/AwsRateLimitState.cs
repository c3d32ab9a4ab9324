namespace ZymAws.Engine.Aws;

/// <summary>One operation's client-side rate limit as it stands in a session.</summary>
public sealed class AwsRateLimitState
{
    public AwsRateLimitState(string operation, double startRate, double rate, bool adaptive, long attempts, long throttles, long cuts)
    {
        Operation = operation;
        StartRate = startRate;
        Rate = rate;
        Adaptive = adaptive;
        Attempts = attempts;
        Throttles = throttles;
        Cuts = cuts;
    }

    /// <summary>"service:Operation", e.g. "iot:RegisterCertificate".</summary>
    public string Operation { get; }

    /// <summary>Calls per second the limit started at (documented quota, default, or the explicit limit).</summary>
    public double StartRate { get; }

    /// <summary>Calls per second in force now.</summary>
    public double Rate { get; }

    /// <summary>False for an explicit (fixed) limit.</summary>
    public bool Adaptive { get; }

    /// <summary>Attempts sent under this limit.</summary>
    public long Attempts { get; }

    /// <summary>Attempts AWS throttled (each retried after the limiter slowed, for an adaptive limit).</summary>
    public long Throttles { get; }

    /// <summary>Times the adaptive limit was cut (one per congestion event).</summary>
    public long Cuts { get; }

    /// <summary>e.g. "iot:RegisterCertificate 9.6/s (adaptive, from 10/s; 2104 attempts, 41 throttled)".</summary>
    public override string ToString() => string.Format(System.Globalization.CultureInfo.InvariantCulture,
        "{0} {1:0.#}/s ({2}; {3} attempts, {4} throttled)", Operation, Rate,
        Adaptive ? string.Format(System.Globalization.CultureInfo.InvariantCulture, "adaptive, from {0:0.#}/s", StartRate) : "fixed", Attempts, Throttles);
}
