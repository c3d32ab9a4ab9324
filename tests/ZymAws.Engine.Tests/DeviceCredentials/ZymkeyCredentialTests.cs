using Xunit;
using ZymAws.Engine.DeviceCredentials;
using ZymAws.Engine.Tests.Zymkey;
using ZymAws.Zymkey;

namespace ZymAws.Engine.Tests.DeviceCredentials;

/// <summary>
/// The handshake signed inside the Zymkey (the simulator, through the real P/Invoke path): the key never leaves it, and
/// the endpoint checks the CertificateVerify against the certificate issued for the Zymkey's public key.
/// </summary>
[Collection(SimulatorCollection.Name)]
public sealed class ZymkeyCredentialTests : IClassFixture<CredentialWorld>
{
    private readonly SimulatorFixture _simulator;
    private readonly CredentialWorld _world;

    public ZymkeyCredentialTests(SimulatorFixture simulator, CredentialWorld world)
    {
        _simulator = simulator;
        _world = world;
    }

    [Fact]
    public async Task ADeviceWhoseKeyIsInTheZymkey_GetsCredentials()
    {
        using var sim = new SimulatedZymkey(_simulator, serial: "ZK-CRED-1");
        using var key = new ZymkeyDeviceKey(0, sim.Options);
        var (certificate, _) = await _world.CertifyAsync("zk-cred-1", key);
        int served = _world.Endpoint.ServedCount;

        var credentials = await CredentialProviderClient.FetchAsync(_world.Request(certificate, key, "zk-cred-1"));

        Assert.StartsWith("ASIA", credentials.AccessKeyId, StringComparison.Ordinal);
        Assert.Equal(served + 1, _world.Endpoint.ServedCount);
    }

    [Fact]
    public async Task AnotherSlotsKey_CannotUseTheCertificate()
    {
        using var sim = new SimulatedZymkey(_simulator, serial: "ZK-CRED-2");
        using var slot0 = new ZymkeyDeviceKey(0, sim.Options);
        using var slot1 = new ZymkeyDeviceKey(1, sim.Options);
        var (certificate, _) = await _world.CertifyAsync("zk-cred-2", slot0);

        var ex = await Assert.ThrowsAsync<ZymException>(() => CredentialProviderClient.FetchAsync(_world.Request(certificate, slot1, "zk-cred-2")));

        Assert.Equal("CredentialKeyMismatch", ex.ErrorId);
    }
}
