using ZymAws.Engine.Tests.Infrastructure;

namespace ZymAws.Engine.Tests.Aws;

/// <summary>A CA and what it signs, made with the openssl CLI in a temporary folder (deleted on dispose).</summary>
public sealed class TestCertificates : IDisposable
{
    private TestCertificates(string folder)
    {
        Folder = folder;
    }

    public string Folder { get; }

    public string CaCertificatePem { get; private set; } = string.Empty;

    public static async Task<TestCertificates> CreateCaAsync(string commonName)
    {
        string folder = Directory.CreateTempSubdirectory("zymaws-certs-").FullName;
        var certs = new TestCertificates(folder);
        await OpenSslAsync("ecparam", "-genkey", "-name", "prime256v1", "-noout", "-out", certs.PathOf("ca.key"));
        await OpenSslAsync("req", "-x509", "-new", "-sha256", "-key", certs.PathOf("ca.key"), "-days", "30", "-subj", "/O=ZymAws Tests/CN=" + commonName,
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign", "-out", certs.PathOf("ca.pem"));
        certs.CaCertificatePem = await File.ReadAllTextAsync(certs.PathOf("ca.pem"));
        return certs;
    }

    /// <summary>A new key and CSR; returns the CSR PEM.</summary>
    public Task<string> CreateCsrAsync(string commonName) => CreateCsrAsync(commonName, Guid.NewGuid().ToString("N"));

    private async Task<string> CreateCsrAsync(string commonName, string name)
    {
        await OpenSslAsync("ecparam", "-genkey", "-name", "prime256v1", "-noout", "-out", PathOf(name + ".key"));
        await OpenSslAsync("req", "-new", "-sha256", "-key", PathOf(name + ".key"), "-subj", "/CN=" + commonName, "-out", PathOf(name + ".csr"));
        return await File.ReadAllTextAsync(PathOf(name + ".csr"));
    }

    /// <summary>A device certificate signed by the CA; returns its PEM.</summary>
    public async Task<string> IssueAsync(string commonName)
    {
        string name = Guid.NewGuid().ToString("N");
        await CreateCsrAsync(commonName, name);
        await OpenSslAsync("x509", "-req", "-sha256", "-in", PathOf(name + ".csr"), "-CA", PathOf("ca.pem"), "-CAkey", PathOf("ca.key"),
            "-set_serial", "0x" + Convert.ToHexString(Guid.NewGuid().ToByteArray()), "-days", "10", "-out", PathOf(name + ".pem"));
        return await File.ReadAllTextAsync(PathOf(name + ".pem"));
    }

    /// <summary>The SHA-256 fingerprint openssl reports, lowercase hex without colons: AWS IoT's certificate id.</summary>
    public async Task<string> FingerprintAsync(string certificatePem)
    {
        string file = PathOf(Guid.NewGuid().ToString("N") + ".pem");
        await File.WriteAllTextAsync(file, certificatePem);
        var result = await ExternalProcess.RunAsync("openssl", new[] { "x509", "-in", file, "-noout", "-fingerprint", "-sha256" });
        string value = result.StandardOutput.Trim();
        return value[(value.IndexOf('=') + 1)..].Replace(":", string.Empty).ToLowerInvariant();
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private string PathOf(string file) => Path.Combine(Folder, file);

    private static async Task OpenSslAsync(params string[] args)
    {
        var result = await ExternalProcess.RunAsync("openssl", args);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"openssl {string.Join(' ', args)} failed: {result.StandardError}");
        }
    }
}
