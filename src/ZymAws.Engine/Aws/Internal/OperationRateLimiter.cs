using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;

namespace ZymAws.Engine.Aws.Internal;

/// <summary>
/// A token bucket in its "virtual scheduling" form (GCRA): each caller reserves the next free slot, spaced
/// 1/rate apart, with up to <c>burst</c> slots available at once; then waits for its slot. Thread-safe and
/// shared by every concurrent caller of one operation in a session. Cancelling a wait gives up the caller's
/// turn but not the slot (a conservative choice: it never lets the rate be exceeded).
/// </summary>
internal sealed class OperationRateLimiter
{
    private readonly object _lock = new();
    private readonly long _intervalTicks;
    private readonly long _burstTicks;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _nextFreeTicks;

    public OperationRateLimiter(double ratePerSecond, int burst)
    {
        if (ratePerSecond <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(ratePerSecond));
        }

        RatePerSecond = ratePerSecond;
        _intervalTicks = Math.Max(1, (long)(TimeSpan.TicksPerSecond / ratePerSecond));
        _burstTicks = (Math.Max(1, burst) - 1) * _intervalTicks;
        _nextFreeTicks = -_burstTicks;
    }

    public double RatePerSecond { get; }

    /// <summary>Waits for this caller's slot; returns how long it waited.</summary>
    public async Task<TimeSpan> WaitAsync(CancellationToken cancellationToken)
    {
        long slot;
        long start;
        lock (_lock)
        {
            start = _clock.Elapsed.Ticks;
            slot = Math.Max(_nextFreeTicks, start - _burstTicks);
            _nextFreeTicks = slot + _intervalTicks;
        }

        // Timers may fire a little early: loop until the clock really reached the slot.
        long remaining;
        while ((remaining = slot - _clock.Elapsed.Ticks) > 0)
        {
            await Task.Delay(TimeSpan.FromTicks(Math.Max(remaining, TimeSpan.TicksPerMillisecond)), cancellationToken).ConfigureAwait(false);
        }

        return TimeSpan.FromTicks(Math.Max(0, slot - start));
    }
}
