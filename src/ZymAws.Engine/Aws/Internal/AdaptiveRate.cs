using System;

namespace ZymAws.Engine.Aws.Internal;

/// <summary>
/// The rate rule of one operation's adaptive limit, after the AWS SDKs' <c>adaptive</c> retry mode (botocore's
/// <c>CubicCalculator</c> and <c>RateClocker</c>): a throttle cuts the rate to <see cref="Beta"/> times what the client
/// was really sending; successes grow it back along a cubic curve — quickly at first, flat near the rate that was
/// throttled last (the plateau), then probing above it, so a quota that was raised is found. Pure (the caller passes
/// the time in seconds), not thread-safe (the limiter holds its lock), so tests drive it with a made-up clock.
///
/// Two departures from the SDKs, both because a provisioning run has many calls of one operation in flight:
/// <list type="bullet">
/// <item>One cut per congestion event: a throttle of an attempt sent before the last cut says nothing new (the cut
/// already answered it), so it does not cut again; otherwise N calls in flight throttled together would cut the rate
/// N times (0.7^N).</item>
/// <item>The limit starts on (at the documented quota, as if that rate had just been throttled and regained: the cubic
/// curve's plateau) instead of after the first throttle, and growth above the starting rate is capped at twice the
/// measured send rate, so an operation the run calls rarely does not "grow" to a rate it never tried.</item>
/// </list>
/// </summary>
internal sealed class AdaptiveRate
{
    /// <summary>The multiplicative decrease on a throttle (the SDKs' 0.7).</summary>
    public const double Beta = 0.7;

    /// <summary>The cubic curve's scale (the SDKs' 0.4): seconds after the plateau, the rate is 0.4·t³ above it.</summary>
    public const double ScaleConstant = 0.4;

    /// <summary>Smoothing of the measured send rate per half-second bucket (the SDKs' 0.8).</summary>
    public const double Smoothing = 0.8;

    /// <summary>The lowest rate a cut may reach (the SDKs' 0.5/s): never a stop.</summary>
    public const double MinRate = 0.5;

    private readonly double _startRate;
    private double _lastMaxRate;
    private double _lastThrottleTime;
    private double _timeWindow;
    private double _lastCutTime = double.NegativeInfinity;

    // Send-rate measurement (RateClocker): sends counted per half-second bucket, smoothed.
    private double _measuredRate;
    private long _countInBucket;
    private double _lastBucket;

    public AdaptiveRate(double startRate, double now)
    {
        if (startRate <= 0 || double.IsNaN(startRate) || double.IsInfinity(startRate))
        {
            throw new ArgumentOutOfRangeException(nameof(startRate));
        }

        _startRate = startRate;
        Rate = startRate;
        _lastMaxRate = startRate;

        // On the plateau from the start: the curve is at startRate now and grows from here while calls succeed.
        _timeWindow = 0;
        _lastThrottleTime = now;
        _lastBucket = Math.Floor(now * 2) / 2;
        _measuredRate = startRate;
    }

    /// <summary>The rate in force (calls per second).</summary>
    public double Rate { get; private set; }

    /// <summary>The smoothed measured send rate (calls per second).</summary>
    public double MeasuredRate => _measuredRate;

    /// <summary>Throttles that cut the rate (one per congestion event).</summary>
    public long Cuts { get; private set; }

    /// <summary>An attempt went out at <paramref name="now"/>.</summary>
    public void RecordSend(double now)
    {
        _countInBucket++;
        double bucket = Math.Floor(now * 2) / 2;
        if (bucket > _lastBucket)
        {
            double rate = _countInBucket / (bucket - _lastBucket);
            _measuredRate = (rate * Smoothing) + (_measuredRate * (1 - Smoothing));
            _countInBucket = 0;
            _lastBucket = bucket;
        }
    }

    /// <summary>
    /// An attempt sent at <paramref name="sentAt"/> was throttled (answered at <paramref name="now"/>). Returns whether
    /// the rate was cut (false: the attempt went out before the last cut, which already answered this congestion).
    /// </summary>
    public bool OnThrottled(double sentAt, double now)
    {
        if (sentAt < _lastCutTime)
        {
            return false;
        }

        // What the client really sent, not a rate it was allowed and did not use.
        double rateToUse = Math.Max(MinRate, Math.Min(_measuredRate, Rate));
        _lastMaxRate = rateToUse;
        _timeWindow = Math.Pow(_lastMaxRate * (1 - Beta) / ScaleConstant, 1.0 / 3);
        _lastThrottleTime = now;
        _lastCutTime = now;
        Rate = Math.Max(MinRate, rateToUse * Beta);
        Cuts++;
        return true;
    }

    /// <summary>An attempt succeeded (answered at <paramref name="now"/>): the rate follows the cubic curve.</summary>
    public void OnSuccess(double now)
    {
        double dt = now - _lastThrottleTime - _timeWindow;
        double cubic = (ScaleConstant * dt * dt * dt) + _lastMaxRate;

        // Above the starting rate, grow only as far as twice what is really sent: a rate never tried is not known.
        double cap = Math.Max(_startRate, 2 * _measuredRate);
        Rate = Math.Max(MinRate, Math.Min(cubic, cap));
    }
}
