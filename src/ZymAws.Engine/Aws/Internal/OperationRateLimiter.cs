using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;

namespace ZymAws.Engine.Aws.Internal;

/// <summary>
/// One operation's client-side limit, shared by every concurrent caller of that operation in a session: a token
/// bucket (rate per second, <c>burst</c> tokens at most) with a FIFO queue of waiters released one token at a time by
/// a single pump, so a rate change applies at once to everyone waiting. A retry after a throttle waits at the head of
/// the queue (it has queued once already). Cancelling a wait leaves the queue without taking a token.
///
/// Fixed (an explicit <c>-RateLimit</c>) or adaptive (<see cref="AdaptiveRate"/>: starts at the documented quota, cut on
/// a throttle, grows back on success). The rule lives in <see cref="AdaptiveRate"/>; this class is the queue and the clock.
/// </summary>
internal sealed class OperationRateLimiter
{
    private readonly object _lock = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly LinkedList<Waiter> _queue = new();
    private readonly double _burst;
    private readonly AdaptiveRate? _adaptive;
    private double _fixedRate;
    private double _tokens;
    private double _lastRefill;
    private bool _pumping;
    private long _attempts;
    private long _throttles;

    public OperationRateLimiter(string key, double ratePerSecond, int burst, bool adaptive)
    {
        if (ratePerSecond <= 0 || double.IsNaN(ratePerSecond) || double.IsInfinity(ratePerSecond))
        {
            throw new ArgumentOutOfRangeException(nameof(ratePerSecond));
        }

        Key = key;
        StartRate = ratePerSecond;
        _fixedRate = ratePerSecond;
        _burst = Math.Max(1, burst);
        _tokens = _burst;
        _lastRefill = Now;
        _adaptive = adaptive ? new AdaptiveRate(ratePerSecond, Now) : null;
    }

    /// <summary>"service:Operation".</summary>
    public string Key { get; }

    /// <summary>The rate the limit started at (the documented quota, the default, or the explicit limit).</summary>
    public double StartRate { get; }

    /// <summary>False for an explicit limit: the rate never changes.</summary>
    public bool IsAdaptive => _adaptive is not null;

    /// <summary>The rate in force now.</summary>
    public double RatePerSecond
    {
        get
        {
            lock (_lock)
            {
                return CurrentRate;
            }
        }
    }

    /// <summary>Attempts that went through this limit, and how many AWS throttled.</summary>
    public (long Attempts, long Throttles, long Cuts) Counts
    {
        get
        {
            lock (_lock)
            {
                return (_attempts, _throttles, _adaptive?.Cuts ?? 0);
            }
        }
    }

    /// <summary>Seconds on this limiter's clock.</summary>
    public double Now => _clock.Elapsed.TotalSeconds;

    private double CurrentRate => _adaptive?.Rate ?? _fixedRate;

    /// <summary>
    /// Waits for a token; returns how long it waited and when (on this limiter's clock) the attempt was let go, to be
    /// handed back to <see cref="OnThrottled"/>. <paramref name="retry"/>: the caller was throttled and queues first.
    /// </summary>
    public Task<RateLimitLease> WaitAsync(bool retry, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Waiter waiter;
        lock (_lock)
        {
            double now = Now;
            Refill(now);
            if (_queue.Count == 0 && _tokens >= 1)
            {
                _tokens -= 1;
                Granted(now);
                return Task.FromResult(new RateLimitLease(TimeSpan.Zero, now));
            }

            waiter = new Waiter(now);
            waiter.Node = retry ? _queue.AddFirst(waiter) : _queue.AddLast(waiter);
            if (!_pumping)
            {
                _pumping = true;
                _ = PumpAsync();
            }
        }

        if (cancellationToken.CanBeCanceled)
        {
            var registration = cancellationToken.Register(() =>
            {
                bool removed = false;
                lock (_lock)
                {
                    if (waiter.Node?.List is not null)
                    {
                        _queue.Remove(waiter.Node);
                        removed = true;
                    }
                }

                if (removed)
                {
                    waiter.Completion.TrySetCanceled(cancellationToken);
                }
            });
            waiter.SetRegistration(registration);
        }

        return waiter.Completion.Task;
    }

    /// <summary>The attempt let go at <paramref name="sentAt"/> succeeded, or failed otherwise than by a throttle.</summary>
    public void OnAnswered(double sentAt)
    {
        if (_adaptive is null)
        {
            return;
        }

        lock (_lock)
        {
            _adaptive.OnSuccess(Now);
        }
    }

    /// <summary>The attempt let go at <paramref name="sentAt"/> was throttled. Returns whether the rate was cut.</summary>
    public bool OnThrottled(double sentAt)
    {
        lock (_lock)
        {
            _throttles++;
            if (_adaptive is null)
            {
                return false;
            }

            bool cut = _adaptive.OnThrottled(sentAt, Now);
            if (cut)
            {
                // Tokens saved up at the old rate must not send a burst straight back into the throttle.
                _tokens = Math.Min(_tokens, 0);
            }

            return cut;
        }
    }

    private void Granted(double now)
    {
        _attempts++;
        _adaptive?.RecordSend(now);
    }

    private void Refill(double now)
    {
        double elapsed = now - _lastRefill;
        _lastRefill = now;
        if (elapsed > 0)
        {
            _tokens = Math.Min(_burst, _tokens + (elapsed * CurrentRate));
        }
    }

    private async Task PumpAsync()
    {
        while (true)
        {
            double wait;
            List<(Waiter Waiter, double At)>? released = null;
            lock (_lock)
            {
                double now = Now;
                Refill(now);
                while (_queue.Count > 0 && _tokens >= 1)
                {
                    var waiter = _queue.First!.Value;
                    _queue.RemoveFirst();
                    _tokens -= 1;
                    Granted(now);
                    (released ??= new()).Add((waiter, now));
                }

                if (_queue.Count == 0)
                {
                    _pumping = false;
                    wait = 0;
                }
                else
                {
                    wait = (1 - _tokens) / CurrentRate;
                }
            }

            if (released is not null)
            {
                foreach (var (waiter, at) in released)
                {
                    waiter.Completion.TrySetResult(new RateLimitLease(TimeSpan.FromSeconds(Math.Max(0, at - waiter.QueuedAt)), at));
                    waiter.Release();
                }
            }

            if (wait <= 0)
            {
                return;
            }

            // Timers may fire a little early or late; the next round refills from the real clock either way.
            await Task.Delay(TimeSpan.FromSeconds(Math.Max(wait, 0.001))).ConfigureAwait(false);
        }
    }

    private sealed class Waiter
    {
        public Waiter(double queuedAt)
        {
            QueuedAt = queuedAt;
        }

        public double QueuedAt { get; }

        public LinkedListNode<Waiter>? Node { get; set; }

        private CancellationTokenRegistration _registration;
        private bool _released;

        /// <summary>Keeps the cancellation registration until the waiter is let go (then drops it at once).</summary>
        public void SetRegistration(CancellationTokenRegistration registration)
        {
            lock (this)
            {
                if (!_released)
                {
                    _registration = registration;
                    return;
                }
            }

            registration.Dispose();
        }

        /// <summary>Let go: the cancellation registration is no longer needed (the run's token outlives many waits).</summary>
        public void Release()
        {
            CancellationTokenRegistration registration;
            lock (this)
            {
                _released = true;
                registration = _registration;
                _registration = default;
            }

            registration.Dispose();
        }

        public TaskCompletionSource<RateLimitLease> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

/// <summary>A caller's turn: how long it waited, and when it was let go (the limiter's clock, in seconds).</summary>
internal readonly struct RateLimitLease
{
    public RateLimitLease(TimeSpan waited, double grantedAt)
    {
        Waited = waited;
        GrantedAt = grantedAt;
    }

    public TimeSpan Waited { get; }

    public double GrantedAt { get; }
}
