using Xunit;
using ZymAws.Engine.Aws;
using ZymAws.Engine.Provisioning;
using ZymAws.Engine.Tests.Infrastructure;
using static ZymAws.Engine.Tests.Provisioning.ProvisioningTestKit;

namespace ZymAws.Engine.Tests.Provisioning;

/// <summary>Batches against moto: the happy path, idempotent reruns, preflight, WhatIf, progress.</summary>
[Collection(FleetMotoCollection.Name)]
public sealed class FleetProvisionerTests
{
    private readonly FleetMoto _moto;

    public FleetProvisionerTests(FleetMoto moto)
    {
        _moto = moto;
    }

    [Fact]
    public async Task Batch_200Devices_ProvisionsEach_AndRerunChangesNothing()
    {
        using var pki = TestPki.Create("Fleet CA 200");
        await _moto.FreshAccountAsync(pki, Policy);
        var devices = Devices(pki, "dev", 200);
        var finished = new List<DeviceProvisioningOutcome>();
        var progress = new List<ProvisioningProgress>();
        var options = Options(pki, throttle: 8);
        options.DeviceCompleted = r =>
        {
            finished.Add(r);
            return Task.CompletedTask;
        };
        options.Progress = progress.Add;

        using var session = Session(_moto);
        var summary = await new FleetProvisioner(session, options).RunAsync(devices);

        Assert.Equal(200, summary.Provisioned);
        Assert.Equal(200, finished.Count);
        Assert.All(summary.Results, r =>
        {
            Assert.Equal(DeviceProvisioningStatus.Provisioned, r.Status);
            Assert.Null(r.Error);
            Assert.Equal(new[] { "RegisterCertificate", "CreateThing", "AttachThingPrincipal", "AttachPolicy" }, r.Actions);
            Assert.Equal($"arn:aws:iot:{MotoServer.Region}:{MotoServer.AccountId}:thing/{r.ThingName}", r.ThingArn);
            Assert.Equal($"arn:aws:iot:{MotoServer.Region}:{MotoServer.AccountId}:cert/{r.CertificateId}", r.CertificateArn);
            Assert.Equal(Policy, r.PolicyName);
            Assert.NotNull(r.SourceItem);
        });
        Assert.Equal(devices.Select(d => d.SourceItem), summary.Results.OrderBy(r => r.ThingName).Select(r => r.SourceItem));
        Assert.Equal(Enumerable.Range(1, 200), progress.Select(p => p.Completed));
        Assert.All(progress, p => Assert.Equal(200, p.Total));
        Assert.Equal(200, progress[^1].Succeeded);
        Assert.Equal(100, progress[^1].PercentComplete);
        Assert.Equal(TimeSpan.Zero, progress[^1].EstimatedRemaining);
        Assert.True(progress[^1].DevicesPerSecond > 0);
        await AssertExactlyProvisionedAsync(_moto, devices.Select(d => d.ThingName).ToList());
        var thing = await ExternalProcess.AwsCliAsync(_moto, "iot", "describe-thing", "--thing-name", "dev-007");
        Assert.Equal("dev", thing!.Value.GetProperty("attributes").GetProperty("batch").GetString());

        // Same batch again, no journal: everything is found in place, nothing is changed.
        var log = new CapturingEngineLog();
        using var again = Session(_moto, log: log);
        var rerun = await new FleetProvisioner(again, Options(pki, throttle: 8), log).RunAsync(devices);
        Assert.Equal(200, rerun.AlreadyProvisioned);
        Assert.All(rerun.Results, r => Assert.Empty(r.Actions));
        Assert.Equal(
            summary.Results.OrderBy(r => r.ThingName).Select(r => r.CertificateId),
            rerun.Results.OrderBy(r => r.ThingName).Select(r => r.CertificateId));
        string[] mutating = { "CreateThing", "AttachThingPrincipal", "AttachPolicy", "UpdateCertificate", "DeleteCertificate", "DeleteThing", "DetachPolicy" };
        Assert.DoesNotContain(log.VerboseLines, l => mutating.Any(m => l.StartsWith($"AWS iot {m} ", StringComparison.Ordinal)));
        await AssertExactlyProvisionedAsync(_moto, devices.Select(d => d.ThingName).ToList());
    }

    [Fact]
    public async Task Preflight_MissingPolicy_UnregisteredOrInactiveCa_ThrowBeforeAnyDeviceIsTouched()
    {
        using var pki = TestPki.Create("Fleet CA preflight");
        string caId = await _moto.FreshAccountAsync(pki, Policy);
        var devices = Devices(pki, "pre", 3);
        using var session = Session(_moto);

        var options = Options(pki);
        options.PolicyName = "no-such-policy";
        var missing = await Assert.ThrowsAsync<ZymException>(() => new FleetProvisioner(session, options).RunAsync(devices));
        Assert.Equal("ProvisioningPolicyNotFound", missing.ErrorId);
        Assert.Equal(ZymErrorCategory.ObjectNotFound, missing.Category);
        Assert.Contains("no-such-policy", missing.Message);

        using var otherPki = TestPki.Create("Never registered CA");
        var unregistered = await Assert.ThrowsAsync<ZymException>(() => new FleetProvisioner(session, Options(otherPki)).RunAsync(Devices(otherPki, "pre", 3)));
        Assert.Equal("CaCertificateNotRegistered", unregistered.ErrorId);

        await session.Iot.UpdateCaCertificateAsync(new IotUpdateCaCertificateRequest(caId) { NewStatus = "INACTIVE" });
        var inactive = await Assert.ThrowsAsync<ZymException>(() => new FleetProvisioner(session, Options(pki)).RunAsync(devices));
        Assert.Equal("CaCertificateNotActive", inactive.ErrorId);
        Assert.Equal(caId, inactive.Target);

        var noCa = Options(pki);
        noCa.CaCertificatePem = null;
        Assert.Equal("CaCertificateMissing", (await Assert.ThrowsAsync<ZymException>(() => new FleetProvisioner(session, noCa).RunAsync(devices))).ErrorId);
        var badThrottle = Options(pki, throttle: 0);
        Assert.Equal("ThrottleLimitInvalid", (await Assert.ThrowsAsync<ZymException>(() => new FleetProvisioner(session, badThrottle).RunAsync(devices))).ErrorId);

        Assert.Empty(await _moto.CliCertificatesAsync());
        Assert.Empty(await _moto.CliThingNamesAsync());
    }

    [Fact]
    public async Task WhatIf_DeclinedDevices_ChangeNothing_AndReportWhatWouldBeDone()
    {
        using var pki = TestPki.Create("Fleet CA whatif");
        await _moto.FreshAccountAsync(pki, Policy);
        var devices = Devices(pki, "wi", 6);
        using (var setup = Session(_moto))
        {
            await new FleetProvisioner(setup, Options(pki)).RunAsync(devices.Take(2));
        }

        var asked = new List<(string Target, string Action)>();
        var options = Options(pki);
        options.ShouldProcess = (target, action) =>
        {
            lock (asked)
            {
                asked.Add((target, action));
            }

            return Task.FromResult(false);
        };
        await using var proxy = new FaultInjectingProxy(_moto.EndpointUrl);
        using var session = Session(_moto, proxy.Url);
        var summary = await new FleetProvisioner(session, options).RunAsync(devices);

        string[] mutating = { "RegisterCertificate", "CreateThing", "AttachThingPrincipal", "AttachPolicy", "UpdateCertificate", "DeleteCertificate", "DeleteThing", "DetachPolicy", "DetachThingPrincipal" };
        Assert.All(mutating, op => Assert.Equal(0, proxy.ForwardedCount(op)));
        Assert.Equal(devices.Select(d => d.ThingName).Order(), asked.Select(a => a.Target).Order());
        Assert.All(asked, a => Assert.Contains($"IoT policy '{Policy}'", a.Action));
        var byName = summary.Results.ToDictionary(r => r.ThingName);
        foreach (var device in devices.Skip(2))
        {
            var r = byName[device.ThingName];
            Assert.Equal(DeviceProvisioningStatus.Skipped, r.Status);
            Assert.Equal(new[] { "RegisterCertificate", "CreateThing", "AttachThingPrincipal", "AttachPolicy" }, r.PlannedActions);
            Assert.Empty(r.Actions);
        }

        // The read-only check finds certificates by the SHA-256 of their DER (AWS), or of their PEM text (moto_server unconfigured).
        Assert.All(devices.Take(2), d => Assert.Equal(DeviceProvisioningStatus.AlreadyProvisioned, byName[d.ThingName].Status));
        Assert.Equal(2, (await _moto.CliCertificatesAsync()).Count);
        Assert.Equal(2, (await _moto.CliThingNamesAsync()).Count);
    }

    [Fact]
    public async Task FailingDevices_AreRolledBack_TheRestProvisioned_AndTheCliSeesEveryThingComplete()
    {
        using var pki = TestPki.Create("Fleet CA failures");
        using var stranger = TestPki.Create("Some other CA");
        const string doomedPolicy = "policy-deleted-mid-run";
        await _moto.FreshAccountAsync(pki, Policy, doomedPolicy);
        var good = Devices(pki, "ok", 6);
        var corrupt = Devices(pki, "corrupt", 2);
        corrupt[0].CertificatePem = corrupt[0].CertificatePem!.Replace("MII", "MIJ");
        corrupt[1].CertificatePem = "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n";
        var badName = new DeviceProvisioningRequest("bad name!") { CertificatePem = pki.IssuePem("bad name"), SourceItem = "row-bad-name" };
        var foreign = Devices(stranger, "foreign", 1);
        var badType = Devices(pki, "typeless", 2);
        badType.ForEach(d => d.ThingTypeName = "no-such-thing-type");
        var losesPolicy = Devices(pki, "late", 2, policy: doomedPolicy);
        var duplicate = new DeviceProvisioningRequest(good[0].ThingName) { CertificatePem = pki.IssuePem(good[0].ThingName) };
        var all = good.Concat(corrupt).Append(badName).Concat(foreign).Concat(badType).Append(duplicate).Concat(losesPolicy).ToList();

        var log = new CapturingEngineLog();
        var options = Options(pki, throttle: 3);
        var deletion = new Lazy<Task>(() => _moto.DeletePolicyAsync(doomedPolicy));
        options.ShouldProcess = async (target, action) =>
        {
            // The policy exists at preflight and vanishes before its first device attaches it.
            if (target.StartsWith("late-", StringComparison.Ordinal))
            {
                await deletion.Value;
            }

            return true;
        };
        using var session = Session(_moto, log: log);
        var summary = await new FleetProvisioner(session, options, log).RunAsync(all);
        var byName = summary.Results.GroupBy(r => r.ThingName).ToDictionary(g => g.Key, g => g.ToList());

        Assert.All(good, d => Assert.Equal(DeviceProvisioningStatus.Provisioned, byName[d.ThingName][0].Status));
        Assert.All(corrupt, d => Assert.Equal("CertificateInvalid", Assert.Single(byName[d.ThingName]).Error!.ErrorId));
        Assert.All(corrupt.Concat(foreign), d => Assert.Empty(Assert.Single(byName[d.ThingName]).Actions));
        var nameError = Assert.Single(byName["bad name!"]).Error!;
        Assert.Equal("ThingNameInvalid", nameError.ErrorId);
        Assert.Equal("row-bad-name", nameError.Target);
        Assert.Equal("CertificateNotIssuedByCa", Assert.Single(byName[foreign[0].ThingName]).Error!.ErrorId);
        Assert.Equal("DeviceDuplicate", byName[good[0].ThingName].Single(r => r.Status == DeviceProvisioningStatus.Failed).Error!.ErrorId);
        foreach (var device in badType)
        {
            var r = Assert.Single(byName[device.ThingName]);
            Assert.Equal(DeviceProvisioningStatus.RolledBack, r.Status);
            Assert.Equal("IotResourceNotFound", r.Error!.ErrorId);
            Assert.Equal("CreateThing", ((ZymAws.Engine.Aws.AwsServiceException)r.Error).Operation);
            Assert.Equal(new[] { "RegisterCertificate", "UpdateCertificate", "DeleteCertificate" }, r.Actions);
        }

        foreach (var device in losesPolicy)
        {
            var r = Assert.Single(byName[device.ThingName]);
            Assert.Equal(DeviceProvisioningStatus.RolledBack, r.Status);
            Assert.Equal("AttachPolicy", ((ZymAws.Engine.Aws.AwsServiceException)r.Error!).Operation);
            // In the order AWS requires, the thing last.
            Assert.Equal(new[] { "RegisterCertificate", "CreateThing", "AttachThingPrincipal", "DetachThingPrincipal", "UpdateCertificate", "DeleteCertificate", "DeleteThing" }, r.Actions);
        }

        Assert.Equal(6, summary.Provisioned);
        Assert.Equal(4, summary.RolledBack);
        Assert.Equal(5, summary.Failed);
        Assert.Equal(all.Count, summary.Total);

        // No certificate is left without its thing and policy, and the AWS CLI sees each thing complete.
        await AssertExactlyProvisionedAsync(_moto, good.Select(d => d.ThingName).ToList(), cliPerThing: true);

        // Every IoT operation the batch called is in the provisioning user's policy.
        var allowed = FleetProvisioner.IotActions(CertificateRegistrationMode.WithCa);
        var called = CalledIotOperations(log);
        Assert.Contains("iot:DeleteCertificate", called);
        Assert.All(called, op => Assert.Contains(op, allowed));
    }

    [Fact]
    public async Task NoRollback_LeavesTheFailedDevicesResources_AndARerunFinishesIt()
    {
        using var pki = TestPki.Create("Fleet CA norollback");
        await _moto.FreshAccountAsync(pki, Policy);
        var device = Devices(pki, "keep", 1)[0];
        device.ThingTypeName = "no-such-type";
        var options = Options(pki);
        options.NoRollback = true;
        using var session = Session(_moto);
        var r = Assert.Single((await new FleetProvisioner(session, options).RunAsync(new[] { device })).Results);
        Assert.Equal(DeviceProvisioningStatus.Failed, r.Status);
        Assert.Null(r.RollbackError);
        Assert.Equal(new[] { "RegisterCertificate" }, r.Actions);
        var left = Assert.Single(await _moto.CliCertificatesAsync());
        Assert.Equal(r.CertificateArn, left.Arn);
        Assert.Equal("ACTIVE", left.Status);

        device.ThingTypeName = null;
        var again = Assert.Single((await new FleetProvisioner(session, Options(pki)).RunAsync(new[] { device })).Results);
        Assert.Equal(DeviceProvisioningStatus.Provisioned, again.Status);
        Assert.Equal(r.CertificateId, again.CertificateId);
        Assert.Equal(new[] { "CreateThing", "AttachThingPrincipal", "AttachPolicy" }, again.Actions);
        await AssertExactlyProvisionedAsync(_moto, new[] { device.ThingName });
    }

    [Fact]
    public async Task RollbackThatFails_WithoutAMarkedThing_LeavesTheCertificateActive_AndARerunWithoutTheJournalFinishesIt()
    {
        using var pki = TestPki.Create("Fleet CA rollback fails");
        await _moto.FreshAccountAsync(pki, Policy);
        var device = Devices(pki, "stuck", 1)[0];
        device.ThingTypeName = "no-such-type";
        await using var proxy = new FaultInjectingProxy(_moto.EndpointUrl) { Decide = r => r.Operation == "DeleteCertificate" ? ProxyFault.DropBeforeForward : ProxyFault.None };
        using var session = Session(_moto, proxy.Url, maxAttempts: 3);
        var r = Assert.Single((await new FleetProvisioner(session, Options(pki)).RunAsync(new[] { device })).Results);
        Assert.Equal(DeviceProvisioningStatus.RollbackFailed, r.Status);
        Assert.Equal("IotResourceNotFound", r.Error!.ErrorId);
        Assert.Equal("IotConnectionFailure", r.RollbackError!.ErrorId);

        // CreateThing was refused, so no thing carries the marker naming the certificate: rather than leave it INACTIVE
        // (a later run could not tell it from one an operator disabled), the undo put it back to ACTIVE, and says so.
        Assert.Equal(new[] { "RegisterCertificate", "UpdateCertificate", "UpdateCertificate" }, r.Actions);
        Assert.Equal(new[] { $"certificate {r.CertificateId} (ACTIVE)" }, r.LeftInAws);
        var left = Assert.Single(await _moto.CliCertificatesAsync());
        Assert.Equal("ACTIVE", left.Status);
        Assert.Empty(await _moto.CliThingNamesAsync());

        // A later run, without a journal, adopts it as the device's certificate: provisioned exactly once.
        device.ThingTypeName = null;
        using var direct = Session(_moto);
        var again = Assert.Single((await new FleetProvisioner(direct, Options(pki)).RunAsync(new[] { device })).Results);
        Assert.Equal(DeviceProvisioningStatus.Provisioned, again.Status);
        Assert.Equal(r.CertificateId, again.CertificateId);
        Assert.Equal(new[] { "CreateThing", "AttachThingPrincipal", "AttachPolicy" }, again.Actions);
        await AssertExactlyProvisionedAsync(_moto, new[] { device.ThingName });
    }

    [Fact]
    public async Task WithoutCa_RegistersWithoutTheCa()
    {
        using var pki = TestPki.Create("Unregistered CA for SNI_ONLY");
        await _moto.ResetAsync();
        using var session = Session(_moto);
        await session.Iot.CreatePolicyAsync(Policy, """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iot:Connect","Resource":"*"}]}""");
        var devices = Devices(pki, "noca", 4);
        var options = Options(pki);
        options.Mode = CertificateRegistrationMode.WithoutCa;
        options.CaCertificatePem = null;
        var summary = await new FleetProvisioner(session, options).RunAsync(devices);
        Assert.Equal(4, summary.Provisioned);
        Assert.All(summary.Results, r => Assert.Equal("RegisterCertificateWithoutCA", r.Actions[0]));
        Assert.Null(summary.CaCertificateId);
        await AssertExactlyProvisionedAsync(_moto, devices.Select(d => d.ThingName).ToList());
    }

    [Fact]
    public async Task StreamedRun_AddsDevicesAsTheyArrive_AndChecksEachNewPolicyBeforeItsFirstDevice()
    {
        using var pki = TestPki.Create("Fleet CA streamed");
        await _moto.FreshAccountAsync(pki, Policy);
        var devices = Devices(pki, "st", 5);
        devices[3].PolicyName = "never-created";
        var completed = new List<DeviceProvisioningOutcome>();
        var options = Options(pki, throttle: 2);
        options.DeviceCompleted = r =>
        {
            completed.Add(r);
            return Task.CompletedTask;
        };
        using var session = Session(_moto);
        using var run = await new FleetProvisioner(session, options).StartAsync();
        Assert.Equal(MotoServer.AccountId, run.AccountId);
        foreach (var device in devices)
        {
            Assert.True(await run.AddAsync(device));
        }

        var summary = await run.CompleteAsync();
        Assert.Equal(5, completed.Count);
        Assert.Equal(4, summary.Provisioned);
        Assert.Equal(5, summary.Total);
        Assert.Empty(summary.Results); // a streamed run counts its results; they went to DeviceCompleted
        var missing = completed.Single(r => r.ThingName == devices[3].ThingName);
        Assert.Equal("ProvisioningPolicyNotFound", missing.Error!.ErrorId);
        Assert.Empty(missing.Actions);
        await AssertExactlyProvisionedAsync(_moto, devices.Where((_, i) => i != 3).Select(d => d.ThingName).ToList());
    }
}
