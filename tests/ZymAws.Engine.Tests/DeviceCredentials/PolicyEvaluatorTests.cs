using Xunit;
using ZymAws.Engine.CredentialProvider;
using ZymAws.Engine.DeviceCredentials;

namespace ZymAws.Engine.Tests.DeviceCredentials;

public sealed class PolicyEvaluatorTests
{
    private const string Alias = "arn:aws:iot:us-east-1:123456789012:rolealias/deviceRoleAlias";

    private static PolicyDecision Judge(string document, string action = CredentialRule.Action, string resource = Alias, Dictionary<string, string>? context = null) =>
        PolicyEvaluator.Evaluate(new[] { ("p", document) }, new PolicyRequest(action, resource) { Context = context ?? new Dictionary<string, string>() });

    private static Dictionary<string, string> Attached(string thing) => new()
    {
        ["iot:Connection.Thing.IsAttached"] = "true",
        ["iot:Connection.Thing.ThingName"] = thing,
        ["credentials-iot:ThingName"] = thing,
    };

    [Fact]
    public void TheModulesOwnPolicy_AllowsOnlyWithTheThingAttached()
    {
        string policy = CredentialProviderProvisioner.BuildRoleAliasPolicyDocument(Alias, requireAttachedThing: true);

        Assert.True(Judge(policy, context: Attached("dev-1")).Allowed);
        Assert.False(Judge(policy, context: new() { ["iot:Connection.Thing.IsAttached"] = "false" }).Allowed);
        Assert.False(Judge(policy).Allowed);
        Assert.False(Judge(policy, resource: Alias + "-other", context: Attached("dev-1")).Allowed);
    }

    [Fact]
    public void TheSeedsPolicy_AsTheTutorialWritesIt()
    {
        string seed = """
            {"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iot:AssumeRoleWithCertificate",
             "Resource":"arn:aws:iot:us-east-1:123456789012:rolealias/deviceRoleAlias",
             "Condition":{"Bool":{"iot:Connection.Thing.IsAttached":"true"}}}}
            """;
        Assert.True(Judge(seed, context: Attached("dev-1")).Allowed);
        Assert.False(Judge(seed).Allowed);
    }

    [Theory]
    [InlineData("iot:*", true)]
    [InlineData("*", true)]
    [InlineData("IOT:assumerolewithcertificate", true)]
    [InlineData("iot:AssumeRole*", true)]
    [InlineData("iot:AssumeRoleWith?ertificate", true)]
    [InlineData("iot:Connect", false)]
    [InlineData("sts:AssumeRole", false)]
    public void Actions_MatchWithWildcards_CaseInsensitively(string action, bool allowed)
    {
        Assert.Equal(allowed, Judge($$"""{"Statement":[{"Effect":"Allow","Action":["{{action}}"],"Resource":"*"}]}""").Allowed);
    }

    [Theory]
    [InlineData("*", true)]
    [InlineData("arn:aws:iot:us-east-1:123456789012:rolealias/*", true)]
    [InlineData("arn:aws:iot:*:123456789012:rolealias/device*", true)]
    [InlineData("arn:aws:iot:us-east-1:123456789012:rolealias/DeviceRoleAlias", false)]
    [InlineData("arn:aws:iot:us-east-1:999999999999:rolealias/*", false)]
    public void Resources_MatchWithWildcards_CaseSensitively(string resource, bool allowed)
    {
        Assert.Equal(allowed, Judge($$"""{"Statement":[{"Effect":"Allow","Action":"iot:*","Resource":"{{resource}}"}]}""").Allowed);
    }

    [Fact]
    public void AnExplicitDeny_WinsOverAnyAllow_InAnyPolicy()
    {
        var decision = PolicyEvaluator.Evaluate(
            new[]
            {
                ("allow", """{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"""),
                ("deny", """{"Statement":[{"Sid":"NoCreds","Effect":"Deny","Action":"iot:AssumeRoleWithCertificate","Resource":"*"}]}"""),
            },
            new PolicyRequest(CredentialRule.Action, Alias));

        Assert.False(decision.Allowed);
        Assert.True(decision.ExplicitDeny);
        Assert.Equal("policy 'deny' statement NoCreds", decision.Deciding);
    }

    [Fact]
    public void NotActionAndNotResource_AreHonoured()
    {
        Assert.True(Judge("""{"Statement":[{"Effect":"Allow","NotAction":"iot:Publish","Resource":"*"}]}""").Allowed);
        Assert.False(Judge("""{"Statement":[{"Effect":"Allow","NotAction":"iot:AssumeRole*","Resource":"*"}]}""").Allowed);
        Assert.False(Judge("""{"Statement":[{"Effect":"Allow","Action":"*","NotResource":"arn:aws:iot:*:*:rolealias/*"}]}""").Allowed);
    }

    [Fact]
    public void PolicyVariables_AreSubstituted_AndAMissingOneMatchesNothing()
    {
        string perThing = """{"Statement":[{"Effect":"Allow","Action":"iot:AssumeRoleWithCertificate","Resource":"arn:aws:iot:us-east-1:123456789012:rolealias/${credentials-iot:ThingName}"}]}""";
        string aliasOfDev1 = "arn:aws:iot:us-east-1:123456789012:rolealias/dev-1";

        Assert.True(Judge(perThing, resource: aliasOfDev1, context: Attached("dev-1")).Allowed);
        Assert.False(Judge(perThing, resource: aliasOfDev1, context: Attached("dev-2")).Allowed);
        var missing = Judge(perThing, resource: aliasOfDev1);
        Assert.False(missing.Allowed);
        Assert.Contains(missing.Notes, n => n.Contains("credentials-iot:ThingName", StringComparison.Ordinal));
    }

    [Fact]
    public void AVariablesValue_IsLiteral_NotAWildcard()
    {
        string perThing = """{"Statement":[{"Effect":"Allow","Action":"*","Resource":"arn:aws:iot:us-east-1:123456789012:rolealias/${credentials-iot:ThingName}"}]}""";
        Assert.False(Judge(perThing, context: Attached("*")).Allowed);
        Assert.True(Judge(perThing, resource: "arn:aws:iot:us-east-1:123456789012:rolealias/*", context: Attached("*")).Allowed);
    }

    [Theory]
    [InlineData("StringEquals", "dev-1", true)]
    [InlineData("StringEquals", "DEV-1", false)]
    [InlineData("StringEqualsIgnoreCase", "DEV-1", true)]
    [InlineData("StringNotEquals", "dev-2", true)]
    [InlineData("StringLike", "dev-*", true)]
    [InlineData("StringNotLike", "dev-*", false)]
    [InlineData("StringEquals", "${iot:Connection.Thing.ThingName}", true)]
    public void StringConditions(string op, string value, bool allowed)
    {
        string policy = """{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{""" + "\"" + op + "\":{\"credentials-iot:ThingName\":\"" + value + "\"}}}]}";
        Assert.Equal(allowed, Judge(policy, context: Attached("dev-1")).Allowed);
    }

    [Fact]
    public void AMissingKey_FailsTheCondition_UnlessIfExistsOrNull()
    {
        Assert.False(Judge("""{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringNotEquals":{"credentials-iot:ThingName":"x"}}}]}""").Allowed);
        Assert.True(Judge("""{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEqualsIfExists":{"credentials-iot:ThingName":"x"}}}]}""").Allowed);
        Assert.True(Judge("""{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Null":{"credentials-iot:ThingName":"true"}}}]}""").Allowed);
        Assert.False(Judge("""{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Null":{"credentials-iot:ThingName":"true"}}}]}""", context: Attached("d")).Allowed);
    }

    [Fact]
    public void AnOperatorItCannotEvaluate_IsTakenTheSafeWay()
    {
        var allow = Judge("""{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}""", context: new() { ["aws:SourceIp"] = "10.1.2.3" });
        Assert.False(allow.Allowed);
        Assert.Contains(allow.Notes, n => n.Contains("IpAddress", StringComparison.Ordinal));

        var deny = PolicyEvaluator.Evaluate(
            new[] { ("p", """{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}""") },
            new PolicyRequest(CredentialRule.Action, Alias) { Context = new Dictionary<string, string> { ["aws:SourceIp"] = "192.168.1.1" } });
        Assert.True(deny.ExplicitDeny);
    }

    [Fact]
    public void ADocumentThatIsNotJson_IsIgnoredWithANote()
    {
        var decision = Judge("{not json");
        Assert.False(decision.Allowed);
        Assert.Contains(decision.Notes, n => n.Contains("not valid JSON", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("""{"Statement":[{"Effect":"Allow","Principal":{"Service":"credentials.iot.amazonaws.com"},"Action":"sts:AssumeRole"}]}""", true)]
    [InlineData("""{"Statement":[{"Effect":"Allow","Principal":{"Service":["ec2.amazonaws.com","credentials.iot.amazonaws.com"]},"Action":["sts:AssumeRole","sts:TagSession"]}]}""", true)]
    [InlineData("""{"Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:*"}]}""", true)]
    [InlineData("""{"Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}""", false)]
    [InlineData("""{"Statement":[{"Effect":"Allow","Principal":{"Service":"credentials.iot.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"123456789012"}}}]}""", true)]
    [InlineData("""{"Statement":[{"Effect":"Allow","Principal":{"Service":"credentials.iot.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"999999999999"}}}]}""", false)]
    public void TrustPolicies_NeedTheServicePrincipal(string trust, bool allowed)
    {
        var decision = PolicyEvaluator.Evaluate(new[] { ("trust", trust) }, new PolicyRequest("sts:AssumeRole", "arn:aws:iam::123456789012:role/r")
        {
            Principal = ("Service", CredentialRule.ServicePrincipal),
            Context = new Dictionary<string, string> { ["aws:SourceAccount"] = "123456789012" },
        });
        Assert.Equal(allowed, decision.Allowed);
    }

    [Theory]
    [InlineData("*", "anything", true)]
    [InlineData("a*c", "abbbc", true)]
    [InlineData("a*c", "abbbd", false)]
    [InlineData("a?c", "abc", true)]
    [InlineData("a?c", "ac", false)]
    [InlineData("*a*b*", "xxaxxbxx", true)]
    [InlineData("", "", true)]
    [InlineData("", "a", false)]
    public void Like(string pattern, string value, bool matches) => Assert.Equal(matches, PolicyEvaluator.Like(pattern, value, ignoreCase: false));
}
