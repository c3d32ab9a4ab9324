using Xunit;
using ZymAws.Engine.Aws;
using ZymAws.Engine.Tests.Infrastructure;

namespace ZymAws.Engine.Tests.Aws;

/// <summary>Every IoT operation round-trips against a real moto_server.</summary>
[Collection(MotoCollection.Name)]
public sealed class IotClientTests
{
    private readonly MotoServer _moto;

    public IotClientTests(MotoServer moto)
    {
        _moto = moto;
    }

    private static string Unique(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..12];

    [Fact]
    public async Task Thing_CreateDescribeListDelete_RoundTrips()
    {
        using var session = _moto.CreateSession();
        string name = Unique("thing");
        string run = Unique("run");
        var created = await session.Iot.CreateThingAsync(new IotCreateThingRequest(name) { Attributes = new Dictionary<string, string> { ["run"] = run, ["model"] = "zk-4i" } });
        Assert.Equal(name, created.ThingName);
        Assert.Equal($"arn:aws:iot:{MotoServer.Region}:{MotoServer.AccountId}:thing/{name}", created.ThingArn);

        var described = await session.Iot.DescribeThingAsync(name);
        Assert.Equal(created.ThingArn, described.ThingArn);
        Assert.Equal("zk-4i", described.Attributes["model"]);
        Assert.Equal(run, described.Attributes["run"]);

        var listed = await session.Iot.ListAllThingsAsync(new IotListThingsRequest { AttributeName = "run", AttributeValue = run });
        Assert.Equal(name, Assert.Single(listed).ThingName);

        await session.Iot.DeleteThingAsync(name);
        var missing = await Assert.ThrowsAsync<AwsServiceException>(() => session.Iot.DescribeThingAsync(name));
        Assert.Equal("IotResourceNotFound", missing.ErrorId);
        Assert.Equal(ZymErrorCategory.ObjectNotFound, missing.Category);
        Assert.Equal(404, missing.StatusCode);
        Assert.Equal(name, missing.Target);
        Assert.Equal(1, missing.Attempts);
    }

    [Fact]
    public async Task ListThings_250Things_PagesThroughEveryOne()
    {
        var log = new CapturingEngineLog();
        using var session = _moto.CreateSession(log);
        string run = Unique("page");
        var names = Enumerable.Range(0, 250).Select(i => $"{run}-{i:D3}").ToList();
        using (var gate = new SemaphoreSlim(8))
        {
            await Task.WhenAll(names.Select(async n =>
            {
                await gate.WaitAsync();
                try
                {
                    await session.Iot.CreateThingAsync(new IotCreateThingRequest(n) { Attributes = new Dictionary<string, string> { ["run"] = run } });
                }
                finally
                {
                    gate.Release();
                }
            }));
        }

        var filter = new IotListThingsRequest { AttributeName = "run", AttributeValue = run, MaxResults = 100 };
        var first = await session.Iot.ListThingsAsync(filter);
        Assert.Equal(100, first.Items.Count);
        Assert.NotNull(first.NextToken);

        int listCallsBefore = log.VerboseLines.Count(l => l.Contains("ListThings"));
        var all = await session.Iot.ListAllThingsAsync(filter);
        int listCalls = log.VerboseLines.Count(l => l.Contains("ListThings")) - listCallsBefore;
        Assert.Equal(3, listCalls);
        Assert.Equal(names.OrderBy(n => n), all.Select(t => t.ThingName).OrderBy(n => n));
    }

    [Fact]
    public async Task CaAndDeviceCertificates_RegisterDescribeUpdateListDelete()
    {
        using var certs = await TestCertificates.CreateCaAsync(Unique("ca"));
        using var session = _moto.CreateSession();

        string code = await session.Iot.GetRegistrationCodeAsync();
        Assert.False(string.IsNullOrWhiteSpace(code));

        var ca = await session.Iot.RegisterCaCertificateAsync(new IotRegisterCaCertificateRequest(certs.CaCertificatePem) { SetAsActive = true, AllowAutoRegistration = false });
        // moto derives CA ids its own way (AWS uses the DER SHA-256 as for device certificates): only check the shape.
        Assert.Matches("^[0-9a-f]{64}$", ca.CertificateId);
        var caDescription = await session.Iot.DescribeCaCertificateAsync(ca.CertificateId);
        Assert.Equal(IotCertificateStatus.Active, caDescription.Status);
        Assert.Equal(ca.CertificateArn, caDescription.CertificateArn);
        Assert.Equal(certs.CaCertificatePem.Trim(), caDescription.CertificatePem?.Trim());

        await session.Iot.UpdateCaCertificateAsync(new IotUpdateCaCertificateRequest(ca.CertificateId) { NewStatus = IotCertificateStatus.Inactive });
        Assert.Equal(IotCertificateStatus.Inactive, (await session.Iot.DescribeCaCertificateAsync(ca.CertificateId)).Status);
        await session.Iot.UpdateCaCertificateAsync(new IotUpdateCaCertificateRequest(ca.CertificateId) { NewStatus = IotCertificateStatus.Active });
        Assert.Equal(IotCertificateStatus.Active, (await session.Iot.DescribeCaCertificateAsync(ca.CertificateId)).Status);

        // moto 5.2.1 does not implement ListCACertificates: AwsWireTests covers it against a scripted server.

        string devicePem = await certs.IssueAsync(Unique("device"));
        var device = await session.Iot.RegisterCertificateAsync(new IotRegisterCertificateRequest(devicePem) { CaCertificatePem = certs.CaCertificatePem, SetAsActive = true });
        // AWS uses the SHA-256 of the DER bytes (see CertificateFacts.IdFromPem); moto hashes the PEM text: only check the shape.
        Assert.Matches("^[0-9a-f]{64}$", device.CertificateId);

        var described = await session.Iot.DescribeCertificateAsync(device.CertificateId);
        Assert.Equal(IotCertificateStatus.Active, described.Status);
        Assert.NotNull(described.ValidityNotAfter);

        var byCa = await session.Iot.ListAllCertificatesByCaAsync(ca.CertificateId);
        Assert.Equal(device.CertificateId, Assert.Single(byCa).CertificateId);

        await session.Iot.UpdateCertificateAsync(device.CertificateId, IotCertificateStatus.Inactive);
        Assert.Equal(IotCertificateStatus.Inactive, (await session.Iot.DescribeCertificateAsync(device.CertificateId)).Status);

        await session.Iot.DeleteCertificateAsync(device.CertificateId);
        var gone = await Assert.ThrowsAsync<AwsServiceException>(() => session.Iot.DescribeCertificateAsync(device.CertificateId));
        Assert.True(gone.IsNotFound);
    }

    [Fact]
    public async Task RegisterCertificate_Twice_ErrorCarriesExistingId()
    {
        using var certs = await TestCertificates.CreateCaAsync(Unique("ca"));
        using var session = _moto.CreateSession();
        string devicePem = await certs.IssueAsync(Unique("device"));
        var first = await session.Iot.RegisterCertificateWithoutCaAsync(devicePem, IotCertificateStatus.Active);

        var again = await Assert.ThrowsAsync<AwsServiceException>(() => session.Iot.RegisterCertificateWithoutCaAsync(devicePem, IotCertificateStatus.Active));
        Assert.Equal("IotResourceAlreadyExists", again.ErrorId);
        Assert.Equal(ZymErrorCategory.ResourceExists, again.Category);
        Assert.True(again.IsAlreadyExists);
        Assert.Equal(409, again.StatusCode);
        Assert.Equal(first.CertificateId, again.ResourceId);
        Assert.Equal(first.CertificateArn, again.ResourceArn);
        Assert.Equal("iot", again.Service);
        Assert.Equal("RegisterCertificateWithoutCA", again.Operation);
        Assert.Equal(1, again.Attempts);
        Assert.Contains(first.CertificateId, again.Message);
    }

    [Fact]
    public async Task IdFromPem_IsTheSha256FingerprintOpenSslReports()
    {
        using var certs = await TestCertificates.CreateCaAsync(Unique("ca"));
        string devicePem = await certs.IssueAsync(Unique("device"));

        Assert.Equal(await certs.FingerprintAsync(devicePem), ZymAws.Engine.Pki.CertificateFacts.IdFromPem(devicePem));
        Assert.Equal(await certs.FingerprintAsync(certs.CaCertificatePem), ZymAws.Engine.Pki.CertificateFacts.IdFromPem(certs.CaCertificatePem));
        Assert.Null(ZymAws.Engine.Pki.CertificateFacts.IdFromPem("not a certificate"));
    }

    [Fact]
    public async Task CreateCertificateFromCsr_ReturnsACertificateForTheCsr()
    {
        using var certs = await TestCertificates.CreateCaAsync(Unique("ca"));
        using var session = _moto.CreateSession();
        string csr = await certs.CreateCsrAsync(Unique("device"));

        var created = await session.Iot.CreateCertificateFromCsrAsync(csr, setAsActive: true);
        Assert.Contains("BEGIN CERTIFICATE", created.CertificatePem);
        var described = await session.Iot.DescribeCertificateAsync(created.CertificateId);
        Assert.Equal(created.CertificateArn, described.CertificateArn);
        Assert.Equal(IotCertificateStatus.Active, described.Status);
    }

    [Fact]
    public async Task ThingPrincipalsAndPolicies_AttachListDetach()
    {
        using var certs = await TestCertificates.CreateCaAsync(Unique("ca"));
        using var session = _moto.CreateSession();
        string thing = Unique("thing");
        string policy = Unique("policy");
        const string document = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"iot:AssumeRoleWithCertificate\",\"Resource\":\"*\"}]}";

        var cert = await session.Iot.RegisterCertificateWithoutCaAsync(await certs.IssueAsync(thing), IotCertificateStatus.Active);
        await session.Iot.CreateThingAsync(new IotCreateThingRequest(thing));

        await session.Iot.AttachThingPrincipalAsync(thing, cert.CertificateArn);
        Assert.Equal(new[] { cert.CertificateArn }, await session.Iot.ListAllThingPrincipalsAsync(thing));
        Assert.Equal(new[] { thing }, await session.Iot.ListAllPrincipalThingsAsync(cert.CertificateArn));

        var created = await session.Iot.CreatePolicyAsync(policy, document);
        Assert.Equal($"arn:aws:iot:{MotoServer.Region}:{MotoServer.AccountId}:policy/{policy}", created.PolicyArn);
        var fetched = await session.Iot.GetPolicyAsync(policy);
        Assert.Equal(document, fetched.PolicyDocument);
        Assert.Equal(created.PolicyArn, fetched.PolicyArn);

        var exists = await Assert.ThrowsAsync<AwsServiceException>(() => session.Iot.CreatePolicyAsync(policy, document));
        Assert.Equal(ZymErrorCategory.ResourceExists, exists.Category);
        Assert.Equal(policy, exists.ResourceId);

        await session.Iot.AttachPolicyAsync(policy, cert.CertificateArn);
        var attached = await session.Iot.ListAllAttachedPoliciesAsync(cert.CertificateArn);
        Assert.Equal(new IotPolicySummary(policy, created.PolicyArn), Assert.Single(attached));

        await session.Iot.DetachPolicyAsync(policy, cert.CertificateArn);
        Assert.Empty(await session.Iot.ListAllAttachedPoliciesAsync(cert.CertificateArn));

        await session.Iot.DetachThingPrincipalAsync(thing, cert.CertificateArn);
        Assert.Empty(await session.Iot.ListAllThingPrincipalsAsync(thing));
        Assert.Empty((await session.Iot.ListPrincipalThingsAsync(cert.CertificateArn)).Items);
    }

    [Fact]
    public async Task RoleAlias_CreateDescribeUpdate()
    {
        using var session = _moto.CreateSession();
        string alias = Unique("alias");
        string roleArn = $"arn:aws:iam::{MotoServer.AccountId}:role/{Unique("role")}";
        string otherRoleArn = $"arn:aws:iam::{MotoServer.AccountId}:role/{Unique("role")}";

        var created = await session.Iot.CreateRoleAliasAsync(new IotCreateRoleAliasRequest(alias, roleArn) { CredentialDurationSeconds = 1800 });
        Assert.Equal($"arn:aws:iot:{MotoServer.Region}:{MotoServer.AccountId}:rolealias/{alias}", created.RoleAliasArn);

        var described = await session.Iot.DescribeRoleAliasAsync(alias);
        Assert.Equal(roleArn, described.RoleArn);
        Assert.Equal(1800, described.CredentialDurationSeconds);
        Assert.Equal(created.RoleAliasArn, described.RoleAliasArn);

        await session.Iot.UpdateRoleAliasAsync(new IotUpdateRoleAliasRequest(alias) { RoleArn = otherRoleArn, CredentialDurationSeconds = 3600 });
        var updated = await session.Iot.DescribeRoleAliasAsync(alias);
        Assert.Equal(otherRoleArn, updated.RoleArn);
        Assert.Equal(3600, updated.CredentialDurationSeconds);

        var exists = await Assert.ThrowsAsync<AwsServiceException>(() => session.Iot.CreateRoleAliasAsync(new IotCreateRoleAliasRequest(alias, roleArn)));
        Assert.Equal(ZymErrorCategory.ResourceExists, exists.Category);
    }

    [Fact]
    public async Task DescribeEndpoint_CredentialProvider_IsACredentialsHostForTheRegion()
    {
        using var session = _moto.CreateSession();
        string endpoint = await session.Iot.DescribeEndpointAsync(IotEndpointType.CredentialProvider);
        Assert.Matches($@"^[a-z0-9]+\.credentials\.iot\.{MotoServer.Region}\.amazonaws\.com$", endpoint);
        Assert.EndsWith($".iot.{MotoServer.Region}.amazonaws.com", await session.Iot.DescribeEndpointAsync(IotEndpointType.DataAts));
    }
}
