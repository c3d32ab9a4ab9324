using Xunit;
using ZymAws.Engine.Provisioning;

namespace ZymAws.Engine.Tests.Provisioning;

/// <summary>
/// What an input item is (DeviceRequests.Build): rows, files and PEM; the files a request came from (results carry them
/// so a re-imported result can be retried); and what the error says when a row names no certificate or CSR.
/// </summary>
public sealed class DeviceRequestsTests : IDisposable
{
    private readonly TestPki _pki = TestPki.Create("DeviceRequests CA");
    private readonly string _folder = Directory.CreateTempSubdirectory("zym-requests-").FullName;

    public void Dispose()
    {
        _pki.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, text);
        return path;
    }

    private DeviceInput Row(params string[] columns) => new() { Columns = columns, ResolvePath = p => Path.Combine(_folder, p) };

    [Fact]
    public void A_row_with_a_certificate_file_reads_it_and_keeps_its_full_path()
    {
        var pem = _pki.IssuePem("dev-1");
        var full = Write("dev-1.pem", pem);
        var input = Row("ThingName", "CertificatePath");
        input.CertificatePath = "dev-1.pem";

        var request = DeviceRequests.Build(input, "dev-1", null, null, null, "row");

        Assert.Equal(pem, request.CertificatePem);
        Assert.Equal(full, request.CertificatePath);
        Assert.Null(request.CsrPem);
        Assert.Null(request.CsrPath);
    }

    [Fact]
    public void A_re_imported_result_with_pem_and_path_uses_the_pem_and_keeps_the_path_without_reading_it()
    {
        // An exported result names a file that may be gone by the retry: the PEM it carries is enough.
        var pem = _pki.IssuePem("dev-2");
        var input = Row("ThingName", "Status", "CertificateId", "CertificatePath", "CertificatePem", "CsrPath", "CsrPem");
        input.CertificatePem = pem;
        input.CertificatePath = "/nowhere/dev-2.pem";
        input.CsrPem = string.Empty;   // Import-Csv gives empty text for a null
        input.CsrPath = string.Empty;

        var request = DeviceRequests.Build(input, "dev-2", null, null, null, "row");

        Assert.Equal("dev-2", request.ThingName);
        Assert.Equal(pem, request.CertificatePem);
        Assert.Equal("/nowhere/dev-2.pem", request.CertificatePath);
        Assert.Null(request.CsrPem);
        Assert.Null(request.CsrPath);
    }

    [Fact]
    public void A_re_imported_result_of_a_csr_device_keeps_the_csr_and_its_file()
    {
        var (csr, _) = TestPki.CreateCsr("dev-3");
        var full = Write("dev-3.csr", csr);
        var input = Row("ThingName", "Status", "CertificatePath", "CertificatePem", "CsrPath", "CsrPem");
        input.CertificatePem = string.Empty;
        input.CertificatePath = string.Empty;
        input.CsrPath = full;

        var request = DeviceRequests.Build(input, null, null, null, null, "row");

        Assert.Equal("dev-3", request.ThingName);
        Assert.Equal(csr, request.CsrPem);
        Assert.Equal(full, request.CsrPath);
        Assert.Null(request.CertificatePem);
    }

    [Theory]
    [InlineData("dev-4.pem", false)]
    [InlineData("dev-4.csr", true)]
    public void A_file_is_told_apart_by_its_label_and_its_path_kept_for_that_kind(string name, bool isCsr)
    {
        var pem = isCsr ? TestPki.CreateCsr("dev-4").CsrPem : _pki.IssuePem("dev-4");
        var full = Write(name, pem);

        var request = DeviceRequests.Build(new DeviceInput { FullPath = full }, null, null, null, null, full);

        Assert.Equal("dev-4", request.ThingName);
        Assert.Equal(isCsr ? full : null, request.CsrPath);
        Assert.Equal(isCsr ? null : full, request.CertificatePath);
    }

    [Fact]
    public void Pem_text_has_no_file()
    {
        var request = DeviceRequests.Build(new DeviceInput { Text = _pki.IssuePem("dev-5") }, null, null, null, null, "text");

        Assert.Equal("dev-5", request.ThingName);
        Assert.Null(request.CertificatePath);
    }

    [Fact]
    public void A_fleet_csv_row_of_thing_and_key_says_which_columns_fit_and_that_it_is_for_New_ZymDeviceCsr()
    {
        var input = Row("ThingName", "KeyPath");

        var e = Assert.Throws<ZymException>(() => DeviceRequests.Build(input, "dev-6", null, null, null, "row"));

        Assert.Equal("DeviceInputUnsupported", e.ErrorId);
        Assert.Equal(ZymErrorCategory.InvalidArgument, e.Category);
        Assert.Equal("row", e.Target);
        Assert.Contains("ThingName, KeyPath", e.Message);
        foreach (var column in new[] { "CertificatePath", "CertificatePem", "CsrPath", "CsrPem" })
        {
            Assert.Contains(column, e.Message);
        }

        Assert.Contains("New-ZymDeviceCsr", e.Message);
        Assert.Contains("fleet.csv", e.Message);
    }

    [Fact]
    public void A_row_whose_certificate_columns_are_empty_says_so()
    {
        // A re-imported result of a device whose input could not be read (nothing to retry with).
        var input = Row("ThingName", "Status", "CertificatePath", "CertificatePem");

        var e = Assert.Throws<ZymException>(() => DeviceRequests.Build(input, "dev-7", null, null, null, "row"));

        Assert.Equal("DeviceInputUnsupported", e.ErrorId);
        Assert.StartsWith("This row's CertificatePath, CertificatePem are empty", e.Message);
        Assert.DoesNotContain("New-ZymDeviceCsr", e.Message);
    }

    [Fact]
    public void An_object_that_is_not_a_row_gets_the_general_message()
    {
        var e = Assert.Throws<ZymException>(() => DeviceRequests.Build(new DeviceInput(), "dev-8", null, null, null, 42));

        Assert.Equal("DeviceInputUnsupported", e.ErrorId);
        Assert.StartsWith("Cannot find a certificate or CSR in this input", e.Message);
    }

    [Fact]
    public void A_missing_file_named_by_a_row_is_an_IO_error_not_a_silent_empty_input()
    {
        var input = Row("ThingName", "CertificatePath");
        input.CertificatePath = "gone.pem";

        Assert.Throws<FileNotFoundException>(() => DeviceRequests.Build(input, "dev-9", null, null, null, "row"));
    }
}
