using System;
using Xunit;
using ZymAws.Provisioning.Infrastructure;

namespace ZymAws.Provisioning.Tests;

/// <summary>What a batch cmdlet's progress record says, with and without a known count.</summary>
public sealed class BatchProgressTests
{
    [Fact]
    public void KnownCount_GivesPercentAndSecondsRemainingFromTheRateSoFar()
    {
        var record = BatchProgress.Record(1, "Removing devices", done: 3, total: 12, elapsed: TimeSpan.FromSeconds(6), current: "dev-4");

        Assert.Equal(25, record.PercentComplete);
        Assert.Equal(18, record.SecondsRemaining);   // 2 s a device, 9 to go
        Assert.Equal("3 of 12 done", record.StatusDescription);
        Assert.Equal("dev-4", record.CurrentOperation);
    }

    [Fact]
    public void KnownCount_NothingDoneYet_GivesPercentButNoGuessAtTime()
    {
        var record = BatchProgress.Record(1, "Removing devices", done: 0, total: 5, elapsed: TimeSpan.FromSeconds(1), current: "dev-1");

        Assert.Equal(0, record.PercentComplete);
        Assert.Equal(-1, record.SecondsRemaining);
    }

    [Fact]
    public void UnknownCount_GivesTheCountDoneAndTheCurrentItemOnly()
    {
        var record = BatchProgress.Record(1, "Creating device CSRs", done: 7, total: null, elapsed: TimeSpan.FromSeconds(3), current: "dev-8");

        Assert.Equal(-1, record.PercentComplete);
        Assert.Equal(-1, record.SecondsRemaining);
        Assert.Equal("7 done", record.StatusDescription);
        Assert.Equal("dev-8", record.CurrentOperation);
    }
}
