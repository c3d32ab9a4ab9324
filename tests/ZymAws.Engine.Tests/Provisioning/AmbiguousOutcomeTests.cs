using Xunit;
using ZymAws.Engine.Provisioning;
using ZymAws.Engine.Tests.Infrastructure;
using static ZymAws.Engine.Tests.Provisioning.ProvisioningTestKit;

namespace ZymAws.Engine.Tests.Provisioning;

/// <summary>
/// Issue 9, one targeted fault script per path: a proxy rule per request reproduces it, then AWS is checked with a
/// second client (the AWS CLI) — no empty thing, no orphan certificate, policy targets exact — and a rerun without the
/// journal ends with every device provisioned exactly once.
/// </summary>
[Collection(FleetMotoCollection.Name)]
public sealed class AmbiguousOutcomeTests
{
    private static readonly string[] s_fullRun = { "RegisterCertificate", "CreateThing", "AttachThingPrincipal", "AttachPolicy" };
    private readonly FleetMoto _moto;

    public AmbiguousOutcomeTests(FleetMoto moto)
    {
        _moto = moto;
    }

    /// <summary>The victim's AttachPolicy is refused outright (403) and every DeleteCertificate of its certificate answers 503: its undo cannot finish.</summary>
    private static Func<ProxiedRequest, ProxyFault> RefusedThenUndoFails(Victim victim) => r =>
        !victim.Names(r) ? ProxyFault.None : r.Operation switch
        {
            "AttachPolicy" => ProxyFault.Deny,
            "DeleteCertificate" => ProxyFault.Unavailable,
            _ => ProxyFault.None,
        };

    /// <summary>The first request of <paramref name="operation"/> that <paramref name="isFor"/> gets <paramref name="first"/>, later ones <paramref name="then"/>.</summary>
    private static Func<ProxiedRequest, ProxyFault> FirstThen(string operation, Func<ProxiedRequest, bool> isFor, ProxyFault first, ProxyFault then)
    {
        int seen = 0;
        return r => r.Operation == operation && isFor(r) ? (Interlocked.Increment(ref seen) == 1 ? first : then) : ProxyFault.None;
    }

    [Fact]
    public async Task CreateThing_AnswerLostThenThrottled_AwsIsAsked_AndTheDeviceIsProvisioned()
    {
        using var pki = TestPki.Create("Ambiguous CreateThing CA");
        await _moto.FreshAccountAsync(pki, Policy);
        var devices = Devices(pki, "lost-thing", 3);
        string victim = devices[1].ThingName;
        await using var proxy = new FaultInjectingProxy(_moto.EndpointUrl)
        {
            Decide = FirstThen("CreateThing", r => r.Names(victim), ProxyFault.DropAfterForward, ProxyFault.Throttle),
        };
        var log = new CapturingEngineLog();
        using var session = Session(_moto, proxy.Url, log, maxAttempts: 3);

        var summary = await new FleetProvisioner(session, Options(pki, throttle: 3), log).RunAsync(devices);

        // The throttles answered the retries, not the lost first attempt: AWS was asked, and the thing was there.
        Assert.Equal(3, summary.Provisioned);
        Assert.All(summary.Results, r => Assert.Equal(s_fullRun, r.Actions));
        Assert.Equal(3, proxy.ForwardedCount("CreateThing"));
        Assert.Contains(log.VerboseLines, l => l.Contains(victim, StringComparison.Ordinal) && l.Contains("AWS shows it took effect", StringComparison.Ordinal));
        await AssertExactlyProvisionedAsync(_moto, devices.Select(d => d.ThingName).ToList());
    }

    [Fact]
    public async Task RegisterCertificate_AnswerLost_RetryToldAlreadyExists_DescribeThrottled_TheCertificateIsStillTheDevices()
    {
        // Found by the soak: the retry of a lost RegisterCertificate is told ResourceAlreadyExists, and the describe that
        // follows is throttled. That throttle was taken for RegisterCertificate being refused: the intent was voided and
        // the certificate an earlier attempt registered stayed ACTIVE, attached to nothing and named nowhere.
        using var pki = TestPki.Create("Ambiguous RegisterCertificate CA");
        await _moto.FreshAccountAsync(pki, Policy);
        var devices = Devices(pki, "lost-register", 3);
        string victim = devices[1].ThingName;
        string victimId = ZymAws.Engine.Pki.CertificateFacts.Parse(devices[1].CertificatePem!).CertificateId;
        string victimBody = DistinctivePart(devices[1].CertificatePem!);
        int registers = 0, describes = 0;
        await using var proxy = new FaultInjectingProxy(_moto.EndpointUrl)
        {
            Decide = r =>
                r.Operation == "RegisterCertificate" && r.Body.Contains(victimBody, StringComparison.Ordinal)
                    ? (Interlocked.Increment(ref registers) == 1 ? ProxyFault.DropAfterForward : ProxyFault.None) :
                r.Operation == "DescribeCertificate" && r.Names(victimId)
                    ? (Interlocked.Increment(ref describes) <= 3 ? ProxyFault.Throttle : ProxyFault.None) :
                ProxyFault.None,
        };
        using var session = Session(_moto, proxy.Url, maxAttempts: 3);

        var summary = await new FleetProvisioner(session, Options(pki, throttle: 3)).RunAsync(devices);

        // The registration's answer stood; AWS was asked again once it answered, and the certificate is the device's.
        var result = summary.Results.Single(r => r.ThingName == victim);
        Assert.Equal(DeviceProvisioningStatus.Provisioned, result.Status);
        Assert.Equal(2, Volatile.Read(ref registers));
        Assert.True(Volatile.Read(ref describes) >= 4, $"only {describes} describes of the victim's certificate");
        Assert.Equal(s_fullRun, result.Actions);
        Assert.Equal(victimId, result.CertificateId);
        await AssertExactlyProvisionedAsync(_moto, devices.Select(d => d.ThingName).ToList());
    }

    [Fact]
    public async Task CreateThing_AnswerLostThenThrottled_AndAwsCannotBeAsked_IsUndone_NoEmptyThing()
    {
        // Issue 9, case 1: before, the throttle was taken as proof that CreateThing did nothing, and the thing stayed.
        using var pki = TestPki.Create("Ambiguous CreateThing undo CA");
        await _moto.FreshAccountAsync(pki, Policy);
        var devices = Devices(pki, "empty-thing", 3);
        string victim = devices[2].ThingName;
        bool IsVictim(ProxiedRequest r) => r.Names(victim);
        int creates = 0;
        await using var proxy = new FaultInjectingProxy(_moto.EndpointUrl)
        {
            Decide = r =>
                r.Operation == "CreateThing" && IsVictim(r) ? (Interlocked.Increment(ref creates) == 1 ? ProxyFault.DropAfterForward : ProxyFault.Throttle) :

                // The look right after the lost CreateThing is throttled too (once the create was attempted).
                r.Operation == "DescribeThing" && IsVictim(r) && Volatile.Read(ref creates) >= 1 ? ProxyFault.Throttle :
                ProxyFault.None,
        };
        using var session = Session(_moto, proxy.Url, maxAttempts: 3);

        var summary = await new FleetProvisioner(session, Options(pki, throttle: 3)).RunAsync(devices);

        var failed = summary.Results.Single(r => r.ThingName == victim);
        Assert.Equal(DeviceProvisioningStatus.RolledBack, failed.Status);
        Assert.Equal("IotThrottling", failed.Error!.ErrorId);
        Assert.True(((ZymAws.Engine.Aws.AwsServiceException)failed.Error).OutcomeUnknown);
        Assert.Equal(new[] { "RegisterCertificate", "UpdateCertificate", "DeleteCertificate", "DeleteThing" }, failed.Actions);
        await AssertOnlyNamedLeftoversAsync(_moto, summary);
        await AssertExactlyProvisionedAsync(_moto, devices.Where(d => d.ThingName != victim).Select(d => d.ThingName).ToList());

        // Without the journal, the rerun provisions the device once, and changes nothing for the others.
        using var direct = Session(_moto);
        var rerun = await new FleetProvisioner(direct, Options(pki, throttle: 3)).RunAsync(devices);
        Assert.Equal(2, rerun.AlreadyProvisioned);
        Assert.Equal(s_fullRun, rerun.Results.Single(r => r.ThingName == victim).Actions);
        await AssertExactlyProvisionedAsync(_moto, devices.Select(d => d.ThingName).ToList());
    }

    [Fact]
    public async Task AttachPolicy_AnswerLostThenThrottled_AndAwsCannotBeAsked_TheUndoDetachesThePolicyFirst()
    {
        // Issue 9, case 2: before, the undo skipped the policy, DeleteCertificate failed with DeleteConflict and the
        // device was stuck behind an INACTIVE certificate carrying the policy.
        using var pki = TestPki.Create("Ambiguous AttachPolicy CA");
        await _moto.FreshAccountAsync(pki, Policy);
        var devices = Devices(pki, "lost-policy", 3);
        string victim = devices[0].ThingName;
        int attaches = 0;
        int looks = 0;
        await using var proxy = new FaultInjectingProxy(_moto.EndpointUrl);
        var options = Options(pki, throttle: 1);
        var certificate = new Victim(options, victim, "RegisterCertificate");
        bool IsVictim(ProxiedRequest r) => certificate.Names(r);
        proxy.Decide = r =>
            r.Operation == "AttachPolicy" && IsVictim(r) ? (Interlocked.Increment(ref attaches) == 1 ? ProxyFault.DropAfterForward : ProxyFault.Throttle) :

            // The look that would settle it (the first ListAttachedPolicies after the attach) is throttled; the undo's own passes.
            r.Operation == "ListAttachedPolicies" && IsVictim(r) && Volatile.Read(ref attaches) >= 1 && Interlocked.Increment(ref looks) <= 3 ? ProxyFault.Throttle :
            ProxyFault.None;
        using var session = Session(_moto, proxy.Url, maxAttempts: 3);

        var summary = await new FleetProvisioner(session, options).RunAsync(devices);

        var failed = summary.Results.Single(r => r.ThingName == victim);
        Assert.Equal(DeviceProvisioningStatus.RolledBack, failed.Status);
        Assert.Equal("AttachPolicy", ((ZymAws.Engine.Aws.AwsServiceException)failed.Error!).Operation);
        Assert.Equal(
            new[] { "RegisterCertificate", "CreateThing", "AttachThingPrincipal", "DetachPolicy", "DetachThingPrincipal", "UpdateCertificate", "DeleteCertificate", "DeleteThing" },
            failed.Actions);
        await AssertOnlyNamedLeftoversAsync(_moto, summary);
        Assert.Equal(2, (await _moto.CliPolicyTargetsAsync(Policy)).Count);

        using var direct = Session(_moto);
        var rerun = await new FleetProvisioner(direct, Options(pki)).RunAsync(devices);
        Assert.Equal(s_fullRun, rerun.Results.Single(r => r.ThingName == victim).Actions);
        await AssertExactlyProvisionedAsync(_moto, devices.Select(d => d.ThingName).ToList());
    }

    [Fact]
    public async Task DeleteCertificate_503sDuringTheUndo_IsRollbackFailed_NamesWhatIsLeft_AndARerunWithoutTheJournalFinishesIt()
    {
        // Issue 9, case 3: before, the status still said RolledBack and only a run with the same journal recovered.
        using var pki = TestPki.Create("Undo fails CA");
        await _moto.FreshAccountAsync(pki, Policy);
        var devices = Devices(pki, "undo-503", 3);
        string victim = devices[1].ThingName;
        await using var proxy = new FaultInjectingProxy(_moto.EndpointUrl);
        var options = Options(pki, throttle: 1);
        var certificate = new Victim(options, victim, "RegisterCertificate");
        proxy.Decide = RefusedThenUndoFails(certificate);
        var log = new CapturingEngineLog();
        using var session = Session(_moto, proxy.Url, log, maxAttempts: 5);

        var summary = await new FleetProvisioner(session, options, log).RunAsync(devices);
        string? victimCert = certificate.CertificateId;

        var failed = summary.Results.Single(r => r.ThingName == victim);
        Assert.Equal(DeviceProvisioningStatus.RollbackFailed, failed.Status);
        Assert.Equal("IotAccessDenied", failed.Error!.ErrorId);
        Assert.Equal("IotServiceUnavailable", failed.RollbackError!.ErrorId);
        Assert.Equal(5, proxy.Faults[ProxyFault.Unavailable]);
        Assert.Equal(new[] { $"certificate {victimCert} (INACTIVE)", $"thing '{victim}'" }, failed.LeftInAws);
        Assert.Equal(1, summary.RollbackFailed);

        // Exactly what it names is left: the certificate INACTIVE and attached to nothing, the thing carrying the marker.
        await AssertOnlyNamedLeftoversAsync(_moto, summary);
        Assert.Equal("INACTIVE", (await _moto.CliCertificatesAsync()).Single(c => c.Id == victimCert).Status);
        Assert.Empty(await _moto.CliThingPrincipalsAsync(victim));
        Assert.Equal(victimCert, (await _moto.CliThingAttributesAsync(victim))["zymaws_certificate"]);

        // A later run without the journal recognises the module's own unfinished undo and finishes the device.
        using var direct = Session(_moto, log: log);
        var rerun = await new FleetProvisioner(direct, Options(pki), log).RunAsync(devices);
        var finished = rerun.Results.Single(r => r.ThingName == victim);
        Assert.Equal(DeviceProvisioningStatus.Provisioned, finished.Status);
        Assert.Equal(victimCert, finished.CertificateId);
        Assert.Equal(new[] { "UpdateCertificate", "AttachThingPrincipal", "AttachPolicy" }, finished.Actions);
        Assert.Contains(log.VerboseLines, l => l.Contains("unfinished undo", StringComparison.Ordinal));
        await AssertExactlyProvisionedAsync(_moto, devices.Select(d => d.ThingName).ToList());

        // Every IoT operation both runs called (the undo's and the recognition's reads included) is in the provisioner policy.
        var called = CalledIotOperations(log);
        Assert.Contains("iot:ListPrincipalThings", called);
        Assert.All(called, op => Assert.Contains(op, FleetProvisioner.IotActions(CertificateRegistrationMode.WithCa)));
    }

    [Fact]
    public async Task ACertificateAnOperatorDisabled_IsNeverReEnabled_ThoughItsThingCarriesTheMarker()
    {
        using var pki = TestPki.Create("Operator disabled CA");
        await _moto.FreshAccountAsync(pki, Policy);
        var devices = Devices(pki, "disabled", 2);
        using var session = Session(_moto);
        var first = await new FleetProvisioner(session, Options(pki)).RunAsync(devices);
        Assert.Equal(2, first.Provisioned);

        // The operator turns one device off the usual way: its certificate INACTIVE, still attached to its thing.
        string off = first.Results.Single(r => r.ThingName == devices[0].ThingName).CertificateId!;
        await ExternalProcess.AwsCliAsync(_moto, "iot", "update-certificate", "--certificate-id", off, "--new-status", "INACTIVE");

        var rerun = await new FleetProvisioner(session, Options(pki)).RunAsync(devices);

        var refused = rerun.Results.Single(r => r.ThingName == devices[0].ThingName);
        Assert.Equal("CertificateNotActive", refused.Error!.ErrorId);
        Assert.Empty(refused.Actions);
        Assert.Equal("INACTIVE", (await _moto.CliCertificatesAsync()).Single(c => c.Id == off).Status);
        Assert.Equal(DeviceProvisioningStatus.AlreadyProvisioned, rerun.Results.Single(r => r.ThingName == devices[1].ThingName).Status);
    }
    [Fact]
    public async Task FromCsr_AnUnfinishedUndo_IsFinishedWithoutTheJournal_AndNothingIsIssuedTwice()
    {
        await _moto.ResetAsync();
        using (var setup = Session(_moto))
        {
            await setup.Iot.CreatePolicyAsync(Policy, """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iot:Connect","Resource":"*"}]}""");
        }

        var devices = CsrDevices("csr-undo", 3);
        string victim = devices[2].ThingName;
        await using var proxy = new FaultInjectingProxy(_moto.EndpointUrl);
        var options = Options(null, throttle: 1);
        var certificate = new Victim(options, victim, "CreateCertificateFromCsr");
        proxy.Decide = RefusedThenUndoFails(certificate);
        FleetProvisioningSummary first;
        using (var session = Session(_moto, proxy.Url, maxAttempts: 3))
        {
            first = await new FleetProvisioner(session, options).RunAsync(devices);
        }

        Assert.Equal(DeviceProvisioningStatus.RollbackFailed, first.Results.Single(r => r.ThingName == victim).Status);
        await AssertOnlyNamedLeftoversAsync(_moto, first);

        // Without the journal: each thing names the certificate AWS IoT issued for its CSR's key, so nothing is issued
        // again; the one left INACTIVE by the unfinished undo is activated and finished.
        FleetProvisioningSummary rerun;
        using (var session = Session(_moto, proxy.Url))
        {
            proxy.Decide = _ => ProxyFault.None;
            rerun = await new FleetProvisioner(session, Options(null, throttle: 1)).RunAsync(devices);
        }

        Assert.Equal(3, proxy.ForwardedCount("CreateCertificateFromCsr"));
        Assert.Equal(2, rerun.AlreadyProvisioned);
        var finished = rerun.Results.Single(r => r.ThingName == victim);
        Assert.Equal(new[] { "UpdateCertificate", "AttachThingPrincipal", "AttachPolicy" }, finished.Actions);
        Assert.Equal(certificate.CertificateId, finished.CertificateId);
        Assert.All(rerun.Results, r => Assert.Equal(first.Results.Single(f => f.ThingName == r.ThingName).CertificateId, r.CertificateId));
        Assert.All(rerun.Results, r => Assert.Contains("BEGIN CERTIFICATE", r.CertificatePem));
        await AssertExactlyProvisionedAsync(_moto, devices.Select(d => d.ThingName).ToList());
    }

    /// <summary>Learns the certificate a device's first step gives it (from StepCompleted), so proxy rules can name its requests.</summary>
    /// <summary>A run of letters and digits from the end of a PEM (its signature), found verbatim in a JSON body ('+' and '/' may be escaped there).</summary>
    internal static string DistinctivePart(string pem) =>
        System.Text.RegularExpressions.Regex.Matches(pem.Split("-----END")[0], "[A-Za-z0-9]{16,}").Last().Value;

    private sealed class Victim
    {
        private string? _certificateId;

        public Victim(FleetProvisioningOptions options, string thing, string issuingStep)
        {
            options.StepCompleted = step =>
            {
                if (step.ThingName == thing && step.Step == issuingStep)
                {
                    Volatile.Write(ref _certificateId, step.CertificateId);
                }
            };
        }

        public string? CertificateId => Volatile.Read(ref _certificateId);

        public bool Names(ProxiedRequest request) => request.Names(CertificateId);
    }
}
