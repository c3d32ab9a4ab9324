using Xunit;
using ZymAws.Engine.Aws;
using ZymAws.Engine.Keys;
using ZymAws.Engine.Pki;
using ZymAws.Engine.Provisioning;
using static ZymAws.Engine.Tests.Provisioning.ProvisioningTestKit;

namespace ZymAws.Engine.Tests.Provisioning;

/// <summary>
/// A certificate whose subject (the seed layout) contradicts the run is refused before any AWS change: such a device
/// would be provisioned but never get credentials. -AllowSubjectMismatch provisions it anyway.
/// </summary>
[Collection(FleetMotoCollection.Name)]
public sealed class SubjectCheckTests : IDisposable
{
    private const string Alias = "subjAlias";
    private readonly FleetMoto _moto;
    private readonly CaSigner _ca = CaSigner.Create("CN=Subject Check CA");

    public SubjectCheckTests(FleetMoto moto)
    {
        _moto = moto;
    }

    public void Dispose() => _ca.Dispose();

    private async Task<(AwsSession Session, string Prefix)> AccountAsync()
    {
        await _moto.ResetAsync();
        var session = Session(_moto);
        await session.Iot.RegisterCaCertificateAsync(new IotRegisterCaCertificateRequest(_ca.CertificatePem) { CertificateMode = "SNI_ONLY" });
        await session.Iot.UpdateCaCertificateAsync(new IotUpdateCaCertificateRequest(_ca.CertificateId) { NewStatus = "ACTIVE" });
        await session.Iot.CreatePolicyAsync(Policy, """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iot:Connect","Resource":"*"}]}""");
        await session.Iot.CreatePolicyAsync("otherPolicy", """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iot:Connect","Resource":"*"}]}""");
        await session.Iot.CreateRoleAliasAsync(new IotCreateRoleAliasRequest(Alias, $"arn:aws:iam::{Tests.Infrastructure.MotoServer.AccountId}:role/r"));
        string host = await session.Iot.DescribeEndpointAsync(IotEndpointType.CredentialProvider);
        return (session, CredentialEndpointName.Parse(host)!.Prefix);
    }

    private DeviceProvisioningRequest Device(string thing, string subjectThing, string? policy, string? region, string? endpoint, string? alias)
    {
        using var key = SoftwareDeviceKey.Generate();
        var issued = _ca.IssueDeviceCertificate(SigningRequest.Create(key, new DeviceSubject(subjectThing, policy, region, endpoint, alias)));
        return new DeviceProvisioningRequest(thing) { CertificatePem = issued.CertificatePem };
    }

    public static TheoryData<string> Cases() => new() { "Thing", "Region", "Endpoint", "Alias", "Policy" };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task AContradictingSubject_IsRefusedBeforeAnyChange_UnlessAllowed(string field)
    {
        var (session, prefix) = await AccountAsync();
        using (session)
        {
            string thing = "subj-" + field.ToLowerInvariant();
            var (request, errorId) = field switch
            {
                "Thing" => (Device(thing, "someone-else", Policy, "us-east-1", prefix, Alias), "SubjectThingMismatch"),
                "Region" => (Device(thing, thing, Policy, "eu-west-1", prefix, Alias), "SubjectRegionMismatch"),
                "Endpoint" => (Device(thing, thing, Policy, "us-east-1", "cother0000000", Alias), "SubjectEndpointMismatch"),
                "Alias" => (Device(thing, thing, Policy, "us-east-1", prefix, "noSuchAlias"), "SubjectRoleAliasNotFound"),
                _ => (Device(thing, thing, "otherPolicy", "us-east-1", prefix, Alias), "SubjectPolicyMismatch"),
            };
            var options = new FleetProvisioningOptions { CaCertificatePem = _ca.CertificatePem, PolicyName = Policy };

            var refused = Assert.Single((await new FleetProvisioner(session, options).RunAsync(new[] { request })).Results);

            Assert.Equal(DeviceProvisioningStatus.Failed, refused.Status);
            Assert.Equal(errorId, refused.Error!.ErrorId);
            Assert.Equal(ZymErrorCategory.InvalidData, refused.Error.Category);
            Assert.Contains("-AllowSubjectMismatch", refused.Error.Message, StringComparison.Ordinal);
            Assert.Empty(await _moto.CliCertificatesAsync());
            Assert.Empty(await _moto.CliThingNamesAsync());

            options.AllowSubjectMismatch = true;
            var allowed = Assert.Single((await new FleetProvisioner(session, options).RunAsync(new[] { request })).Results);
            Assert.Equal(DeviceProvisioningStatus.Provisioned, allowed.Status);
        }
    }

    [Fact]
    public async Task AConsistentSubject_AndOneWithoutTheFields_AreProvisioned_TheSecondWithAWarning()
    {
        var (session, prefix) = await AccountAsync();
        using (session)
        {
            var log = new Tests.Infrastructure.CapturingEngineLog();
            var options = new FleetProvisioningOptions { CaCertificatePem = _ca.CertificatePem, PolicyName = Policy };
            var results = (await new FleetProvisioner(session, options, log).RunAsync(new[]
            {
                Device("subj-full", "subj-full", Policy, "us-east-1", prefix, Alias),
                Device("subj-bare", "subj-bare", null, null, null, null),
            })).Results;

            Assert.All(results, r => Assert.Equal(DeviceProvisioningStatus.Provisioned, r.Status));
            Assert.Contains(log.Lines, l => l.Level == "Warning" && l.Message.Contains("'subj-bare' has no O= (endpoint prefix), OU= (role alias), L= (region)", StringComparison.Ordinal));
            Assert.DoesNotContain(log.Lines, l => l.Level == "Warning" && l.Message.Contains("subj-full", StringComparison.Ordinal));
        }
    }
}
