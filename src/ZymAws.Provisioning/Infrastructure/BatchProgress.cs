using System;
using System.Diagnostics;
using System.Management.Automation;
using System.Threading;

namespace ZymAws.Provisioning.Infrastructure;

/// <summary>
/// Write-Progress for a batch cmdlet: when the count is known, percent complete and seconds remaining (from the rate so
/// far); otherwise how many are done and the current item. At most four updates a second (the host redraws every one),
/// written through <see cref="PipelineThread"/> like every other write; Completed at the end, when anything was shown.
/// </summary>
internal sealed class BatchProgress
{
    private const int IntervalMs = 250;
    private readonly PipelineThread _pipeline;
    private readonly string _activity;
    private readonly int _activityId;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _lastMs = -IntervalMs;
    private int _done;
    private int _total = -1;
    private int _written;
    private int _started;

    public BatchProgress(PipelineThread pipeline, string activity, int activityId = 1)
    {
        _pipeline = pipeline;
        _activity = activity;
        _activityId = activityId;
    }

    /// <summary>The number of items, once known (null: unknown).</summary>
    public int? Total
    {
        get => Volatile.Read(ref _total) is var t && t >= 0 ? t : null;
        set => Volatile.Write(ref _total, value ?? -1);
    }

    /// <summary>Adds to a known total (items found as input arrives, e.g. the files a wildcard names).</summary>
    public void AddToTotal(int count) => Total = (Total ?? 0) + count;

    /// <summary>An item is starting: shows it as the current operation, with what is done so far.</summary>
    public void Starting(string current) => Show(Volatile.Read(ref _done), current, force: false);

    /// <summary>The next item is starting, and the one before it (if any) has finished: for one item per pipeline record.</summary>
    public void Next(string current)
    {
        if (Interlocked.Increment(ref _started) > 1)
        {
            Finished();
        }

        Starting(current);
    }

    /// <summary>An item has finished.</summary>
    public void Finished() => Interlocked.Increment(ref _done);

    /// <summary>Ends the progress bar (only when one was shown).</summary>
    public void Complete()
    {
        if (Volatile.Read(ref _written) > 0)
        {
            _pipeline.WriteProgress(new ProgressRecord(_activityId, _activity, "Done") { RecordType = ProgressRecordType.Completed });
        }
    }

    private void Show(int done, string current, bool force)
    {
        var now = _clock.ElapsedMilliseconds;
        if (!force && now - Interlocked.Read(ref _lastMs) < IntervalMs)
        {
            return;
        }

        Interlocked.Exchange(ref _lastMs, now);
        Interlocked.Increment(ref _written);
        _pipeline.WriteProgress(Record(_activityId, _activity, done, Total, _clock.Elapsed, current));
    }

    /// <summary>
    /// The record for <paramref name="done"/> items finished of <paramref name="total"/> (null: unknown) after
    /// <paramref name="elapsed"/>: percent and seconds remaining when the total is known (seconds once one item has
    /// finished), the count done otherwise; <paramref name="current"/> as the current operation.
    /// </summary>
    public static ProgressRecord Record(int activityId, string activity, int done, int? total, TimeSpan elapsed, string? current)
    {
        var record = new ProgressRecord(activityId, activity, total is int t ? $"{done} of {t} done" : $"{done} done")
        {
            CurrentOperation = current,
        };
        if (total is int known && known > 0)
        {
            record.PercentComplete = (int)Math.Min(100, done * 100L / known);
            if (done > 0)
            {
                record.SecondsRemaining = (int)Math.Ceiling(elapsed.TotalSeconds / done * Math.Max(0, known - done));
            }
        }

        return record;
    }
}
