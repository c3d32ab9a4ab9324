using System.Text.Json;
using Xunit;
using ZymAws.Engine.Aws;
using ZymAws.Engine.DeviceCredentials;
using ZymAws.Engine.Fleet;
using ZymAws.Engine.Tests.Infrastructure;
using ZymAws.Engine.Tests.Provisioning;

namespace ZymAws.Engine.Tests.DeviceCredentials;

/// <summary>
/// Fleet management against moto, each change checked by the AWS CLI and by a real credentials request through the
/// local endpoint: listing by pages (module- and seed-provisioned devices alike), silencing and restoring a device or the
/// whole CA, removal (idempotent, and finished by a second run after a fault), tearing down the credentials provider.
/// </summary>
[Collection(CredentialWorldCollection.Name)]
public sealed class FleetTests
{
    private readonly CredentialWorld _world;

    public FleetTests(CredentialWorld world)
    {
        _world = world;
    }

    private Task<TemporaryCredentials> FetchAsync(TestDevice device) => CredentialProviderClient.FetchAsync(_world.Request(device), new CredentialProviderClientSettings { MaxAttempts = 1 });

    private async Task<string> CliStatusAsync(TestDevice device) =>
        (await ExternalProcess.AwsCliAsync(_world, "iot", "describe-certificate", "--certificate-id", device.Certificate.CertificateId))!.Value
            .GetProperty("certificateDescription").GetProperty("status").GetString()!;

    private async Task<List<FleetEntry>> ListAsync(FleetQuery query)
    {
        var entries = new List<FleetEntry>();
        await FleetReader.ReadAsync(_world.Session, query, e => { entries.Add(e); return Task.CompletedTask; });
        return entries;
    }

    [Fact]
    public async Task TheFleetIsListedByPages_SeedProvisionedDevicesLikeTheModulesOwn()
    {
        var module = await _world.DeviceAsync("fleet-list-module");

        // The seed's provision-device.sh, with the AWS CLI: register-certificate, create-thing, attach-thing-principal, attach-policy.
        var seed = await _world.DeviceAsync("fleet-list-seed", provision: false);
        var registered = await ExternalProcess.AwsCliAsync(_world, "iot", "register-certificate", "--certificate-pem", seed.Certificate.CertificatePem,
            "--ca-certificate-pem", _world.Ca.CertificatePem, "--set-as-active");
        string arn = registered!.Value.GetProperty("certificateArn").GetString()!;
        await ExternalProcess.AwsCliAsync(_world, "iot", "create-thing", "--thing-name", "fleet-list-seed");
        await ExternalProcess.AwsCliAsync(_world, "iot", "attach-thing-principal", "--thing-name", "fleet-list-seed", "--principal", arn);
        await ExternalProcess.AwsCliAsync(_world, "iot", "attach-policy", "--policy-name", CredentialWorld.PolicyName, "--target", arn);

        var entries = await ListAsync(new FleetQuery { ThingNames = new[] { "fleet-list-*" }, RoleAlias = CredentialWorld.RoleAlias });

        Assert.Equal(new[] { "fleet-list-module", "fleet-list-seed" }, entries.Select(e => e.ThingName).OrderBy(n => n));
        foreach (var entry in entries)
        {
            var certificate = Assert.Single(entry.Certificates);
            Assert.Equal("ACTIVE", certificate.Status);
            Assert.Equal(_world.CaCertificateId, certificate.CaCertificateId);
            Assert.Equal("ACTIVE", certificate.CaStatus);
            Assert.Equal(new[] { CredentialWorld.PolicyName }, certificate.Policies);
            Assert.True(entry.CredentialsReady, string.Join("; ", certificate.Decision!.Checks));
        }

        // The judgement from pages agrees with a real request.
        Assert.StartsWith("ASIA", (await FetchAsync(seed)).AccessKeyId, StringComparison.Ordinal);
        Assert.StartsWith("ASIA", (await FetchAsync(module)).AccessKeyId, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MoreThanAPageOfThings_IsListed_WithOneCallOfItsOwnPerDevice()
    {
        for (int i = 0; i < 260; i++)
        {
            await _world.Session.Iot.CreateThingAsync(new IotCreateThingRequest($"fleet-page-{i:d3}"));
        }

        var query = new FleetQuery { ThingNames = new[] { "fleet-page-*" } };
        var entries = new List<FleetEntry>();
        var listing = await FleetReader.ReadAsync(_world.Session, query, e => { entries.Add(e); return Task.CompletedTask; });

        Assert.Equal(260, entries.Count);
        Assert.Equal(260, entries.Select(e => e.ThingName).Distinct().Count());
        Assert.All(entries, e => Assert.False(e.CredentialsReady));
        Assert.Equal(260, listing.Devices);

        // One ListThingPrincipals per device; everything else is read by pages, whatever the size of the account.
        Assert.InRange(listing.Calls - 260, 1, 60);
    }

    [Fact]
    public async Task ADisabledDevice_IsRefusedOnItsNextRequest_TheOthersAreNot_AndEnabledItWorksAgain()
    {
        var silenced = await _world.DeviceAsync("fleet-silence-1");
        var other = await _world.DeviceAsync("fleet-silence-2");
        Assert.NotNull(await FetchAsync(silenced));

        var changes = await DeviceSwitch.SetStatusAsync(_world.Session, new DeviceSelector("fleet-silence-1", null, null), IotCertificateStatus.Inactive, null);

        var change = Assert.Single(changes);
        Assert.True(change.Changed);
        Assert.Equal(("ACTIVE", "INACTIVE"), (change.PreviousStatus, change.Status));
        Assert.Equal("INACTIVE", await CliStatusAsync(silenced));
        var refused = await Assert.ThrowsAsync<CredentialProviderException>(() => FetchAsync(silenced));
        Assert.Equal("CredentialCertificateRefused", refused.ErrorId);
        Assert.NotNull(await FetchAsync(other));

        // Again: nothing to change, and it says so.
        Assert.False(Assert.Single(await DeviceSwitch.SetStatusAsync(_world.Session, new DeviceSelector("fleet-silence-1", null, null), IotCertificateStatus.Inactive, null)).Changed);

        await DeviceSwitch.SetStatusAsync(_world.Session, new DeviceSelector(null, silenced.Certificate.CertificateId, null), IotCertificateStatus.Active, null);
        Assert.Equal("ACTIVE", await CliStatusAsync(silenced));
        Assert.NotNull(await FetchAsync(silenced));
    }

    [Fact]
    public async Task ARevokedDevice_CannotBeEnabledAgain()
    {
        var device = await _world.DeviceAsync("fleet-revoke-1");
        await DeviceSwitch.SetStatusAsync(_world.Session, new DeviceSelector("fleet-revoke-1", null, null), IotCertificateStatus.Revoked, null);
        Assert.Equal("REVOKED", await CliStatusAsync(device));

        var change = Assert.Single(await DeviceSwitch.SetStatusAsync(_world.Session, new DeviceSelector("fleet-revoke-1", null, null), IotCertificateStatus.Active, null));
        Assert.False(change.Changed);
        Assert.Equal("CertificateRevoked", change.Error?.ErrorId);
        Assert.Equal("REVOKED", await CliStatusAsync(device));
        await Assert.ThrowsAsync<CredentialProviderException>(() => FetchAsync(device));

        // Disabling it is no error: a REVOKED certificate is already silenced.
        var disabled = Assert.Single(await DeviceSwitch.SetStatusAsync(_world.Session, new DeviceSelector("fleet-revoke-1", null, null), IotCertificateStatus.Inactive, null));
        Assert.False(disabled.Changed);
        Assert.Null(disabled.Error);
        Assert.Equal("REVOKED", await CliStatusAsync(device));
    }

    [Fact]
    public async Task TheCaSwitch_RefusesEveryDevice_AndRestoresThem()
    {
        var first = await _world.DeviceAsync("fleet-ca-1");
        var second = await _world.DeviceAsync("fleet-ca-2");
        try
        {
            var off = await DeviceSwitch.SetCaStatusAsync(_world.Session, _world.CaCertificateId, IotCertificateStatus.Inactive, null);
            Assert.True(off!.Changed);
            Assert.True(off.Certificates >= 2);
            await Assert.ThrowsAsync<CredentialProviderException>(() => FetchAsync(first));
            await Assert.ThrowsAsync<CredentialProviderException>(() => FetchAsync(second));
        }
        finally
        {
            await DeviceSwitch.SetCaStatusAsync(_world.Session, _world.CaCertificateId, IotCertificateStatus.Active, null);
        }

        Assert.NotNull(await FetchAsync(first));
        Assert.NotNull(await FetchAsync(second));
    }

    [Fact]
    public async Task Removal_LeavesNothing_IsIdempotent_AndAFailedOneIsFinishedByASecondRun()
    {
        var device = await _world.DeviceAsync("fleet-remove-1");
        var removal = await DeviceRemover.RemoveAsync(_world.Session, new DeviceSelector("fleet-remove-1", null, null), null);

        Assert.Null(removal.Error);
        Assert.Equal(new[] { device.Certificate.CertificateId }, removal.CertificatesDeleted);
        Assert.True(removal.ThingDeleted);
        Assert.Empty(removal.Left);
        await Assert.ThrowsAsync<InvalidOperationException>(() => ExternalProcess.AwsCliAsync(_world, "iot", "describe-thing", "--thing-name", "fleet-remove-1"));
        await Assert.ThrowsAsync<InvalidOperationException>(() => ExternalProcess.AwsCliAsync(_world, "iot", "describe-certificate", "--certificate-id", device.Certificate.CertificateId));
        Assert.True((await DeviceRemover.RemoveAsync(_world.Session, new DeviceSelector("fleet-remove-1", null, null), null)).NothingToDo);

        // DeleteCertificate answered 503 every time: the device is silenced, the result names what is left, and a second run finishes.
        var faulted = await _world.DeviceAsync("fleet-remove-2");
        await using var proxy = new FaultInjectingProxy(_world.EndpointUrl)
        {
            Decide = r => r.Operation == "DeleteCertificate" ? ProxyFault.Unavailable : ProxyFault.None,
        };
        var options = _world.ConnectionOptions();
        options.EndpointUrl = proxy.Url;
        using (var flaky = AwsSession.Create(options, new AwsClientSettings { BaseDelay = TimeSpan.FromMilliseconds(5), MaxDelay = TimeSpan.FromMilliseconds(20), RateLimitingEnabled = false }, Diagnostics.NullEngineLog.Instance))
        {
            var partial = await DeviceRemover.RemoveAsync(flaky, new DeviceSelector("fleet-remove-2", null, null), null);
            Assert.NotNull(partial.Error);
            Assert.Contains($"certificate {faulted.Certificate.CertificateId} (INACTIVE)", partial.Left);
            Assert.Contains("thing 'fleet-remove-2'", partial.Left);
        }

        Assert.Equal("INACTIVE", await CliStatusAsync(faulted));
        var finished = await DeviceRemover.RemoveAsync(_world.Session, new DeviceSelector("fleet-remove-2", null, null), null);
        Assert.Null(finished.Error);
        Assert.True(finished.ThingDeleted);
        await Assert.ThrowsAsync<InvalidOperationException>(() => ExternalProcess.AwsCliAsync(_world, "iot", "describe-certificate", "--certificate-id", faulted.Certificate.CertificateId));
    }

    [Fact]
    public async Task TheCredentialProvider_IsRemovedOnlyInTheModulesShape_UnlessForced()
    {
        var provisioner = new Engine.CredentialProvider.CredentialProviderProvisioner(_world.Session);
        await provisioner.InitializeAsync(new Engine.CredentialProvider.CredentialProviderInitializeOptions("fleet-td-role", "fleet-td-alias", "fleet-td-policy"));
        await _world.Session.Iot.CreatePolicyAsync("fleet-td-other", """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iot:*","Resource":"*"}]}""");

        var refused = await TearDown.RemoveCredentialProviderAsync(_world.Session, null, null, "fleet-td-other", force: false, null);
        Assert.Equal("Refused", refused[0].Outcome);
        Assert.NotNull(await _world.Session.Iot.GetPolicyAsync("fleet-td-other"));

        var removed = await TearDown.RemoveCredentialProviderAsync(_world.Session, "fleet-td-role", "fleet-td-alias", "fleet-td-policy", force: false, null);
        Assert.All(removed, s => Assert.Equal("Removed", s.Outcome));
        await Assert.ThrowsAsync<InvalidOperationException>(() => ExternalProcess.AwsCliAsync(_world, "iam", "get-role", "--role-name", "fleet-td-role"));
        await Assert.ThrowsAsync<InvalidOperationException>(() => ExternalProcess.AwsCliAsync(_world, "iot", "describe-role-alias", "--role-alias", "fleet-td-alias"));
        await Assert.ThrowsAsync<InvalidOperationException>(() => ExternalProcess.AwsCliAsync(_world, "iot", "get-policy", "--policy-name", "fleet-td-policy"));

        var again = await TearDown.RemoveCredentialProviderAsync(_world.Session, "fleet-td-role", "fleet-td-alias", "fleet-td-policy", force: false, null);
        Assert.All(again, s => Assert.Equal("NotFound", s.Outcome));
        Assert.Equal("Removed", (await TearDown.RemoveCredentialProviderAsync(_world.Session, null, null, "fleet-td-other", force: true, null))[0].Outcome);
    }
}
