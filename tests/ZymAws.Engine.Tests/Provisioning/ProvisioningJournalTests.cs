using Xunit;
using ZymAws.Engine.Provisioning.Internal;
using ZymAws.Engine.Tests.Infrastructure;

namespace ZymAws.Engine.Tests.Provisioning;

/// <summary>The journal file on its own: durable appends, replay, torn and damaged lines, one writer at a time.</summary>
public sealed class ProvisioningJournalTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("zymaws-journal-unit-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Records_AreReplayedIntoDeviceState_WhenTheJournalIsReopened()
    {
        string path = Path.Combine(_folder, "replay.jsonl");
        using (var journal = ProvisioningJournal.Open(path, new CapturingEngineLog()))
        {
            journal.Append(new JournalRecord(JournalEvents.CertificateRegistering, "t1") { Input = "cert:abc" });
            journal.Append(new JournalRecord(JournalEvents.CertificateReady, "t1") { CertificateId = "c1", CertificateArn = "arn:c1", Owned = true });
            journal.Append(new JournalRecord(JournalEvents.ThingCreating, "t1"));
            journal.Append(new JournalRecord(JournalEvents.CertificateRegistering, "t2") { Input = "cert:def" });
        }

        // Every record is on disk as one JSON line as soon as Append returns.
        Assert.Equal(4, File.ReadAllLines(path).Length);
        using var reopened = ProvisioningJournal.Open(path, new CapturingEngineLog());
        Assert.Equal(4, reopened.RecordsRead);
        var t1 = reopened.StateOf("t1");
        Assert.Equal("c1", t1.CertificateId);
        Assert.True(t1.CertificateOwned);
        Assert.True(t1.ThingIntent);
        Assert.Null(t1.ThingArn);
        Assert.True(t1.HasLiveResources);
        var t2 = reopened.StateOf("t2");
        Assert.NotNull(t2.CertificateIntentAt);
        Assert.Null(t2.CertificateId);
        Assert.Equal("cert:def", t2.Input);
    }

    [Theory]
    [InlineData("{\"at\":\"2030-01-01T00:00:00Z\",\"event\":\"ThingRe")]
    [InlineData("\0\0\0\0\0\0\0\0\n")]
    [InlineData("{\"at\":\"2030-01-01T00:00:00Z\"\n")]
    public void TornOrDamagedLastLine_IsDropped_AndTheFileTruncated(string tail)
    {
        string path = Path.Combine(_folder, "torn.jsonl");
        using (var journal = ProvisioningJournal.Open(path, new CapturingEngineLog()))
        {
            journal.Append(new JournalRecord(JournalEvents.ThingCreating, "t1"));
            journal.Append(new JournalRecord(JournalEvents.ThingReady, "t1") { ThingArn = "arn:t1", Owned = true });
        }

        long good = new FileInfo(path).Length;
        File.AppendAllText(path, tail);
        var log = new CapturingEngineLog();
        using (var journal = ProvisioningJournal.Open(path, log))
        {
            Assert.True(journal.DroppedTornLine);
            Assert.Equal(2, journal.RecordsRead);
            Assert.Equal("arn:t1", journal.StateOf("t1").ThingArn);
            Assert.Equal(good, new FileInfo(path).Length);
            journal.Append(new JournalRecord(JournalEvents.PrincipalAttaching, "t1"));
        }

        Assert.Contains(log.Lines, l => l.Level == "Warning" && l.Message.Contains("incomplete record"));
        Assert.Equal(3, File.ReadAllLines(path).Length);
        using var again = ProvisioningJournal.Open(path, new CapturingEngineLog());
        Assert.False(again.DroppedTornLine);
        Assert.True(again.StateOf("t1").PrincipalIntent);
    }

    [Fact]
    public void DamagedLineInTheMiddle_IsAnError_NotSilentlySkipped()
    {
        string path = Path.Combine(_folder, "corrupt.jsonl");
        using (var journal = ProvisioningJournal.Open(path, new CapturingEngineLog()))
        {
            journal.Append(new JournalRecord(JournalEvents.ThingCreating, "t1"));
        }

        File.AppendAllText(path, "this is not json\n");
        using (var journal = ProvisioningJournal.Open(path, new CapturingEngineLog()))
        {
            // the last line: torn
            Assert.True(journal.DroppedTornLine);
            journal.Append(new JournalRecord(JournalEvents.ThingReady, "t1") { ThingArn = "arn:t1", Owned = true });
        }

        var lines = File.ReadAllLines(path).ToList();
        lines.Insert(1, "edited by hand");
        File.WriteAllLines(path, lines);
        var error = Assert.Throws<ZymException>(() => ProvisioningJournal.Open(path, new CapturingEngineLog()));
        Assert.Equal("JournalCorrupt", error.ErrorId);
        Assert.Equal(ZymErrorCategory.InvalidData, error.Category);
        Assert.Contains("Line 2", error.Message);
    }

    [Fact]
    public void ProvisionedDevices_AreKeptCompactly_AndComeBackWhole_WithTheirPemReadFromTheFile()
    {
        string path = Path.Combine(_folder, "settle.jsonl");
        string prefix = "arn:aws:iot:us-east-1:123456789012:";
        string Id(int i) => i.ToString("x64");
        const string pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
        void Provision(ProvisioningJournal journal, int i, bool withPem)
        {
            string thing = "dev-" + i;
            journal.Append(new JournalRecord(JournalEvents.CertificateIssuing, thing) { Input = "csr:" + Id(1000 + i) });
            journal.Append(new JournalRecord(JournalEvents.CertificateReady, thing) { CertificateId = Id(i), CertificateArn = prefix + "cert/" + Id(i), CertificatePem = withPem ? pem + i : null, Owned = true });
            journal.Append(new JournalRecord(JournalEvents.ThingReady, thing) { ThingArn = prefix + "thing/" + thing, Owned = true, Marker = Id(i) });
            journal.Append(new JournalRecord(JournalEvents.PrincipalReady, thing) { CertificateArn = prefix + "cert/" + Id(i), Owned = true });
            journal.Append(new JournalRecord(JournalEvents.PolicyReady, thing) { Policy = "p", Owned = true });
            journal.Append(new JournalRecord(JournalEvents.Provisioned, thing) { CertificateId = Id(i) });
        }

        using (var journal = ProvisioningJournal.Open(path, new CapturingEngineLog()))
        {
            Provision(journal, 1, withPem: true);
            journal.Settle("dev-1");
            Provision(journal, 2, withPem: false);
            journal.Append(new JournalRecord(JournalEvents.ThingCreating, "dev-3") { Input = "cert:" + Id(3) });
            journal.Settle("dev-3"); // unfinished: kept whole
            journal.StateOf("dev-4");
            journal.Settle("dev-4"); // nothing known: forgotten
            Assert.Equal(3, journal.DeviceCount);
            Assert.True(journal.IsCertificateClaimedBesides("dev-2", Id(1)));
            Assert.False(journal.IsCertificateClaimedBesides("dev-1", Id(1)));

            var back = journal.StateOf("dev-1");
            Assert.True(back.Provisioned);
            Assert.Equal(pem + 1, back.CertificatePem);
            Assert.Equal(prefix + "thing/dev-1", back.ThingArn);
        }

        // Replayed: provisioned devices are settled as they are read, and each comes back as it was written.
        using var reopened = ProvisioningJournal.Open(path, new CapturingEngineLog());
        Assert.Equal(3, reopened.DeviceCount);
        foreach (int i in new[] { 1, 2 })
        {
            var state = reopened.StateOf("dev-" + i);
            Assert.True(state.Provisioned);
            Assert.Equal("csr:" + Id(1000 + i), state.Input);
            Assert.Equal(Id(i), state.CertificateId);
            Assert.Equal(prefix + "cert/" + Id(i), state.CertificateArn);
            Assert.Equal(prefix + "thing/dev-" + i, state.ThingArn);
            Assert.Equal(Id(i), state.ThingMarker);
            Assert.Equal("p", state.Policy);
            Assert.True(state.CertificateOwned && state.ThingOwned && state.PrincipalOwned && state.PolicyOwned && state.HasLiveResources);
            Assert.Equal(i == 1 ? pem + 1 : null, state.CertificatePem);
        }

        Assert.True(reopened.StateOf("dev-3").ThingIntent);
        reopened.Append(new JournalRecord(JournalEvents.PolicyDetached, "dev-2"));
        Assert.False(reopened.StateOf("dev-2").Provisioned);
    }

    [Fact]
    public void SecondWriter_IsRefused_WhileARunHoldsTheJournal()
    {
        string path = Path.Combine(_folder, "busy.jsonl");
        using var first = ProvisioningJournal.Open(path, new CapturingEngineLog());
        var error = Assert.Throws<ZymException>(() => ProvisioningJournal.Open(path, new CapturingEngineLog()));
        Assert.Equal("JournalInUse", error.ErrorId);
        Assert.Equal(ZymErrorCategory.ResourceBusy, error.Category);
    }

    [Fact]
    public void JournalInAMissingFolder_CannotBeCreated()
    {
        var error = Assert.Throws<ZymException>(() => ProvisioningJournal.Open(Path.Combine(_folder, "no", "such", "folder", "j.jsonl"), new CapturingEngineLog()));
        Assert.Equal("JournalWriteFailed", error.ErrorId);
    }
}
