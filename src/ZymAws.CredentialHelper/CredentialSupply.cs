using System;
using System.Threading;
using System.Threading.Tasks;
using ZymAws.Engine;
using ZymAws.Engine.DeviceCredentials;
using ZymAws.Engine.Diagnostics;

namespace ZymAws.CredentialHelper;

/// <summary>
/// Credentials for the long-running commands (serve, update), over a source that is the engine's cached device fetch
/// (<see cref="DeviceCredentialProvider.GetAsync"/>): only credentials with more than
/// <see cref="DeviceCredentialCache.RefreshMargin"/> left are ever handed out; a failure is remembered for a moment so a
/// burst of callers does not hammer the endpoint (or the Zymkey) with a device it refuses; and
/// <see cref="KeepFreshAsync"/> fetches again at five minutes before expiry, retrying with backoff when that fails.
/// </summary>
internal sealed class CredentialSupply
{
    private readonly Func<CancellationToken, Task<TemporaryCredentials>> _source;
    private readonly IEngineLog _log;
    private readonly TimeSpan _failureMemory;
    private volatile Failure? _failure;

    /// <param name="failureMemory">How long a failure is answered again without asking (default 5 s).</param>
    public CredentialSupply(Func<CancellationToken, Task<TemporaryCredentials>> source, IEngineLog log, TimeSpan? failureMemory = null)
    {
        _source = source;
        _log = log;
        _failureMemory = failureMemory ?? TimeSpan.FromSeconds(5);
    }

    /// <summary>The time (tests move it).</summary>
    internal Func<DateTimeOffset> Clock { get; init; } = () => DateTimeOffset.UtcNow;

    /// <summary>First retry after a failed background refresh; it doubles up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan FirstRetryDelay { get; init; } = TimeSpan.FromSeconds(5);

    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Credentials with more than five minutes left, or the <see cref="ZymException"/> saying why there are none.</summary>
    public async Task<TemporaryCredentials> GetAsync(CancellationToken cancellationToken)
    {
        if (_failure is { } failure && Clock() < failure.Until)
        {
            throw failure.Error;
        }

        try
        {
            var credentials = Usable(await AskAsync(cancellationToken).ConfigureAwait(false));
            _failure = null;
            return credentials;
        }
        catch (ZymException e)
        {
            _failure = new Failure(e, Clock() + _failureMemory);
            throw;
        }
    }

    /// <summary>
    /// Gets credentials now and again at five minutes before each expiry, calling <paramref name="onFresh"/> with each;
    /// a failure is reported to <paramref name="onFailure"/> and retried (5 s, doubling to 5 min). Runs until cancelled.
    /// </summary>
    public async Task KeepFreshAsync(Action<TemporaryCredentials> onFresh, Action<ZymException> onFailure, CancellationToken cancellationToken)
    {
        var retry = FirstRetryDelay;
        while (!cancellationToken.IsCancellationRequested)
        {
            DateTimeOffset next;
            try
            {
                var credentials = Usable(await AskAsync(cancellationToken).ConfigureAwait(false));
                _failure = null;
                onFresh(credentials);
                retry = FirstRetryDelay;
                next = RefreshDue(credentials);
            }
            catch (ZymException e)
            {
                _failure = new Failure(e, Clock() + _failureMemory);
                onFailure(e);
                next = DateTimeOffset.UtcNow + retry;
                retry = TimeSpan.FromTicks(Math.Min(retry.Ticks * 2, MaxRetryDelay.Ticks));
            }

            await SleepUntilAsync(next, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The source, with anything but a <see cref="ZymException"/> (a fault) turned into one, so a long-running command answers and goes on.</summary>
    private async Task<TemporaryCredentials> AskAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _source(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not ZymException && e is not OperationCanceledException)
        {
            _log.Debug(e.ToString());
            throw new ZymException(ExitCodes.FaultErrorId, ZymErrorCategory.NotSpecified, $"{e.GetType().Name}: {e.Message}", null, e);
        }
    }

    /// <summary>When credentials stop being handed out and are fetched again: five minutes before they expire (and a second).</summary>
    public static DateTimeOffset RefreshDue(TemporaryCredentials credentials) => credentials.Expiration - DeviceCredentialCache.RefreshMargin + TimeSpan.FromSeconds(1);

    /// <summary>
    /// Waits for a wall-clock time in steps of at most a minute, so a device that was suspended (the monotonic clock
    /// stood still) does not sleep past it.
    /// </summary>
    internal static async Task SleepUntilAsync(DateTimeOffset due, CancellationToken cancellationToken)
    {
        while (true)
        {
            var left = due - DateTimeOffset.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                return;
            }

            await Task.Delay(left < TimeSpan.FromMinutes(1) ? left : TimeSpan.FromMinutes(1), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The engine's cache never answers with less than five minutes left; this says so again where credentials leave the process.</summary>
    private TemporaryCredentials Usable(TemporaryCredentials credentials)
    {
        if (!credentials.IsFreshFor(DeviceCredentialCache.RefreshMargin, Clock()))
        {
            _log.Debug($"Credentials {credentials.AccessKeyId} expire at {credentials.Expiration.UtcDateTime:u}: too late to hand out.");
            throw new ZymException("CredentialsExpiring", ZymErrorCategory.InvalidResult,
                $"The credentials obtained expire at {credentials.Expiration.UtcDateTime:u}, {DeviceCredentialCache.RefreshMargin.TotalMinutes:0} minutes from now or sooner; " +
                "they are not handed out.", null);
        }

        return credentials;
    }

    private sealed record Failure(ZymException Error, DateTimeOffset Until);
}
