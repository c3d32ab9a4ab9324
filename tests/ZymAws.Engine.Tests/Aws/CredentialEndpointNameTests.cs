using Xunit;
using ZymAws.Engine.Aws;

namespace ZymAws.Engine.Tests.Aws;

public class CredentialEndpointNameTests
{
    [Theory]
    [InlineData("c1a2b3", null, "c1a2b3", null, null)]
    [InlineData("c1a2b3", "eu-west-1", "c1a2b3", "eu-west-1", "c1a2b3.credentials.iot.eu-west-1.amazonaws.com")]
    [InlineData("c1a2b3.credentials.iot.eu-west-1.amazonaws.com", null, "c1a2b3", "eu-west-1", "c1a2b3.credentials.iot.eu-west-1.amazonaws.com")]
    [InlineData("C1A2B3.Credentials.IoT.EU-WEST-1.amazonaws.com.", "eu-west-1", "c1a2b3", "eu-west-1", "c1a2b3.credentials.iot.eu-west-1.amazonaws.com")]
    [InlineData("https://c1a2b3.credentials.iot.us-east-1.amazonaws.com/role-aliases/a/credentials", null, "c1a2b3", "us-east-1", "c1a2b3.credentials.iot.us-east-1.amazonaws.com")]
    [InlineData("c1a2b3.credentials.iot.us-east-1.amazonaws.com:8443", null, "c1a2b3", "us-east-1", "c1a2b3.credentials.iot.us-east-1.amazonaws.com")]
    [InlineData("c9.credentials.iot.cn-north-1.amazonaws.com.cn", null, "c9", "cn-north-1", "c9.credentials.iot.cn-north-1.amazonaws.com.cn")]
    public void Parse_ReadsPrefixRegionAndHost(string value, string? region, string prefix, string? expectedRegion, string? host)
    {
        var name = CredentialEndpointName.Parse(value, region)!;
        Assert.Equal(prefix, name.Prefix);
        Assert.Equal(expectedRegion, name.Region);
        Assert.Equal(host, name.Host);
    }

    [Theory]
    [InlineData("c1.credentials.iot.us-east-1.amazonaws.com", null)]
    [InlineData("https://c1.credentials.iot.us-east-1.amazonaws.com", null)]
    [InlineData("https://c1.credentials.iot.us-east-1.amazonaws.com:443/", null)]
    [InlineData("https://c1.credentials.iot.us-east-1.amazonaws.com:8443/", 8443)]
    [InlineData("c1.credentials.iot.us-east-1.amazonaws.com:9443", 9443)]
    public void Parse_ReadsThePort(string value, int? port) => Assert.Equal(port, CredentialEndpointName.Parse(value)!.Port);

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void Parse_NothingGivesNull(string? value) => Assert.Null(CredentialEndpointName.Parse(value, "us-east-1"));

    [Theory]
    [InlineData("pre+fix")]
    [InlineData("creds.example.com")]
    [InlineData("c1.credentials.iot.us-east-1.example.com")]
    [InlineData("c1.credentials.iot.cn-north-1.amazonaws.com")]
    [InlineData("-c1")]
    [InlineData("c1.credentials.iot.us-east-1.amazonaws.com:http")]
    [InlineData("c1.credentials.iot.us-east-1.amazonaws.com:70000")]
    public void Parse_RefusesWhatCannotBeAnEndpoint(string value)
    {
        var ex = Assert.Throws<ZymException>(() => CredentialEndpointName.Parse(value));
        Assert.Equal(CredentialEndpointName.InvalidErrorId, ex.ErrorId);
        Assert.Equal(ZymErrorCategory.InvalidArgument, ex.Category);
        Assert.Equal(value, ex.Target);
    }

    [Fact]
    public void Parse_RefusesAHostWhoseRegionContradictsTheRegionGiven()
    {
        var ex = Assert.Throws<ZymException>(() => CredentialEndpointName.Parse("c1.credentials.iot.us-east-1.amazonaws.com", "eu-west-1"));
        Assert.Contains("us-east-1", ex.Message);
        Assert.Contains("eu-west-1", ex.Message);
    }

    [Fact]
    public void Format_UsesThePartitionsDnsSuffix()
    {
        Assert.Equal("p.credentials.iot.us-west-2.amazonaws.com", CredentialEndpointName.Format("p", "us-west-2"));
        Assert.Equal("p.credentials.iot.cn-northwest-1.amazonaws.com.cn", CredentialEndpointName.Format("p", "cn-northwest-1"));
    }
}
