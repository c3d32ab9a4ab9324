using Xunit;
using ZymAws.Engine.Pki;
using ZymAws.Engine.Provisioning;
using ZymAws.Engine.Tests.Pki;

namespace ZymAws.Engine.Tests.Provisioning;

/// <summary>What an input item is (DeviceRequests): inputs that are not certificates say so, not "No thing name".</summary>
public sealed class DeviceRequestsInputKindTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static DeviceProvisioningRequest Build(DeviceInput input, string? thing = null) => DeviceRequests.Build(input, thing, null, null, null, input);

    [Theory]
    [InlineData("", "it is empty")]
    [InlineData("   \n", "it is empty")]
    [InlineData("this is not a certificate", "it contains no PEM CERTIFICATE")]
    [InlineData("-----BEGIN PRIVATE KEY-----\nMAA=\n-----END PRIVATE KEY-----\n", "it holds PRIVATE KEY, not a CERTIFICATE")]
    public void AFileThatIsNotACertificate_SaysWhatItIs(string content, string reason)
    {
        File.WriteAllText(_dir["in.pem"], content);
        var error = Assert.Throws<ZymException>(() => Build(new DeviceInput { FullPath = _dir["in.pem"] }));
        Assert.Equal(PkiErrorIds.CertificateMalformed, error.ErrorId);
        Assert.Equal(ZymErrorCategory.InvalidData, error.Category);
        Assert.Equal($"'{_dir["in.pem"]}' is not a certificate or CSR: {reason}.", error.Message);
    }

    [Fact]
    public void AnEmptyFile_IsRefusedEvenWithAThingName_AndGarbageWithOneIsLeftToTheDevicesValidation()
    {
        File.WriteAllText(_dir["empty.pem"], string.Empty);
        Assert.Equal(PkiErrorIds.CertificateMalformed, Assert.Throws<ZymException>(() => Build(new DeviceInput { Path = _dir["empty.pem"] }, "dev-1")).ErrorId);

        File.WriteAllText(_dir["garbage.pem"], "garbage");
        var request = Build(new DeviceInput { Path = _dir["garbage.pem"] }, "dev-1");
        Assert.Equal("dev-1", request.ThingName);
    }

    [Fact]
    public void ACertificateOrCsr_NamesItsThingFromItsCn()
    {
        using var pki = TestPki.Create("Requests CA");
        Assert.Equal("from-cert", Build(new DeviceInput { CertificatePem = pki.IssuePem("from-cert") }).ThingName);
        var (csr, _) = TestPki.CreateCsr("from-csr");
        Assert.Equal("from-csr", Build(new DeviceInput { Text = csr }).ThingName);
    }

    [Fact]
    public void ARowWithAnEmptyCertificateColumn_AndACsr_IsTheCsr()
    {
        var (csr, _) = TestPki.CreateCsr("row-csr");
        var request = Build(new DeviceInput { CertificatePem = string.Empty, CsrPem = csr });
        Assert.Equal("row-csr", request.ThingName);
        Assert.Equal(csr, request.CsrPem);
    }
}
