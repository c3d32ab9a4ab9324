using Xunit;
using ZymAws.Engine.Aws;
using ZymAws.Engine.Provisioning;
using ZymAws.Engine.Tests.Infrastructure;
using static ZymAws.Engine.Tests.Provisioning.ProvisioningTestKit;

namespace ZymAws.Engine.Tests.Provisioning;

/// <summary>
/// Reconcile by listing against moto (tools/moto_server.py pages as AWS does): a re-run of a provisioned batch costs a
/// few calls per 250 devices, a device changed out of band takes the per-device path and comes out as it would without
/// the listing, and the journal still decides for the devices it knows.
/// </summary>
[Collection(FleetMotoCollection.Name)]
public sealed class ReconcileTests
{
    private static readonly string[] Mutating = { "RegisterCertificate", "CreateThing", "AttachThingPrincipal", "AttachPolicy", "UpdateCertificate", "DeleteCertificate", "DeleteThing", "DetachPolicy", "DetachThingPrincipal" };

    private readonly FleetMoto _moto;

    public ReconcileTests(FleetMoto moto)
    {
        _moto = moto;
    }

    [Fact]
    public async Task Rerun_OfAProvisionedBatchAboveTheThreshold_CostsUnderATenthOfACallPerDevice()
    {
        using var pki = TestPki.Create("Reconcile CA rerun");
        await _moto.FreshAccountAsync(pki, Policy);
        var devices = Devices(pki, "rr", 300);
        FleetProvisioningSummary first;
        using (var session = Session(_moto))
        {
            first = await new FleetProvisioner(session, Options(pki, throttle: 8)).RunAsync(devices);
        }

        Assert.Equal(300, first.Provisioned);
        Assert.Equal(0, first.FromListing);

        // Default options (Auto, threshold 250): the 300-device re-run reads the listing, and nothing else.
        var log = new CapturingEngineLog();
        await using var proxy = new FaultInjectingProxy(_moto.EndpointUrl);
        using var again = Session(_moto, proxy.Url, log: log);
        var rerun = await new FleetProvisioner(again, Options(pki, throttle: 8), log).RunAsync(devices);

        Assert.Equal(300, rerun.AlreadyProvisioned);
        Assert.Equal(300, rerun.FromListing);
        var before = first.Results.ToDictionary(r => r.ThingName);
        Assert.All(rerun.Results, r =>
        {
            Assert.True(r.FromListing);
            Assert.False(r.FromJournal);
            Assert.Empty(r.Actions);
            Assert.Null(r.Error);
            Assert.Equal(before[r.ThingName].CertificateId, r.CertificateId);
            Assert.Equal(before[r.ThingName].CertificateArn, r.CertificateArn);
            Assert.Equal(before[r.ThingName].ThingArn, r.ThingArn);
            Assert.Equal(Policy, r.PolicyName);
        });
        Assert.True(again.CallCount <= 30, $"{again.CallCount} AWS calls for 300 devices (target: at most 0.1 per device)");
        Assert.All(Mutating, op => Assert.Equal(0, proxy.ForwardedCount(op)));
        Assert.Equal(0, proxy.ForwardedCount("DescribeThing") + proxy.ForwardedCount("DescribeCertificate") + proxy.ForwardedCount("ListThingPrincipals") + proxy.ForwardedCount("ListAttachedPolicies"));
        Assert.Contains(log.VerboseLines, l => l.StartsWith("Reconcile: read 300 certificate(s)", StringComparison.Ordinal));

        // Every IoT operation the listing called is in the provisioning user's policy.
        Assert.All(CalledIotOperations(log), op => Assert.Contains(op, FleetProvisioner.IotActions(CertificateRegistrationMode.WithCa)));
        await AssertExactlyProvisionedAsync(_moto, devices.Select(d => d.ThingName).ToList());
    }

    [Fact]
    public async Task Auto_BelowTheThreshold_ChecksEachDevice_AtTheThreshold_ReadsTheListing()
    {
        using var pki = TestPki.Create("Reconcile CA threshold");
        await _moto.FreshAccountAsync(pki, Policy);
        var devices = Devices(pki, "th", 12);
        using var session = Session(_moto);
        await new FleetProvisioner(session, Options(pki)).RunAsync(devices);

        var below = Options(pki);
        below.ReconcileThreshold = 13;
        var small = await new FleetProvisioner(session, below).RunAsync(devices);
        Assert.Equal(12, small.AlreadyProvisioned);
        Assert.Equal(0, small.FromListing);

        // Streamed (as the cmdlet feeds it): the first devices are held until the batch reaches the threshold.
        var at = Options(pki);
        at.ReconcileThreshold = 12;
        var reported = new List<DeviceProvisioningOutcome>();
        at.DeviceCompleted = r =>
        {
            lock (reported)
            {
                reported.Add(r);
            }

            return Task.CompletedTask;
        };
        using var run = await new FleetProvisioner(session, at).StartAsync();
        foreach (var device in devices.Take(11))
        {
            Assert.True(await run.AddAsync(device));
        }

        Assert.Empty(reported);
        Assert.True(await run.AddAsync(devices[11]));
        var summary = await run.CompleteAsync();
        Assert.Equal(12, summary.FromListing);
        Assert.Equal(12, reported.Count(r => r.FromListing));
        Assert.Empty(summary.Results); // a streamed run keeps counts, not results

        // Never: every device checked with its own calls, even above the threshold.
        var never = Options(pki);
        never.Reconcile = ReconcileMode.Never;
        never.ReconcileThreshold = 1;
        var checkedOneByOne = await new FleetProvisioner(session, never).RunAsync(devices);
        Assert.Equal(12, checkedOneByOne.AlreadyProvisioned);
        Assert.Equal(0, checkedOneByOne.FromListing);
    }

    [Fact]
    public async Task OutOfBandChanges_TakeThePerDevicePath_AndComeOutAsWithoutTheListing()
    {
        using var pki = TestPki.Create("Reconcile CA out of band");
        await _moto.FreshAccountAsync(pki, Policy);
        var devices = Devices(pki, "ob", 10);
        using var session = Session(_moto);
        var first = (await new FleetProvisioner(session, Options(pki)).RunAsync(devices)).Results.ToDictionary(r => r.ThingName);
        string disabled = devices[0].ThingName, policyDetached = devices[1].ThingName, thingDeleted = devices[2].ThingName, unmarked = devices[3].ThingName, detachedByHand = devices[4].ThingName;

        // An operator disables one certificate, detaches another's policy, deletes a thing (its certificate detached
        // first, as AWS requires), and replaces a thing with one the module did not create (no marker).
        await ExternalProcess.AwsCliAsync(_moto, "iot", "update-certificate", "--certificate-id", first[disabled].CertificateId!, "--new-status", "INACTIVE");
        await ExternalProcess.AwsCliAsync(_moto, "iot", "detach-policy", "--policy-name", Policy, "--target", first[policyDetached].CertificateArn!);
        await ExternalProcess.AwsCliAsync(_moto, "iot", "detach-thing-principal", "--thing-name", thingDeleted, "--principal", first[thingDeleted].CertificateArn!);
        await ExternalProcess.AwsCliAsync(_moto, "iot", "delete-thing", "--thing-name", thingDeleted);
        await ExternalProcess.AwsCliAsync(_moto, "iot", "detach-thing-principal", "--thing-name", unmarked, "--principal", first[unmarked].CertificateArn!);
        await ExternalProcess.AwsCliAsync(_moto, "iot", "delete-thing", "--thing-name", unmarked);
        await ExternalProcess.AwsCliAsync(_moto, "iot", "create-thing", "--thing-name", unmarked);
        await ExternalProcess.AwsCliAsync(_moto, "iot", "attach-thing-principal", "--thing-name", unmarked, "--principal", first[unmarked].CertificateArn!);

        // The one change a listing cannot see (AWS lists no thing-to-certificate attachments in bulk): a certificate
        // detached from its thing by hand, left ACTIVE with its policy.
        await ExternalProcess.AwsCliAsync(_moto, "iot", "detach-thing-principal", "--thing-name", detachedByHand, "--principal", first[detachedByHand].CertificateArn!);

        var options = Options(pki);
        options.Reconcile = ReconcileMode.Always;
        var asked = new List<string>();
        options.ShouldProcess = (target, _) =>
        {
            lock (asked)
            {
                asked.Add(target);
            }

            return Task.FromResult(true);
        };
        var rerun = (await new FleetProvisioner(session, options).RunAsync(devices)).Results.ToDictionary(r => r.ThingName);

        // Disabled by an operator: refused as without the listing, and never re-enabled.
        Assert.False(rerun[disabled].FromListing);
        Assert.Equal("CertificateNotActive", rerun[disabled].Error!.ErrorId);
        Assert.Empty(rerun[disabled].Actions);
        Assert.Contains((await _moto.CliCertificatesAsync()), c => c.Id == first[disabled].CertificateId && c.Status == "INACTIVE");

        // Policy detached: attached again. Thing deleted: created again (marked) and the certificate attached to it.
        Assert.Equal(DeviceProvisioningStatus.Provisioned, rerun[policyDetached].Status);
        Assert.Equal(new[] { "AttachPolicy" }, rerun[policyDetached].Actions);
        Assert.Equal(DeviceProvisioningStatus.Provisioned, rerun[thingDeleted].Status);
        Assert.Equal(new[] { "CreateThing", "AttachThingPrincipal" }, rerun[thingDeleted].Actions);
        Assert.Equal(first[thingDeleted].CertificateId, (await _moto.CliThingAttributesAsync(thingDeleted))["zymaws_certificate"]);

        // A thing without the module's marker is not the listing's to judge: checked with its own calls, found complete.
        Assert.False(rerun[unmarked].FromListing);
        Assert.Equal(DeviceProvisioningStatus.AlreadyProvisioned, rerun[unmarked].Status);
        Assert.Empty(rerun[unmarked].Actions);

        // Only the changed devices were asked about (the rest needed no change) and took the per-device path.
        Assert.Equal(new[] { disabled, policyDetached, thingDeleted, unmarked }.Order(), asked.Order());
        Assert.All(devices.Skip(4), d => Assert.True(rerun[d.ThingName].FromListing));

        // The documented limit: the hand-detached certificate is reported complete by the listing; Never repairs it.
        Assert.Empty(await _moto.CliThingPrincipalsAsync(detachedByHand));
        var never = Options(pki);
        never.Reconcile = ReconcileMode.Never;
        var repaired = (await new FleetProvisioner(session, never).RunAsync(devices.Skip(1))).Results.ToDictionary(r => r.ThingName);
        Assert.Equal(new[] { "AttachThingPrincipal" }, repaired[detachedByHand].Actions);
        Assert.All(devices.Skip(1).Where(d => d.ThingName != detachedByHand), d => Assert.Equal(DeviceProvisioningStatus.AlreadyProvisioned, repaired[d.ThingName].Status));
        foreach (var device in devices.Skip(1))
        {
            string arn = first[device.ThingName].CertificateArn!;
            Assert.Equal(new[] { arn }, await session.Iot.ListAllThingPrincipalsAsync(device.ThingName));
            Assert.Equal(new[] { Policy }, (await session.Iot.ListAllAttachedPoliciesAsync(arn)).Select(p => p.PolicyName));
        }
    }

    [Fact]
    public async Task WithoutCa_IsReconciledFromEveryCertificate_FromCsr_IsLeftToTheJournal()
    {
        using var pki = TestPki.Create("Reconcile unregistered CA");
        await _moto.ResetAsync();
        using var session = Session(_moto);
        await session.Iot.CreatePolicyAsync(Policy, """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iot:Connect","Resource":"*"}]}""");
        var devices = Devices(pki, "rnoca", 6);
        var options = Options(pki);
        options.Mode = CertificateRegistrationMode.WithoutCa;
        options.CaCertificatePem = null;
        options.Reconcile = ReconcileMode.Always;
        Assert.Equal(6, (await new FleetProvisioner(session, options).RunAsync(devices)).Provisioned);
        var rerun = await new FleetProvisioner(session, options).RunAsync(devices);
        Assert.Equal(6, rerun.FromListing);
        Assert.All(rerun.Results, r => Assert.Equal(DeviceProvisioningStatus.AlreadyProvisioned, r.Status));

        // A CSR does not name its certificate: with Always, mode FromCsr still checks each device with its own calls.
        var csrs = CsrDevices("rcsr", 3);
        var fromCsr = Options(null);
        fromCsr.Reconcile = ReconcileMode.Always;
        Assert.Equal(3, (await new FleetProvisioner(session, fromCsr).RunAsync(csrs)).Provisioned);
        var again = await new FleetProvisioner(session, fromCsr).RunAsync(csrs);
        Assert.Equal(3, again.AlreadyProvisioned);
        Assert.Equal(0, again.FromListing);
    }
}
