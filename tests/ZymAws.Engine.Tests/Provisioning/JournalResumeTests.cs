using System.Text.Json;
using Xunit;
using ZymAws.Engine.Aws;
using ZymAws.Engine.Provisioning;
using ZymAws.Engine.Tests.Infrastructure;
using static ZymAws.Engine.Tests.Provisioning.ProvisioningTestKit;

namespace ZymAws.Engine.Tests.Provisioning;

/// <summary>Interrupted batches (cancellation, a throwing callback, a torn journal, lost responses) resumed from the journal.</summary>
[Collection(FleetMotoCollection.Name)]
public sealed class JournalResumeTests : IDisposable
{
    private readonly FleetMoto _moto;
    private readonly string _folder = Directory.CreateTempSubdirectory("zymaws-journal-").FullName;

    public JournalResumeTests(FleetMoto moto)
    {
        _moto = moto;
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Theory]
    [InlineData(ReconcileMode.Never)]
    [InlineData(ReconcileMode.Always)]
    public async Task CancelledHalfWay_WithTornLastLine_ResumeProvisionsEveryDeviceExactlyOnce(ReconcileMode reconcile)
    {
        using var pki = TestPki.Create("Journal CA cancel");
        await _moto.FreshAccountAsync(pki, Policy);
        var devices = Devices(pki, "jc", 40);
        string journal = Path.Combine(_folder, "cancel.jsonl");
        await using var proxy = new FaultInjectingProxy(_moto.EndpointUrl);

        using var cts = new CancellationTokenSource();
        var firstRun = new List<DeviceProvisioningOutcome>();
        var options = Options(pki, throttle: 4, journal: journal);
        options.DeviceCompleted = r =>
        {
            firstRun.Add(r);
            if (firstRun.Count == 15)
            {
                cts.Cancel();
            }

            return Task.CompletedTask;
        };
        using (var session = Session(_moto, proxy.Url))
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new FleetProvisioner(session, options).RunAsync(devices, cts.Token));
        }

        // It stopped early (how many in-flight devices finished after the cancel depends on scheduling, so only that is
        // asserted), and no device was left half-done: each one reported is provisioned, journaled and in AWS.
        Assert.InRange(firstRun.Count, 15, devices.Count - 1);
        Assert.All(firstRun, r => Assert.Equal(DeviceProvisioningStatus.Provisioned, r.Status));
        var records = ReadJournal(journal);
        Assert.Equal(firstRun.Select(r => r.ThingName).Order(), records.Where(r => r.Event == "Provisioned").Select(r => r.Thing).Order());
        Assert.Equal(firstRun.Count, (await _moto.CliCertificatesAsync()).Count);
        Assert.Equal(firstRun.Count, (await _moto.CliThingNamesAsync()).Count);

        // The process died while writing a record.
        await File.AppendAllTextAsync(journal, """{"at":"2030-01-01T00:00:00.0000000Z","event":"ThingCrea""");

        var log = new CapturingEngineLog();
        FleetProvisioningSummary resumed;
        using (var session = Session(_moto, proxy.Url))
        {
            var resume = Options(pki, throttle: 4, journal: journal);
            resume.Reconcile = reconcile;
            resumed = await new FleetProvisioner(session, resume, log).RunAsync(devices);
        }

        Assert.Contains(log.Lines, l => l.Level == "Warning" && l.Message.Contains("incomplete record"));
        // On resume every device is provisioned exactly once: the first run's from the journal, the rest now.
        Assert.Equal(40, resumed.Total);
        Assert.Equal(devices.Select(d => d.ThingName).Order(), resumed.Results.Select(r => r.ThingName).Order());
        Assert.Equal(firstRun.Count, resumed.AlreadyProvisioned);
        Assert.All(resumed.Results.Where(r => r.Status == DeviceProvisioningStatus.AlreadyProvisioned), r => Assert.True(r.FromJournal));
        Assert.Equal(40 - firstRun.Count, resumed.Provisioned);
        Assert.All(File.ReadAllLines(journal), line => JsonDocument.Parse(line).Dispose());

        // Each AWS change once per device: none for the devices the journal had finished, each step once for the rest
        // (counted per step, not per HTTP attempt: a transport-level retry of a call under load is not a second change).
        Assert.All(resumed.Results.Where(r => r.FromJournal), r => Assert.Empty(r.Actions));
        Assert.All(resumed.Results.Where(r => r.Status == DeviceProvisioningStatus.Provisioned),
            r => Assert.Equal(new[] { "RegisterCertificate", "CreateThing", "AttachThingPrincipal", "AttachPolicy" }, r.Actions));
        await AssertExactlyProvisionedAsync(_moto, devices.Select(d => d.ThingName).ToList());
    }

    [Theory]
    [InlineData(ReconcileMode.Never)]
    [InlineData(ReconcileMode.Always)]
    public async Task IntentsWithoutResults_AreResolvedOnResume_AndOwnershipSurvivesForRollback(ReconcileMode reconcile)
    {
        using var pki = TestPki.Create("Journal CA intents");
        await _moto.FreshAccountAsync(pki, Policy);
        var devices = Devices(pki, "ji", 4);
        string journal = Path.Combine(_folder, "intents.jsonl");
        string thingFails = devices[1].ThingName;
        string registerLost = devices[2].ThingName;

        // Run 1: CreateThing of one device never reaches AWS; RegisterCertificate of another does, but every answer is
        // lost — and so is every answer to the look that would settle them. NoRollback leaves both as an interrupted run
        // would: intents without results.
        await using (var proxy = new FaultInjectingProxy(_moto.EndpointUrl))
        {
            // Devices run one at a time (ThrottleLimit 1), so the one being asked about is the one calling AWS.
            string? current = null;
            var options = Options(pki, throttle: 1, journal: journal);
            options.NoRollback = true;
            options.ShouldProcess = (target, _) =>
            {
                Volatile.Write(ref current, target);
                return Task.FromResult(true);
            };
            int createAttempted = 0;
            proxy.Decide = r =>
                r.Operation == "CreateThing" && r.PathAndQuery.Contains(thingFails) && Interlocked.Exchange(ref createAttempted, 1) >= 0 ? ProxyFault.DropBeforeForward :
                r.Operation == "DescribeThing" && r.PathAndQuery.Contains(thingFails) && Volatile.Read(ref createAttempted) == 1 ? ProxyFault.DropBeforeForward :
                (r.Operation == "RegisterCertificate" || r.Operation == "DescribeCertificate") && Volatile.Read(ref current) == registerLost ? ProxyFault.DropAfterForward :
                ProxyFault.None;
            using var session = Session(_moto, proxy.Url, maxAttempts: 3);
            var first = (await new FleetProvisioner(session, options).RunAsync(devices)).Results.ToDictionary(r => r.ThingName);
            Assert.Equal(DeviceProvisioningStatus.Failed, first[thingFails].Status);
            Assert.Equal(DeviceProvisioningStatus.Failed, first[registerLost].Status);
            Assert.Equal("IotConnectionFailure", first[registerLost].Error!.ErrorId);
            Assert.Null(first[registerLost].CertificateId);
        }

        var records = ReadJournal(journal);
        Assert.Equal("ThingCreating", records.Last(r => r.Thing == thingFails && r.Event != "Failed").Event);
        Assert.Equal("CertificateRegistering", records.Last(r => r.Thing == registerLost && r.Event != "Failed").Event);
        Assert.Equal(4, (await _moto.CliCertificatesAsync()).Count);

        // Run 2: the thing is created once; the lost registration is recognised as this batch's (so a failure rolls it back).
        devices[2].ThingTypeName = "no-such-type";
        FleetProvisioningSummary second;
        using (var session = Session(_moto))
        {
            var resume = Options(pki, throttle: 2, journal: journal);
            resume.Reconcile = reconcile;
            second = await new FleetProvisioner(session, resume).RunAsync(devices);
        }

        var byName = second.Results.ToDictionary(r => r.ThingName);
        Assert.Equal(DeviceProvisioningStatus.Provisioned, byName[thingFails].Status);
        Assert.Equal(new[] { "CreateThing", "AttachThingPrincipal", "AttachPolicy" }, byName[thingFails].Actions);
        Assert.Equal(DeviceProvisioningStatus.RolledBack, byName[registerLost].Status);
        Assert.Equal(new[] { "RegisterCertificate", "UpdateCertificate", "DeleteCertificate" }, byName[registerLost].Actions);
        Assert.True(byName[devices[0].ThingName].FromJournal);
        Assert.All(second.Results, r => Assert.False(r.FromListing)); // the journal decides for every device it knows
        await AssertExactlyProvisionedAsync(_moto, new[] { devices[0].ThingName, thingFails, devices[3].ThingName });
    }

    [Fact]
    public async Task FromCsr_CallbackThrowsRightAfterIssuance_ResumeIssuesNoSecondCertificate()
    {
        await _moto.ResetAsync();
        using (var setup = Session(_moto))
        {
            await setup.Iot.CreatePolicyAsync(Policy, """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iot:Connect","Resource":"*"}]}""");
        }

        var devices = CsrDevices("csr", 10);
        string journal = Path.Combine(_folder, "csr-throw.jsonl");
        await using var proxy = new FaultInjectingProxy(_moto.EndpointUrl);
        var options = Options(null, throttle: 2, journal: journal);
        options.StepCompleted = step =>
        {
            if (step.Step == "CreateCertificateFromCsr" && step.ThingName == "csr-004")
            {
                throw new InvalidOperationException("the host went away");
            }
        };
        using (var session = Session(_moto, proxy.Url))
        {
            var thrown = await Assert.ThrowsAsync<InvalidOperationException>(() => new FleetProvisioner(session, options).RunAsync(devices));
            Assert.Equal("the host went away", thrown.Message);
        }

        // It stopped early: csr-004 was issued, not every device was. Every device issued a certificate finished.
        int issuedFirst = proxy.ForwardedCount("CreateCertificateFromCsr");
        Assert.InRange(issuedFirst, 1, devices.Count - 1);
        Assert.Equal(issuedFirst, ReadJournal(journal).Count(r => r.Event == "Provisioned"));

        FleetProvisioningSummary resumed;
        using (var session = Session(_moto, proxy.Url))
        {
            resumed = await new FleetProvisioner(session, Options(null, throttle: 2, journal: journal)).RunAsync(devices);
        }

        Assert.Equal(10, proxy.ForwardedCount("CreateCertificateFromCsr"));
        Assert.Equal(issuedFirst, resumed.AlreadyProvisioned);
        await AssertIssuedCertificatesMatchAsync(resumed);
        await AssertExactlyProvisionedAsync(_moto, devices.Select(d => d.ThingName).ToList());
    }

    [Fact]
    public async Task FromCsr_CancelledFromAHookRightAfterIssuance_ResumeIssuesNoSecondCertificate()
    {
        await _moto.ResetAsync();
        using (var setup = Session(_moto))
        {
            await setup.Iot.CreatePolicyAsync(Policy, """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iot:Connect","Resource":"*"}]}""");
        }

        var devices = CsrDevices("cc", 8);
        string journal = Path.Combine(_folder, "csr-cancel.jsonl");
        await using var proxy = new FaultInjectingProxy(_moto.EndpointUrl);
        using var cts = new CancellationTokenSource();
        var options = Options(null, throttle: 3, journal: journal);
        options.StepCompleted = step =>
        {
            if (step.Step == "CreateCertificateFromCsr" && step.ThingName == "cc-002")
            {
                cts.Cancel();
            }
        };
        using (var session = Session(_moto, proxy.Url))
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new FleetProvisioner(session, options).RunAsync(devices, cts.Token));
        }

        // It stopped early: cc-002 was issued, not every device was (how many others were depends on scheduling).
        // Every device issued a certificate finished its thing.
        int issuedFirst = proxy.ForwardedCount("CreateCertificateFromCsr");
        Assert.InRange(issuedFirst, 1, devices.Count - 1);
        Assert.Equal(issuedFirst, (await _moto.CliThingNamesAsync()).Count);

        FleetProvisioningSummary resumed;
        using (var session = Session(_moto, proxy.Url))
        {
            resumed = await new FleetProvisioner(session, Options(null, throttle: 3, journal: journal)).RunAsync(devices);
        }

        Assert.Equal(8, proxy.ForwardedCount("CreateCertificateFromCsr"));
        await AssertIssuedCertificatesMatchAsync(resumed);
        await AssertExactlyProvisionedAsync(_moto, devices.Select(d => d.ThingName).ToList());
    }

    [Fact]
    public async Task FromCsr_JournalTornRightAfterTheIssuanceIntent_IsResolvedWithoutReissuing()
    {
        await _moto.ResetAsync();
        using (var setup = Session(_moto))
        {
            await setup.Iot.CreatePolicyAsync(Policy, """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iot:Connect","Resource":"*"}]}""");
        }

        var devices = CsrDevices("tc", 4);
        devices[3].ThingTypeName = "no-such-type";
        string journal = Path.Combine(_folder, "csr-torn.jsonl");
        await using var proxy = new FaultInjectingProxy(_moto.EndpointUrl);
        var options = Options(null, throttle: 1, journal: journal);
        options.NoRollback = true;
        using (var session = Session(_moto, proxy.Url))
        {
            var first = await new FleetProvisioner(session, options).RunAsync(devices);
            Assert.Equal(3, first.Provisioned);
        }

        // Cut the journal in the middle of the last device's "certificate issued" record: as if the process had died
        // between CreateCertificateFromCsr's answer and the record of it.
        string text = await File.ReadAllTextAsync(journal);
        int issued = text.IndexOf("\"event\":\"CertificateReady\",\"thing\":\"tc-003\"", StringComparison.Ordinal);
        int lineStart = text.LastIndexOf('\n', issued) + 1;
        await File.WriteAllTextAsync(journal, text[..(lineStart + 60)]);
        Assert.Equal(1, proxy.ForwardedCount("CreateCertificateFromCsr") - 3);
        string orphan = (await _moto.CliCertificatesAsync()).Select(c => c.Id).Except(ReadJournal(journal).Where(r => r.CertificateId is not null).Select(r => r.CertificateId!)).Single();

        devices[3].ThingTypeName = null;

        // AWS IoT (and tools/moto_server.py) issues the certificate for the CSR's public key: the resumed run finds the
        // orphan by that key and adopts it instead of issuing a second certificate.
        FleetProvisioningSummary resumed;
        using (var session = Session(_moto, proxy.Url))
        {
            resumed = await new FleetProvisioner(session, Options(null, throttle: 1, journal: journal)).RunAsync(devices);
        }

        var last = resumed.Results.Single(r => r.ThingName == "tc-003");
        Assert.Equal(DeviceProvisioningStatus.Provisioned, last.Status);
        Assert.Equal(orphan, last.CertificateId);
        Assert.Equal(4, proxy.ForwardedCount("CreateCertificateFromCsr"));
        await AssertIssuedCertificatesMatchAsync(resumed);
        await AssertExactlyProvisionedAsync(_moto, devices.Select(d => d.ThingName).ToList());
    }

    /// <summary>Each result carries the PEM AWS IoT issued, and it is the certificate AWS holds under that id.</summary>
    private async Task AssertIssuedCertificatesMatchAsync(FleetProvisioningSummary summary)
    {
        using var session = Session(_moto);
        foreach (var result in summary.Results)
        {
            Assert.NotNull(result.CertificatePem);
            var described = await session.Iot.DescribeCertificateAsync(result.CertificateId!);
            Assert.Equal(described.CertificatePem!.Trim(), result.CertificatePem!.Trim());
        }
    }

    internal static List<(string Event, string? Thing, string? CertificateId)> ReadJournal(string path)
    {
        var records = new List<(string, string?, string?)>();
        foreach (string line in File.ReadAllLines(path))
        {
            try
            {
                using var doc = JsonDocument.Parse(line);
                var root = doc.RootElement;
                records.Add((root.GetProperty("event").GetString()!, FleetMoto.Str(root, "thing"), FleetMoto.Str(root, "certificateId")));
            }
            catch (JsonException)
            {
                // a torn line
            }
        }

        return records;
    }
}
