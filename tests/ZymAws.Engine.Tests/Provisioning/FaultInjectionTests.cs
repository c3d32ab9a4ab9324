using Xunit;
using ZymAws.Engine.Provisioning;
using ZymAws.Engine.Tests.Infrastructure;
using static ZymAws.Engine.Tests.Provisioning.ProvisioningTestKit;

namespace ZymAws.Engine.Tests.Provisioning;

/// <summary>Batches through a proxy that throttles, fails and drops a fraction of requests: nothing lost, nothing duplicated.</summary>
[Collection(FleetMotoCollection.Name)]
public sealed class FaultInjectionTests
{
    private readonly FleetMoto _moto;

    public FaultInjectionTests(FleetMoto moto)
    {
        _moto = moto;
    }

    [Theory]
    [InlineData(1234)]
    [InlineData(1)]
    public async Task WithCa_ThrottlingUnavailableAndDroppedConnections_EveryDeviceProvisionedOnce(int seed)
    {
        using var pki = TestPki.Create("Faulty CA");
        await _moto.FreshAccountAsync(pki, Policy);
        var devices = Devices(pki, "flt", 60);
        await using var proxy = new FaultInjectingProxy(_moto.EndpointUrl)
        {
            Decide = FaultInjectingProxy.Random(seed: seed, throttle: 0.10, unavailable: 0.05, dropBefore: 0.05, dropAfter: 0.05),
        };
        var log = new CapturingEngineLog();
        using var session = Session(_moto, proxy.Url, log, maxAttempts: 12);
        var summary = await new FleetProvisioner(session, Options(pki, throttle: 8), log).RunAsync(devices);

        Assert.Equal(60, summary.Provisioned);
        Assert.All(summary.Results, r => Assert.Equal(new[] { "RegisterCertificate", "CreateThing", "AttachThingPrincipal", "AttachPolicy" }, r.Actions));
        Assert.All(new[] { ProxyFault.Throttle, ProxyFault.Unavailable, ProxyFault.DropBeforeForward, ProxyFault.DropAfterForward },
            fault => Assert.True(proxy.Faults.GetValueOrDefault(fault) > 0, $"no {fault} was injected"));
        Assert.Contains("retrying", log.AllText);
        await AssertExactlyProvisionedAsync(_moto, devices.Select(d => d.ThingName).ToList());
    }

    [Theory]
    [InlineData(99)]
    [InlineData(5)]
    public async Task FromCsr_LostAnswersToIssuance_AreRecoveredWithoutASecondCertificate(int seed)
    {
        await _moto.ResetAsync();
        using (var setup = Session(_moto))
        {
            await setup.Iot.CreatePolicyAsync(Policy, """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iot:Connect","Resource":"*"}]}""");
        }

        var devices = CsrDevices("fcsr", 30);
        await using var proxy = new FaultInjectingProxy(_moto.EndpointUrl)
        {
            Decide = FaultInjectingProxy.Random(seed: seed, throttle: 0.10, unavailable: 0.03, dropBefore: 0.03, dropAfter: 0.08),
        };
        var log = new CapturingEngineLog();
        var options = Options(null, throttle: 4);
        using var session = Session(_moto, proxy.Url, log, maxAttempts: 12);
        var summary = await new FleetProvisioner(session, options, log).RunAsync(devices);

        Assert.Equal(30, summary.Provisioned);
        Assert.True(proxy.Faults.GetValueOrDefault(ProxyFault.DropAfterForward) > 0);
        Assert.Contains(log.Lines, l => l.Level == "Warning" && l.Message.Contains("CreateCertificateFromCsr") && l.Message.Contains("unknown"));
        Assert.Equal(30, proxy.ForwardedCount("CreateCertificateFromCsr"));
        await AssertExactlyProvisionedAsync(_moto, devices.Select(d => d.ThingName).ToList());

        var allowed = FleetProvisioner.IotActions(CertificateRegistrationMode.FromCsr);
        var called = CalledIotOperations(log);
        Assert.Contains("iot:ListCertificates", called);
        Assert.All(called, op => Assert.Contains(op, allowed));
    }
}
