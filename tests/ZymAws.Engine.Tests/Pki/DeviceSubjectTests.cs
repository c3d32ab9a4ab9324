using Xunit;
using ZymAws.Engine.Keys;
using ZymAws.Engine.Pki;

namespace ZymAws.Engine.Tests.Pki;

public sealed class DeviceSubjectTests : IDisposable
{
    // Every character RFC 4514 treats specially, plus non-ASCII, leading/trailing spaces and a leading '#'.
    private const string TrickyPolicy = "#Zym,Policy+\"q\"\\b;<x>=y";
    private const string TrickyEndpoint = "c1a2";
    private const string TrickyAlias = " Rôle é 中 ";
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("a")]
    [InlineData("sensor-0001")]
    [InlineData("Fleet_A:device-9")]
    public void ValidThingNames_AreAccepted(string name)
    {
        Assert.True(DeviceSubject.IsValidThingName(name));
        Assert.Equal(name, new DeviceSubject(name).ThingName);
    }

    [Fact]
    public void ThingNameOf128Characters_IsAccepted_129IsNot()
    {
        Assert.True(DeviceSubject.IsValidThingName(new string('a', 128)));
        Assert.False(DeviceSubject.IsValidThingName(new string('a', 129)));
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("two words")]
    [InlineData("dot.ted")]
    [InlineData("slash/ed")]
    [InlineData("comma,ed")]
    [InlineData("café")]
    [InlineData(null)]
    public void InvalidThingNames_AreThingNameInvalid(string? name)
    {
        Assert.False(DeviceSubject.IsValidThingName(name));
        var ex = Assert.Throws<ZymException>(() => new DeviceSubject(name!));
        Assert.Equal("ThingNameInvalid", ex.ErrorId);
        Assert.Equal(ZymErrorCategory.InvalidArgument, ex.Category);
        Assert.Equal(name, ex.Target);
    }

    [Fact]
    public void ControlCharacterInAField_IsSubjectInvalid()
    {
        var ex = Assert.Throws<ZymException>(() => new DeviceSubject("thing", iotPolicy: "bad\npolicy"));
        Assert.Equal("SubjectInvalid", ex.ErrorId);
    }

    [Theory]
    [InlineData("c1a2b3", "c1a2b3")]
    [InlineData("c1a2b3.credentials.iot.us-east-1.amazonaws.com", "c1a2b3")]
    [InlineData("https://c1a2b3.credentials.iot.us-east-1.amazonaws.com/", "c1a2b3")]
    public void CredentialEndpoint_IsReducedToItsPrefix(string given, string prefix)
    {
        var subject = new DeviceSubject("thing", region: "us-east-1", credentialEndpoint: given);
        Assert.Equal(prefix, subject.CredentialEndpoint);
        Assert.Equal($"{prefix}.credentials.iot.us-east-1.amazonaws.com", subject.CredentialEndpointHost);
        Assert.EndsWith(".amazonaws.com.cn", new DeviceSubject("thing", region: "cn-north-1", credentialEndpoint: prefix).CredentialEndpointHost, StringComparison.Ordinal);
    }

    [Fact]
    public void CredentialEndpointHost_GivesTheRegionWhenNoneIsGiven()
    {
        var subject = new DeviceSubject("thing", credentialEndpoint: "c1a2b3.credentials.iot.eu-west-1.amazonaws.com");
        Assert.Equal("eu-west-1", subject.Region);
        Assert.Equal("c1a2b3", subject.CredentialEndpoint);
    }

    [Fact]
    public void CredentialEndpointHost_ContradictingTheRegion_IsRefused()
    {
        var ex = Assert.Throws<ZymException>(() => new DeviceSubject("thing", region: "eu-west-1", credentialEndpoint: "c1.credentials.iot.us-east-1.amazonaws.com"));
        Assert.Equal("CredentialEndpointInvalid", ex.ErrorId);
    }

    [Fact]
    public void DistinguishedName_RoundTripsEverySpecialCharacter()
    {
        var subject = new DeviceSubject("thing-1", TrickyPolicy, "us-east-1", TrickyEndpoint, TrickyAlias);

        string dn = subject.ToDistinguishedName();

        Assert.Equal("CN=thing-1,OU=\\ Rôle é 中\\ ,O=c1a2,L=us-east-1,ST=\\#Zym\\,Policy\\+\\\"q\\\"\\\\b\\;\\<x\\>=y", dn);
        Assert.Equal(subject, DeviceSubject.Parse(dn));
    }

    [Fact]
    public void Parse_AcceptsHexEscapesQuotesAndSlashForm()
    {
        Assert.Equal("é", DeviceSubject.Parse("CN=t,OU=\\C3\\A9").RoleAlias);
        Assert.Equal("a,b", DeviceSubject.Parse("CN=t,OU=\"a,b\"").RoleAlias);
        var slash = DeviceSubject.Parse("/ST=pol/L=us-east-1/O=c123/OU=alias/CN=thing");
        Assert.Equal(new DeviceSubject("thing", "pol", "us-east-1", "c123", "alias"), slash);
    }

    [Fact]
    public void OpensslSubject_WithSpecialCharacters_IsReadBackExactly()
    {
        // The seed's layout, typed the way openssl wants it (-utf8, '\' escapes '+' and '\').
        OpenSsl.Ok(_dir.Path, "ecparam", "-genkey", "-name", "prime256v1", "-noout", "-out", "k.key");
        string subj = "/ST=" + TrickyPolicy.Replace("\\", "\\\\").Replace("+", "\\+") + "/L=us-east-1/O=" + TrickyEndpoint + "/OU=" + TrickyAlias + "/CN=thing-1";
        OpenSsl.Ok(_dir.Path, "req", "-new", "-key", "k.key", "-utf8", "-subj", subj, "-out", "t.csr");

        var csr = SigningRequest.Load(_dir["t.csr"]);

        Assert.Equal(new DeviceSubject("thing-1", TrickyPolicy, "us-east-1", TrickyEndpoint, TrickyAlias), csr.DeviceSubject);
        string opensslView = OpenSsl.Ok(_dir.Path, "req", "-in", "t.csr", "-noout", "-subject", "-nameopt", "RFC2253,-esc_msb").Trim();
        Assert.Equal("subject=" + csr.Subject, opensslView);
    }

    [Fact]
    public void OurSubject_WithSpecialCharacters_IsWhatOpensslReads()
    {
        var subject = new DeviceSubject("thing-1", TrickyPolicy, "us-east-1", TrickyEndpoint, TrickyAlias);
        using var key = SoftwareDeviceKey.Generate();
        File.WriteAllText(_dir["ours.csr"], SigningRequest.Create(key, subject).Pem);

        string opensslView = OpenSsl.Ok(_dir.Path, "req", "-in", "ours.csr", "-noout", "-subject", "-nameopt", "RFC2253,-esc_msb").Trim();
        Assert.Equal("subject=" + subject.ToDistinguishedName(), opensslView);

        // Each value is one UTF8String, in the seed's order ST, L, O, OU, CN.
        string asn1 = OpenSsl.Ok(_dir.Path, "asn1parse", "-in", "ours.csr");
        var values = asn1.Split('\n').Where(l => l.Contains("UTF8STRING", StringComparison.Ordinal)).Select(l => l.Substring(l.IndexOf(':', l.IndexOf("UTF8STRING", StringComparison.Ordinal)) + 1)).ToArray();
        Assert.Equal(new[] { TrickyPolicy, "us-east-1", TrickyEndpoint, TrickyAlias, "thing-1" }, values);
    }
}
