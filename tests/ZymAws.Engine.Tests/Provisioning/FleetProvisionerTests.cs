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
        var finished = new List<DeviceProvisioningResult>();
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
}
