using System.Collections.Concurrent;
using System.Diagnostics;
using Xunit;
using Xunit.Abstractions;
using ZymAws.Engine.Provisioning;
using ZymAws.Engine.Tests.Infrastructure;
using static ZymAws.Engine.Tests.Provisioning.ProvisioningTestKit;

namespace ZymAws.Engine.Tests.Provisioning;

/// <summary>
/// A randomised soak (issue 9): 300 devices, more than a quarter of the device requests faulted (throttles, 503s,
/// connections dropped before and after the request reached AWS, on every operation, undo and looks included), no
/// journal. Whatever happens to a device, AWS holds nothing but complete devices and what the RollbackFailed results
/// name; one rerun without the journal (and without faults) then ends with every device provisioned exactly once.
/// </summary>
[Collection(FleetMotoCollection.Name)]
public sealed class FaultSoakTests
{
    // Called once per batch at preflight: faulting them would fail the batch before any device, which is not the point.
    private static readonly HashSet<string> s_preflight = new(StringComparer.Ordinal) { "GetCallerIdentity", "DescribeCACertificate", "GetPolicy" };
    private readonly FleetMoto _moto;
    private readonly ITestOutputHelper _output;

    public FaultSoakTests(FleetMoto moto, ITestOutputHelper output)
    {
        _moto = moto;
        _output = output;
    }

    [Theory]
    [InlineData(9001)]
    [InlineData(424242)]
    [InlineData(77)]
    public async Task Soak_300Devices_AQuarterOfRequestsFaulted_EndsExactAfterOneRerunWithoutTheJournal(int seed)
    {
        using var pki = TestPki.Create($"Soak CA {seed}");
        await _moto.FreshAccountAsync(pki, Policy);
        var devices = Devices(pki, $"soak{seed}", 300);
        var decide = FaultInjectingProxy.Random(seed, throttle: 0.10, unavailable: 0.06, dropBefore: 0.04, dropAfter: 0.07, applies: r => !s_preflight.Contains(r.Operation));
        var decisions = new ConcurrentQueue<(ProxiedRequest Request, ProxyFault Fault)>();
        await using var proxy = new FaultInjectingProxy(_moto.EndpointUrl)
        {
            Decide = r =>
            {
                var fault = decide(r);
                decisions.Enqueue((r, fault));
                return fault;
            },
        };
        var clock = Stopwatch.StartNew();
        FleetProvisioningSummary faulty;
        var log = new CapturingEngineLog();
        using (var session = Session(_moto, proxy.Url, log, maxAttempts: 3))
        {
            faulty = await new FleetProvisioner(session, Options(pki, throttle: 16), log).RunAsync(devices);
        }

        var faultyTime = clock.Elapsed;
        int requests = proxy.Faults.Values.Sum();
        int faulted = requests - proxy.Faults.GetValueOrDefault(ProxyFault.None);
        _output.WriteLine($"seed {seed}: {faulty} in {faultyTime.TotalSeconds:F0} s; {faulted} of {requests} requests faulted ({100.0 * faulted / requests:F1}%): " +
            string.Join(", ", proxy.Faults.Where(f => f.Key != ProxyFault.None).Select(f => $"{f.Key} {f.Value}")));
        foreach (var r in faulty.Results.Where(r => r.Status is not (DeviceProvisioningStatus.Provisioned or DeviceProvisioningStatus.AlreadyProvisioned)))
        {
            _output.WriteLine($"  {r.ThingName}: {r.Status} {r.Error?.ErrorId} / {r.RollbackError?.ErrorId} [{string.Join(", ", r.Actions)}] left: {string.Join("; ", r.LeftInAws)}");
        }

        Assert.Equal(300, faulty.Total);
        Assert.True(faulted >= requests / 4, $"only {faulted} of {requests} requests were faulted");
        Assert.All(new[] { ProxyFault.Throttle, ProxyFault.Unavailable, ProxyFault.DropBeforeForward, ProxyFault.DropAfterForward },
            fault => Assert.True(proxy.Faults.GetValueOrDefault(fault) > 0, $"no {fault} was injected"));
        Assert.All(faulty.Results, r => Assert.NotEqual(DeviceProvisioningStatus.Failed, r.Status));
        try
        {
            await AssertOnlyNamedLeftoversAsync(_moto, faulty);
        }
        catch
        {
            // What the proxy did to each device that did not end provisioned (or whose result names another certificate
            // than its own), to tell which path left what.
            foreach (var r in faulty.Results)
            {
                var device = devices.Single(d => d.ThingName == r.ThingName);
                string pemPart = AmbiguousOutcomeTests.DistinctivePart(device.CertificatePem!);
                string base64 = string.Concat(device.CertificatePem.Split('\n').Where(l => !l.StartsWith("-----", StringComparison.Ordinal)).Select(l => l.Trim()));
                string id = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(Convert.FromBase64String(base64))).ToLowerInvariant();
                bool done = r.Status is DeviceProvisioningStatus.Provisioned or DeviceProvisioningStatus.AlreadyProvisioned;
                if (done && r.CertificateArn is string arn && arn.EndsWith("/" + id, StringComparison.Ordinal))
                {
                    continue;
                }

                _output.WriteLine($"{r.ThingName} {r.Status} (certificate {id}; result: {r.CertificateId} {r.CertificateArn}):");
                foreach (var (request, fault) in decisions.OrderBy(d => d.Request.Sequence).Where(d => d.Request.Names(r.ThingName) || d.Request.Names(id) || d.Request.Body.Contains(pemPart, StringComparison.Ordinal)))
                {
                    _output.WriteLine($"    #{request.Sequence} {request.Operation} {request.Method} {request.PathAndQuery}: {fault}");
                }

                foreach (var (level, message) in log.Lines.Where(l => l.Message.Contains(r.ThingName, StringComparison.Ordinal) || l.Message.Contains(id, StringComparison.Ordinal)))
                {
                    _output.WriteLine($"    {level}: {message}");
                }
            }

            throw;
        }

        // One rerun, no journal, no faults: every device provisioned exactly once; those done before are not touched.
        clock.Restart();
        FleetProvisioningSummary rerun;
        using (var session = Session(_moto))
        {
            rerun = await new FleetProvisioner(session, Options(pki, throttle: 16)).RunAsync(devices);
        }

        _output.WriteLine($"rerun: {rerun} in {clock.Elapsed.TotalSeconds:F0} s");
        Assert.Equal(300, rerun.Provisioned + rerun.AlreadyProvisioned);
        var before = faulty.Results.ToDictionary(r => r.ThingName);
        Assert.All(rerun.Results.Where(r => before[r.ThingName].Status == DeviceProvisioningStatus.Provisioned), r =>
        {
            Assert.Equal(DeviceProvisioningStatus.AlreadyProvisioned, r.Status);
            Assert.Empty(r.Actions);
            Assert.Equal(before[r.ThingName].CertificateId, r.CertificateId);
        });
        await AssertExactlyProvisionedAsync(_moto, devices.Select(d => d.ThingName).ToList());
    }
}
