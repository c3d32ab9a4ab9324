using System.Text.Json;
using Xunit;
using ZymAws.Engine.Aws;
using ZymAws.Engine.CredentialProvider;
using ZymAws.Engine.Provisioning;
using ZymAws.Engine.Tests.Infrastructure;
using ZymAws.Engine.Tests.Provisioning;

namespace ZymAws.Engine.Tests.CredentialProvider;

/// <summary>Role, role alias, IoT policy and the provisioner policy against moto, cross-checked with the AWS CLI.</summary>
[Collection(FleetMotoCollection.Name)]
public sealed class CredentialProviderProvisionerTests
{
    private static readonly string[] s_mutating =
    {
        "CreateRole", "UpdateAssumeRolePolicy", "AttachRolePolicy", "PutRolePolicy", "CreateRoleAlias", "UpdateRoleAlias", "CreatePolicy", "DeletePolicy",
    };

    private readonly FleetMoto _moto;

    public CredentialProviderProvisionerTests(FleetMoto moto)
    {
        _moto = moto;
    }

    private static string Unique(string prefix) => ProvisioningTestKit.Unique(prefix);

    [Fact]
    public async Task Initialize_Twice_SecondRunReportsEverythingExisting_AndChangesNothing()
    {
        string role = Unique("zym-role");
        string alias = Unique("zym-alias");
        string policy = Unique("zym-policy");
        var managed = await ExternalProcess.AwsCliAsync(_moto, "iam", "create-policy", "--policy-name", Unique("managed"),
            "--policy-document", """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"*"}]}""");
        string managedArn = managed!.Value.GetProperty("Policy").GetProperty("Arn").GetString()!;
        var options = new CredentialProviderInitializeOptions(role, alias, policy) { MaxSessionDuration = 7200, CredentialDurationSeconds = 5400 };
        options.ManagedPolicyArns.Add(managedArn);
        options.InlinePolicies["device-s3"] = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::zym-firmware/*"}]}""";

        await using var proxy = new FaultInjectingProxy(_moto.EndpointUrl);
        CredentialProviderSetupResult first;
        using (var session = ProvisioningTestKit.Session(_moto, proxy.Url))
        {
            first = await new CredentialProviderProvisioner(session).InitializeAsync(options);
        }

        Assert.Equal(SetupOutcome.Created, first.RoleStatus);
        Assert.Equal(SetupOutcome.Created, first.Role.TrustPolicyStatus);
        Assert.Equal(SetupOutcome.Created, first.RoleAliasStatus);
        Assert.Equal(SetupOutcome.Created, first.PolicyStatus);
        Assert.Equal(MotoServer.AccountId, first.AccountId);
        Assert.Equal($"arn:aws:iam::{MotoServer.AccountId}:role/{role}", first.RoleArn);
        Assert.Equal($"arn:aws:iot:{MotoServer.Region}:{MotoServer.AccountId}:rolealias/{alias}", first.RoleAliasArn);
        Assert.EndsWith($".credentials.iot.{MotoServer.Region}.amazonaws.com", first.CredentialsEndpoint);
        Assert.Equal(first.CredentialsEndpoint.Split('.')[0], first.EndpointPrefix);
        Assert.Equal(new[] { "CreateRole", "AttachRolePolicy " + managedArn, "PutRolePolicy device-s3" }, first.Role.Changes);

        int forwardedBefore = s_mutating.Sum(proxy.ForwardedCount);
        CredentialProviderSetupResult second;
        using (var session = ProvisioningTestKit.Session(_moto, proxy.Url))
        {
            second = await new CredentialProviderProvisioner(session).InitializeAsync(options);
        }

        Assert.Equal(SetupOutcome.Existing, second.RoleStatus);
        Assert.Equal(SetupOutcome.Existing, second.Role.TrustPolicyStatus);
        Assert.Equal(SetupOutcome.Existing, second.RoleAliasStatus);
        Assert.Equal(SetupOutcome.Existing, second.PolicyStatus);
        Assert.Empty(second.Role.Changes);
        Assert.Equal(first.RoleArn, second.RoleArn);
        Assert.Equal(first.RoleAliasArn, second.RoleAliasArn);
        Assert.Equal(forwardedBefore, s_mutating.Sum(proxy.ForwardedCount));

        // The AWS CLI sees the same.
        var cliRole = (await ExternalProcess.AwsCliAsync(_moto, "iam", "get-role", "--role-name", role))!.Value.GetProperty("Role");
        Assert.Equal(7200, cliRole.GetProperty("MaxSessionDuration").GetInt32());
        var statement = cliRole.GetProperty("AssumeRolePolicyDocument").GetProperty("Statement")[0];
        Assert.Equal("credentials.iot.amazonaws.com", statement.GetProperty("Principal").GetProperty("Service").GetString());
        Assert.Equal("sts:AssumeRole", statement.GetProperty("Action").GetString());
        var attached = (await ExternalProcess.AwsCliAsync(_moto, "iam", "list-attached-role-policies", "--role-name", role))!.Value.GetProperty("AttachedPolicies");
        Assert.Equal(managedArn, Assert.Single(attached.EnumerateArray()).GetProperty("PolicyArn").GetString());
        var inline = (await ExternalProcess.AwsCliAsync(_moto, "iam", "get-role-policy", "--role-name", role, "--policy-name", "device-s3"))!.Value;
        Assert.Equal("s3:GetObject", inline.GetProperty("PolicyDocument").GetProperty("Statement")[0].GetProperty("Action").GetString());

        var cliAlias = (await ExternalProcess.AwsCliAsync(_moto, "iot", "describe-role-alias", "--role-alias", alias))!.Value.GetProperty("roleAliasDescription");
        Assert.Equal(first.RoleArn, cliAlias.GetProperty("roleArn").GetString());
        Assert.Equal(5400, cliAlias.GetProperty("credentialDurationSeconds").GetInt32());

        var cliPolicy = (await ExternalProcess.AwsCliAsync(_moto, "iot", "get-policy", "--policy-name", policy))!.Value;
        using var document = JsonDocument.Parse(cliPolicy.GetProperty("policyDocument").GetString()!);
        var grant = document.RootElement.GetProperty("Statement")[0];
        Assert.Equal("iot:AssumeRoleWithCertificate", grant.GetProperty("Action").GetString());
        Assert.Equal($"arn:aws:iot:{MotoServer.Region}:{MotoServer.AccountId}:rolealias/{alias}", grant.GetProperty("Resource").GetString());
        Assert.Equal("true", grant.GetProperty("Condition").GetProperty("Bool").GetProperty("iot:Connection.Thing.IsAttached").GetString());
    }

    [Theory]
    [InlineData(600, 3600)]
    [InlineData(43201, 43200)]
    [InlineData(7200, 3600)]
    public async Task CredentialDuration_OutOfRangeOrAboveTheRolesMax_IsRefusedBeforeAnyAwsCall(int duration, int maxSession)
    {
        await using var proxy = new FaultInjectingProxy(_moto.EndpointUrl);
        using var session = ProvisioningTestKit.Session(_moto, proxy.Url);
        var options = new CredentialProviderInitializeOptions(Unique("r"), Unique("a"), Unique("p")) { CredentialDurationSeconds = duration, MaxSessionDuration = maxSession };
        var error = await Assert.ThrowsAsync<ZymException>(() => new CredentialProviderProvisioner(session).InitializeAsync(options));
        Assert.Equal("CredentialDurationInvalid", error.ErrorId);
        Assert.Equal(ZymErrorCategory.InvalidArgument, error.Category);
        Assert.Equal(options.RoleAlias, error.Target);
        Assert.Empty(proxy.Forwarded);
    }

    [Fact]
    public async Task RoleAlias_DurationAboveAnExistingRolesMax_IsRefusedBeforeCreateRoleAlias()
    {
        string role = Unique("short-role");
        await ExternalProcess.AwsCliAsync(_moto, "iam", "create-role", "--role-name", role, "--max-session-duration", "3600",
            "--assume-role-policy-document", CredentialProviderProvisioner.TrustPolicyDocument);
        await using var proxy = new FaultInjectingProxy(_moto.EndpointUrl);
        using var session = ProvisioningTestKit.Session(_moto, proxy.Url);
        var setup = new CredentialProviderProvisioner(session);
        var error = await Assert.ThrowsAsync<ZymException>(() => setup.EnsureRoleAliasAsync(new RoleAliasOptions(Unique("alias")) { RoleName = role, CredentialDurationSeconds = 7200 }));
        Assert.Equal("CredentialDurationInvalid", error.ErrorId);
        Assert.Contains("3600", error.Message);
        Assert.Equal(1, proxy.ForwardedCount("GetRole"));
        Assert.Equal(0, proxy.ForwardedCount("CreateRoleAlias"));

        var bad = await Assert.ThrowsAsync<ZymException>(() => setup.EnsureRoleAsync(new CredentialProviderRoleOptions(Unique("r")) { MaxSessionDuration = 100 }));
        Assert.Equal("MaxSessionDurationInvalid", bad.ErrorId);
        var missing = await Assert.ThrowsAsync<ZymException>(() => setup.EnsureRoleAliasAsync(new RoleAliasOptions(Unique("alias")) { RoleName = Unique("absent") }));
        Assert.Equal("RoleNotFound", missing.ErrorId);
        var notArn = await Assert.ThrowsAsync<ZymException>(() => setup.EnsureRoleAliasAsync(new RoleAliasOptions(Unique("alias")) { RoleArn = "role/x" }));
        Assert.Equal("RoleArnInvalid", notArn.ErrorId);
        var none = await Assert.ThrowsAsync<ZymException>(() => setup.EnsureRoleAliasAsync(new RoleAliasOptions(Unique("alias"))));
        Assert.Equal("RoleNotSpecified", none.ErrorId);
    }

    [Fact]
    public async Task ExistingRoleWithoutTheServicePrincipal_GetsItAdded_OtherStatementsKept()
    {
        string role = Unique("legacy-role");
        await ExternalProcess.AwsCliAsync(_moto, "iam", "create-role", "--role-name", role, "--assume-role-policy-document",
            """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}""");
        using var session = ProvisioningTestKit.Session(_moto);
        var result = await new CredentialProviderProvisioner(session).EnsureRoleAsync(new CredentialProviderRoleOptions(role));
        Assert.Equal(SetupOutcome.Updated, result.Status);
        Assert.Equal(SetupOutcome.Updated, result.TrustPolicyStatus);
        var statements = (await ExternalProcess.AwsCliAsync(_moto, "iam", "get-role", "--role-name", role))!.Value
            .GetProperty("Role").GetProperty("AssumeRolePolicyDocument").GetProperty("Statement").EnumerateArray()
            .Select(s => s.GetProperty("Principal").GetProperty("Service").GetString()).ToList();
        Assert.Equal(new[] { "ec2.amazonaws.com", "credentials.iot.amazonaws.com" }, statements);

        var again = await new CredentialProviderProvisioner(session).EnsureRoleAsync(new CredentialProviderRoleOptions(role));
        Assert.Equal(SetupOutcome.Existing, again.Status);
    }

    [Fact]
    public async Task ExistingAliasAndPolicy_SameAreExisting_DifferentAreClearErrors_OrUpdatedWhenAsked()
    {
        using var session = ProvisioningTestKit.Session(_moto);
        var setup = new CredentialProviderProvisioner(session);
        var roleA = await setup.EnsureRoleAsync(new CredentialProviderRoleOptions(Unique("role-a")));
        var roleB = await setup.EnsureRoleAsync(new CredentialProviderRoleOptions(Unique("role-b")));
        string alias = Unique("alias");
        Assert.Equal(SetupOutcome.Created, (await setup.EnsureRoleAliasAsync(new RoleAliasOptions(alias) { RoleArn = roleA.RoleArn })).Status);
        Assert.Equal(SetupOutcome.Existing, (await setup.EnsureRoleAliasAsync(new RoleAliasOptions(alias) { RoleName = roleA.RoleName })).Status);

        var conflict = await Assert.ThrowsAsync<ZymException>(() => setup.EnsureRoleAliasAsync(new RoleAliasOptions(alias) { RoleArn = roleB.RoleArn }));
        Assert.Equal("RoleAliasConflict", conflict.ErrorId);
        Assert.Equal(ZymErrorCategory.ResourceExists, conflict.Category);
        Assert.Contains(roleA.RoleArn, conflict.Message);

        var updated = await setup.EnsureRoleAliasAsync(new RoleAliasOptions(alias) { RoleArn = roleB.RoleArn, AllowUpdate = true, CredentialDurationSeconds = 900 });
        Assert.Equal(SetupOutcome.Updated, updated.Status);
        var cliAlias = (await ExternalProcess.AwsCliAsync(_moto, "iot", "describe-role-alias", "--role-alias", alias))!.Value.GetProperty("roleAliasDescription");
        Assert.Equal(roleB.RoleArn, cliAlias.GetProperty("roleArn").GetString());
        Assert.Equal(900, cliAlias.GetProperty("credentialDurationSeconds").GetInt32());

        string policy = Unique("policy");
        Assert.Equal(SetupOutcome.Created, (await setup.EnsureRoleAliasPolicyAsync(new RoleAliasPolicyOptions(policy, alias))).Status);
        Assert.Equal(SetupOutcome.Existing, (await setup.EnsureRoleAliasPolicyAsync(new RoleAliasPolicyOptions(policy, alias))).Status);
        var different = await Assert.ThrowsAsync<ZymException>(() => setup.EnsureRoleAliasPolicyAsync(new RoleAliasPolicyOptions(policy, alias) { RequireAttachedThing = false }));
        Assert.Equal("IotPolicyConflict", different.ErrorId);
        var otherAlias = await Assert.ThrowsAsync<ZymException>(() => setup.EnsureRoleAliasPolicyAsync(new RoleAliasPolicyOptions(policy, Unique("other"))));
        Assert.Equal("IotPolicyConflict", otherAlias.ErrorId);
    }

    [Fact]
    public async Task WhatIf_Initialize_CreatesNothing_AndReportsWhatItWouldDo()
    {
        string role = Unique("whatif-role");
        string alias = Unique("whatif-alias");
        string policy = Unique("whatif-policy");
        var asked = new List<(string Target, string Action)>();
        await using var proxy = new FaultInjectingProxy(_moto.EndpointUrl);
        using var session = ProvisioningTestKit.Session(_moto, proxy.Url);
        var result = await new CredentialProviderProvisioner(session).InitializeAsync(new CredentialProviderInitializeOptions(role, alias, policy), (target, action) =>
        {
            asked.Add((target, action));
            return Task.FromResult(false);
        });

        Assert.Equal(SetupOutcome.Skipped, result.RoleStatus);
        Assert.Equal(SetupOutcome.Skipped, result.RoleAliasStatus);
        Assert.Equal(SetupOutcome.Skipped, result.PolicyStatus);
        Assert.Equal($"arn:aws:iam::{MotoServer.AccountId}:role/{role}", result.RoleArn);
        Assert.Equal(new[] { $"IAM role '{role}'", $"IoT role alias '{alias}'", $"IoT policy '{policy}'" }, asked.Select(a => a.Target));
        Assert.Contains(result.RoleAliasArn, asked[2].Action);
        Assert.Equal(0, s_mutating.Sum(proxy.ForwardedCount));
        var cli = await ExternalProcess.RunAsync("aws", new[] { "--endpoint-url", _moto.EndpointUrl, "--region", MotoServer.Region, "iam", "get-role", "--role-name", role }, _moto.ClientEnvironment());
        Assert.Contains("NoSuchEntity", cli.StandardError);
    }

    [Fact]
    public async Task ProvisionerPolicy_ListsEveryActionTheProvisionerCalls_ScopedToTheAccount_AndIamAcceptsIt()
    {
        using var session = ProvisioningTestKit.Session(_moto);
        var options = new ProvisionerPolicyOptions { RoleName = "zym-role", ThingNamePrefix = "zk-", AllowCreateCertificateFromCsr = true };
        options.PolicyNames.Add("zym-device-policy");
        var policy = await new CredentialProviderProvisioner(session).GetProvisionerPolicyAsync(options);

        Assert.Equal(MotoServer.AccountId, policy.AccountId);
        var expected = FleetProvisioner.IotActions(CertificateRegistrationMode.FromCsr).Concat(new[] { "iam:GetRole", "iam:PassRole" });
        Assert.Equal(expected.Order(), policy.Actions.Order());
        using var document = JsonDocument.Parse(policy.PolicyDocument);
        var statements = document.RootElement.GetProperty("Statement").EnumerateArray().ToDictionary(s => s.GetProperty("Sid").GetString()!);
        string arn = $"arn:aws:iot:{MotoServer.Region}:{MotoServer.AccountId}";
        Assert.Equal($"{arn}:thing/zk-*", statements["IotThings"].GetProperty("Resource").GetString());
        Assert.Equal($"{arn}:policy/zym-device-policy", statements["IotPolicies"].GetProperty("Resource").GetString());
        Assert.Equal($"arn:aws:iam::{MotoServer.AccountId}:role/zym-role", statements["IamCredentialProviderRole"].GetProperty("Resource").GetString());
        Assert.Contains("iam:PassRole", statements["IamCredentialProviderRole"].GetProperty("Action").EnumerateArray().Select(a => a.GetString()));
        Assert.DoesNotContain("iot:RegisterCertificateWithoutCA", policy.Actions);

        // IAM (moto, through the AWS CLI) takes it as a policy document.
        var created = await ExternalProcess.AwsCliAsync(_moto, "iam", "create-policy", "--policy-name", Unique("provisioner"), "--policy-document", policy.PolicyDocument);
        Assert.StartsWith($"arn:aws:iam::{MotoServer.AccountId}:policy/provisioner-", created!.Value.GetProperty("Policy").GetProperty("Arn").GetString());
    }
}
