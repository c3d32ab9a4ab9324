using System.Globalization;
using System.Text.Json;
using Xunit;
using ZymAws.Engine.Aws;
using ZymAws.Engine.Tests.Infrastructure;

namespace ZymAws.Engine.Tests.Aws;

/// <summary>
/// The AWS CLI, pointed at the same moto, is a second client: what it reads must match what we read,
/// field by field, whoever created the resource.
/// </summary>
[Collection(MotoCollection.Name)]
public sealed class AwsCliContractTests
{
    private readonly MotoServer _moto;

    public AwsCliContractTests(MotoServer moto)
    {
        _moto = moto;
    }

    private static string Unique(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..12];

    private static string? Str(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? (v.ValueKind == JsonValueKind.String ? v.GetString() : v.GetRawText()) : null;

    private static void AssertSameTime(JsonElement e, string name, DateTimeOffset? ours)
    {
        Assert.NotNull(ours);
        // CLI v1 prints REST-JSON timestamps as epoch seconds and Query ones as ISO 8601.
        var value = e.GetProperty(name);
        var theirs = value.ValueKind == JsonValueKind.Number
            ? DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(value.GetDouble() * 1000))
            : DateTimeOffset.Parse(value.GetString()!, CultureInfo.InvariantCulture);
        Assert.Equal(theirs, ours!.Value);
    }

    [Fact]
    public async Task DescribeThingAndListThings_MatchTheCli()
    {
        using var session = _moto.CreateSession();
        string run = Unique("cli");
        string mine = run + "-ours";
        string theirs = run + "-cli";
        await session.Iot.CreateThingAsync(new IotCreateThingRequest(mine) { Attributes = new Dictionary<string, string> { ["run"] = run, ["serial"] = "42" } });
        await ExternalProcess.AwsCliAsync(_moto, "iot", "create-thing", "--thing-name", theirs, "--attribute-payload", $"{{\"attributes\":{{\"run\":\"{run}\",\"serial\":\"7\"}}}}");

        foreach (string name in new[] { mine, theirs })
        {
            var cli = (await ExternalProcess.AwsCliAsync(_moto, "iot", "describe-thing", "--thing-name", name))!.Value;
            var ours = await session.Iot.DescribeThingAsync(name);
            Assert.Equal(Str(cli, "thingName"), ours.ThingName);
            Assert.Equal(Str(cli, "thingArn"), ours.ThingArn);
            Assert.Equal(Str(cli, "thingId"), ours.ThingId);
            Assert.Equal(Str(cli, "defaultClientId"), ours.DefaultClientId);
            Assert.Equal(cli.GetProperty("version").GetInt64(), ours.Version);
            var cliAttributes = cli.GetProperty("attributes").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString());
            Assert.Equal(cliAttributes.OrderBy(p => p.Key), ours.Attributes.OrderBy(p => p.Key).Select(p => new KeyValuePair<string, string?>(p.Key, p.Value)));
        }

        var cliList = (await ExternalProcess.AwsCliAsync(_moto, "iot", "list-things", "--attribute-name", "run", "--attribute-value", run))!.Value;
        var ourList = await session.Iot.ListAllThingsAsync(new IotListThingsRequest { AttributeName = "run", AttributeValue = run });
        Assert.Equal(
            cliList.GetProperty("things").EnumerateArray().Select(t => (Str(t, "thingName"), Str(t, "thingArn"))).OrderBy(t => t.Item1),
            ourList.Select(t => ((string?)t.ThingName, (string?)t.ThingArn)).OrderBy(t => t.Item1));
    }

    [Fact]
    public async Task DescribeRoleAliasAndGetPolicy_MatchTheCli()
    {
        using var session = _moto.CreateSession();
        string alias = Unique("alias");
        string policy = Unique("policy");
        string roleArn = $"arn:aws:iam::{MotoServer.AccountId}:role/{Unique("role")}";
        const string document = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"iot:Connect\",\"Resource\":\"*\"}]}";
        await session.Iot.CreateRoleAliasAsync(new IotCreateRoleAliasRequest(alias, roleArn) { CredentialDurationSeconds = 2400 });
        await session.Iot.CreatePolicyAsync(policy, document);

        var cliAlias = (await ExternalProcess.AwsCliAsync(_moto, "iot", "describe-role-alias", "--role-alias", alias))!.Value.GetProperty("roleAliasDescription");
        var ourAlias = await session.Iot.DescribeRoleAliasAsync(alias);
        Assert.Equal(Str(cliAlias, "roleAlias"), ourAlias.RoleAlias);
        Assert.Equal(Str(cliAlias, "roleAliasArn"), ourAlias.RoleAliasArn);
        Assert.Equal(Str(cliAlias, "roleArn"), ourAlias.RoleArn);
        Assert.Equal(Str(cliAlias, "owner"), ourAlias.Owner);
        Assert.Equal(cliAlias.GetProperty("credentialDurationSeconds").GetInt32(), ourAlias.CredentialDurationSeconds);
        AssertSameTime(cliAlias, "creationDate", ourAlias.CreationDate);

        var cliPolicy = (await ExternalProcess.AwsCliAsync(_moto, "iot", "get-policy", "--policy-name", policy))!.Value;
        var ourPolicy = await session.Iot.GetPolicyAsync(policy);
        Assert.Equal(Str(cliPolicy, "policyName"), ourPolicy.PolicyName);
        Assert.Equal(Str(cliPolicy, "policyArn"), ourPolicy.PolicyArn);
        Assert.Equal(Str(cliPolicy, "policyDocument"), ourPolicy.PolicyDocument);
        Assert.Equal(Str(cliPolicy, "defaultVersionId"), ourPolicy.DefaultVersionId);
        Assert.Equal(Str(cliPolicy, "generationId"), ourPolicy.GenerationId);
    }

    [Fact]
    public async Task DescribeCertificate_MatchesTheCli()
    {
        using var certs = await TestCertificates.CreateCaAsync(Unique("ca"));
        using var session = _moto.CreateSession();
        var ca = await session.Iot.RegisterCaCertificateAsync(new IotRegisterCaCertificateRequest(certs.CaCertificatePem) { SetAsActive = true });
        var cert = await session.Iot.RegisterCertificateAsync(new IotRegisterCertificateRequest(await certs.IssueAsync(Unique("dev"))) { CaCertificatePem = certs.CaCertificatePem, SetAsActive = true });

        var cli = (await ExternalProcess.AwsCliAsync(_moto, "iot", "describe-certificate", "--certificate-id", cert.CertificateId))!.Value.GetProperty("certificateDescription");
        var ours = await session.Iot.DescribeCertificateAsync(cert.CertificateId);
        Assert.Equal(Str(cli, "certificateId"), ours.CertificateId);
        Assert.Equal(Str(cli, "certificateArn"), ours.CertificateArn);
        Assert.Equal(Str(cli, "status"), ours.Status);
        Assert.Equal(Str(cli, "certificatePem"), ours.CertificatePem);
        Assert.Equal(Str(cli, "ownedBy"), ours.OwnedBy);
        Assert.Equal(Str(cli, "caCertificateId"), ours.CaCertificateId);
        AssertSameTime(cli, "creationDate", ours.CreationDate);
        AssertSameTime(cli.GetProperty("validity"), "notAfter", ours.ValidityNotAfter);

        var cliCa = (await ExternalProcess.AwsCliAsync(_moto, "iot", "describe-ca-certificate", "--certificate-id", ca.CertificateId))!.Value.GetProperty("certificateDescription");
        var ourCa = await session.Iot.DescribeCaCertificateAsync(ca.CertificateId);
        Assert.Equal(Str(cliCa, "certificateArn"), ourCa.CertificateArn);
        Assert.Equal(Str(cliCa, "status"), ourCa.Status);
        Assert.Equal(Str(cliCa, "autoRegistrationStatus"), ourCa.AutoRegistrationStatus);
    }

    [Fact]
    public async Task GetRole_MatchesTheCli()
    {
        using var session = _moto.CreateSession();
        string role = Unique("role");
        await ExternalProcess.AwsCliAsync(_moto, "iam", "create-role", "--role-name", role, "--assume-role-policy-document", IamStsClientTests.TrustPolicy,
            "--description", "made by the cli", "--max-session-duration", "5400");

        var cli = (await ExternalProcess.AwsCliAsync(_moto, "iam", "get-role", "--role-name", role))!.Value.GetProperty("Role");
        var ours = await session.Iam.GetRoleAsync(role);
        Assert.Equal(Str(cli, "RoleName"), ours.RoleName);
        Assert.Equal(Str(cli, "Arn"), ours.Arn);
        Assert.Equal(Str(cli, "RoleId"), ours.RoleId);
        Assert.Equal(Str(cli, "Path"), ours.Path);
        Assert.Equal(Str(cli, "Description"), ours.Description);
        Assert.Equal(cli.GetProperty("MaxSessionDuration").GetInt32(), ours.MaxSessionDuration);
        AssertSameTime(cli, "CreateDate", ours.CreateDate);

        // The CLI decodes the URL-encoded trust policy into JSON; so do we.
        Assert.Equal(JsonSerializer.Serialize(cli.GetProperty("AssumeRolePolicyDocument")), JsonSerializer.Serialize(JsonDocument.Parse(ours.AssumeRolePolicyDocument!).RootElement));
    }
}
