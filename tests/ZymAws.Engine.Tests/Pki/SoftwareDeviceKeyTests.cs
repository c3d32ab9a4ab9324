using System.Security.Cryptography;
using System.Text;
using Xunit;
using ZymAws.Engine.Keys;

namespace ZymAws.Engine.Tests.Pki;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // file modes are a Unix notion
public sealed class SoftwareDeviceKeyTests : IDisposable
{
    private const string Pass = "s3cret pass, with spaces";
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(DeviceKeyAlgorithm.EcP256, "EC P-256", 256)]
    [InlineData(DeviceKeyAlgorithm.EcP384, "EC P-384", 384)]
    public void Generate_SignsDigestsAnyEcdsaVerifierAccepts(DeviceKeyAlgorithm algorithm, string description, int bits)
    {
        using var key = SoftwareDeviceKey.Generate(algorithm);
        byte[] digest = SHA256.HashData(Encoding.UTF8.GetBytes("hello"));

        byte[] signature = key.SignSha256Digest(digest);

        Assert.Equal(description, key.KeyAlgorithm);
        Assert.Equal(bits, key.KeySize);
        using var verifier = ECDsa.Create();
        verifier.ImportSubjectPublicKeyInfo(key.GetSubjectPublicKeyInfo(), out _);
        Assert.True(verifier.VerifyHash(digest, signature, DSASignatureFormat.Rfc3279DerSequence));
        digest[0] ^= 1;
        Assert.False(verifier.VerifyHash(digest, signature, DSASignatureFormat.Rfc3279DerSequence));
    }

    [Fact]
    public void Generate_Rsa_IsRefused()
    {
        var ex = Assert.Throws<ZymException>(() => SoftwareDeviceKey.Generate(DeviceKeyAlgorithm.Rsa));
        Assert.Equal("KeyAlgorithmUnsupported", ex.ErrorId);
    }

    [Fact]
    public void SaveEncrypted_IsPbes2Aes256Pbkdf2Sha256_OwnerOnly_AndOpensslReadsIt()
    {
        using var key = SoftwareDeviceKey.Generate();
        key.Save(_dir["dev.key"], KeyProtection.WithPassphrase(Pass.ToCharArray()));

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_dir["dev.key"]));
        string asn1 = OpenSsl.Ok(_dir.Path, "asn1parse", "-in", "dev.key");
        Assert.Contains("PBES2", asn1);
        Assert.Contains("PBKDF2", asn1);
        Assert.Contains("hmacWithSHA256", asn1);
        Assert.Contains("aes-256-cbc", asn1);
        Assert.Contains(":0927C0", asn1); // 600000 iterations
        string pub = OpenSsl.Ok(_dir.Path, "pkey", "-in", "dev.key", "-passin", "pass:" + Pass, "-pubout");
        Assert.Equal(key.GetSubjectPublicKeyInfo(), PemBody(pub));
        Assert.NotEqual(0, OpenSsl.Run(_dir.Path, "pkey", "-in", "dev.key", "-passin", "pass:wrong", "-noout").ExitCode);

        using var loaded = SoftwareDeviceKey.Load(_dir["dev.key"], Pass.ToCharArray());
        Assert.Equal(key.GetSubjectPublicKeyInfo(), loaded.GetSubjectPublicKeyInfo());
        Assert.True(loaded.WasEncrypted);
    }

    [Fact]
    public void WrongOrMissingPassphrase_IsAClearErrorWithoutSecrets()
    {
        using var key = SoftwareDeviceKey.Generate();
        key.Save(_dir["dev.key"], KeyProtection.WithPassphrase(Pass.ToCharArray(), 10_000));
        string unencrypted = key.ToPkcs8Pem(KeyProtection.None);

        var wrong = Assert.Throws<ZymException>(() => SoftwareDeviceKey.Load(_dir["dev.key"], "not it".ToCharArray()));
        var missing = Assert.Throws<ZymException>(() => SoftwareDeviceKey.Load(_dir["dev.key"]));

        Assert.Equal("KeyPassphraseIncorrect", wrong.ErrorId);
        Assert.Equal(ZymErrorCategory.AuthenticationError, wrong.Category);
        Assert.Equal(_dir["dev.key"], wrong.Target);
        Assert.Equal("KeyPassphraseRequired", missing.ErrorId);
        foreach (var ex in new[] { wrong, missing })
        {
            string all = ex.ToString();
            Assert.DoesNotContain("not it", all);
            Assert.DoesNotContain(Pass, all);
            Assert.DoesNotContain(PemBase64(unencrypted).Substring(0, 40), all);
            Assert.Null(ex.InnerException);
        }
    }

    [Fact]
    public void SaveWithoutPassphrase_IsPlainPkcs8_OwnerOnly()
    {
        using var key = SoftwareDeviceKey.Generate(DeviceKeyAlgorithm.EcP384);
        key.Save(_dir["plain.key"], KeyProtection.None);

        Assert.StartsWith("-----BEGIN PRIVATE KEY-----\n", File.ReadAllText(_dir["plain.key"]), StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_dir["plain.key"]));
        Assert.Contains("secp384r1", OpenSsl.Ok(_dir.Path, "pkey", "-in", "plain.key", "-noout", "-text"));
    }

    [Fact]
    public void Save_OverAnExistingFile_IsFileExists_UnlessOverwrite()
    {
        using var key = SoftwareDeviceKey.Generate();
        File.WriteAllText(_dir["dev.key"], "keep me");

        var ex = Assert.Throws<ZymException>(() => key.Save(_dir["dev.key"], KeyProtection.None));

        Assert.Equal("FileExists", ex.ErrorId);
        Assert.Equal("keep me", File.ReadAllText(_dir["dev.key"]));
        key.Save(_dir["dev.key"], KeyProtection.None, overwrite: true);
        Assert.Contains("PRIVATE KEY", File.ReadAllText(_dir["dev.key"]));
    }

    [Fact]
    public void EmptyPassphrase_IsRefused()
    {
        var ex = Assert.Throws<ZymException>(() => KeyProtection.WithPassphrase(Array.Empty<char>()));
        Assert.Equal("KeyPassphraseRequired", ex.ErrorId);
    }

    public static TheoryData<string, string[][], string?, DeviceKeyAlgorithm> OpensslKeys => new()
    {
        // name, openssl commands (run in order; the key ends up in k.key), passphrase, algorithm
        { "SEC1 with EC PARAMETERS (openssl ecparam -genkey)", new[] { new[] { "ecparam", "-genkey", "-name", "prime256v1", "-out", "k.key" } }, null, DeviceKeyAlgorithm.EcP256 },
        { "SEC1 without parameters block", new[] { new[] { "ecparam", "-genkey", "-name", "secp384r1", "-noout", "-out", "k.key" } }, null, DeviceKeyAlgorithm.EcP384 },
        { "PKCS#8 EC (genpkey)", new[] { new[] { "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "k.key" } }, null, DeviceKeyAlgorithm.EcP256 },
        { "encrypted PKCS#8, openssl defaults", new[] { new[] { "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-aes-256-cbc", "-pass", "pass:" + Pass, "-out", "k.key" } }, Pass, DeviceKeyAlgorithm.EcP256 },
        { "encrypted PKCS#8, 3DES + HMAC-SHA1", new[] { new[] { "ecparam", "-genkey", "-name", "prime256v1", "-noout", "-out", "raw.key" }, new[] { "pkcs8", "-topk8", "-in", "raw.key", "-v2", "des3", "-v2prf", "hmacWithSHA1", "-passout", "pass:" + Pass, "-out", "k.key" } }, Pass, DeviceKeyAlgorithm.EcP256 },
        { "encrypted PKCS#8, PBES1 (SHA1 + 3DES)", new[] { new[] { "ecparam", "-genkey", "-name", "prime256v1", "-noout", "-out", "raw.key" }, new[] { "pkcs8", "-topk8", "-in", "raw.key", "-v1", "PBE-SHA1-3DES", "-passout", "pass:" + Pass, "-out", "k.key" } }, Pass, DeviceKeyAlgorithm.EcP256 },
        { "legacy encrypted SEC1 (openssl ec -aes256)", new[] { new[] { "ecparam", "-genkey", "-name", "prime256v1", "-noout", "-out", "raw.key" }, new[] { "ec", "-in", "raw.key", "-aes256", "-passout", "pass:" + Pass, "-out", "k.key" } }, Pass, DeviceKeyAlgorithm.EcP256 },
        { "RSA PRIVATE KEY (PKCS#1)", new[] { new[] { "genrsa", "-traditional", "-out", "k.key", "2048" } }, null, DeviceKeyAlgorithm.Rsa },
        { "PKCS#8 RSA", new[] { new[] { "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "k.key" } }, null, DeviceKeyAlgorithm.Rsa },
        { "DER PKCS#8 EC", new[] { new[] { "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "raw.key" }, new[] { "pkey", "-in", "raw.key", "-outform", "DER", "-out", "k.key" } }, null, DeviceKeyAlgorithm.EcP256 },
        { "DER SEC1 EC", new[] { new[] { "ecparam", "-genkey", "-name", "prime256v1", "-noout", "-out", "raw.key" }, new[] { "ec", "-in", "raw.key", "-outform", "DER", "-out", "k.key" } }, null, DeviceKeyAlgorithm.EcP256 },
    };

    [Theory]
    [MemberData(nameof(OpensslKeys))]
    public void Load_ReadsWhatOpensslWrites(string name, string[][] commands, string? passphrase, DeviceKeyAlgorithm algorithm)
    {
        foreach (var command in commands)
        {
            OpenSsl.Ok(_dir.Path, command);
        }

        using var key = SoftwareDeviceKey.Load(_dir["k.key"], passphrase?.ToCharArray());

        Assert.Equal(algorithm, key.Algorithm);
        Assert.Equal(passphrase is not null, key.WasEncrypted);
        var passArgs = passphrase is null ? Array.Empty<string>() : new[] { "-passin", "pass:" + passphrase };
        string inform = name.StartsWith("DER", StringComparison.Ordinal) ? "DER" : "PEM";
        string pub = OpenSsl.Ok(_dir.Path, new[] { "pkey", "-in", "k.key", "-inform", inform, "-pubout" }.Concat(passArgs).ToArray());
        Assert.Equal(PemBody(pub), key.GetSubjectPublicKeyInfo());
        Assert.DoesNotContain("PRIVATE", key.ToString());
    }

    [Fact]
    public void Load_PemWithCrlfAndSurroundingText_Works()
    {
        OpenSsl.Ok(_dir.Path, "ecparam", "-genkey", "-name", "prime256v1", "-out", "k.key");
        string text = "key for device 7:\r\n" + File.ReadAllText(_dir["k.key"]).Replace("\n", "\r\n") + "\r\n(end)\r\n";
        File.WriteAllText(_dir["crlf.key"], text);

        using var key = SoftwareDeviceKey.Load(_dir["crlf.key"]);

        Assert.Equal(DeviceKeyAlgorithm.EcP256, key.Algorithm);
    }

    [Theory]
    [InlineData("RSA 1024", new[] { "genrsa", "-out", "k.key", "1024" })]
    [InlineData("secp256k1", new[] { "ecparam", "-genkey", "-name", "secp256k1", "-noout", "-out", "k.key" })]
    [InlineData("Ed25519", new[] { "genpkey", "-algorithm", "ED25519", "-out", "k.key" })]
    public void Load_UnsupportedKey_IsKeyAlgorithmUnsupported(string what, string[] command)
    {
        OpenSsl.Ok(_dir.Path, command);

        var ex = Assert.Throws<ZymException>(() => SoftwareDeviceKey.Load(_dir["k.key"]));

        Assert.True(ex.ErrorId == "KeyAlgorithmUnsupported", what + ": " + ex.Message);
        Assert.Equal(ZymErrorCategory.InvalidData, ex.Category);
    }

    [Fact]
    public void Load_BrokenInputs_AreKeyMalformed()
    {
        OpenSsl.Ok(_dir.Path, "ecparam", "-genkey", "-name", "prime256v1", "-noout", "-out", "k.key");
        string good = File.ReadAllText(_dir["k.key"]);
        var cases = new Dictionary<string, string>
        {
            ["truncated.key"] = good.Substring(0, good.Length / 2),
            ["corrupt.key"] = good.Replace(good.Split('\n')[1], "!!!!" + good.Split('\n')[1].Substring(4)),
            ["cert.key"] = "-----BEGIN CERTIFICATE-----\nMAMCAQA=\n-----END CERTIFICATE-----\n",
            ["empty.key"] = string.Empty,
            ["garbage.key"] = "this is not a key",
            ["shortbody.key"] = "-----BEGIN EC PRIVATE KEY-----\nMAMCAQA=\n-----END EC PRIVATE KEY-----\n",
        };
        foreach (var (file, content) in cases)
        {
            File.WriteAllText(_dir[file], content);
            var ex = Assert.Throws<ZymException>(() => SoftwareDeviceKey.Load(_dir[file]));
            Assert.True(ex.ErrorId == "KeyMalformed", $"{file}: {ex.ErrorId} {ex.Message}");
            Assert.Equal(_dir[file], ex.Target);
        }

        var missing = Assert.Throws<ZymException>(() => SoftwareDeviceKey.Load(_dir["nope.key"]));
        Assert.Equal("FileNotFound", missing.ErrorId);
        Assert.Equal(ZymErrorCategory.ObjectNotFound, missing.Category);
    }

    [Fact]
    public void DescriptionAndToString_ShowNoKeyMaterial()
    {
        using var key = SoftwareDeviceKey.Generate();
        key.Save(_dir["dev.key"], KeyProtection.None);
        string pem = File.ReadAllText(_dir["dev.key"]);

        Assert.Equal($"software key EC P-256 {_dir["dev.key"]}", key.Description);
        Assert.Equal(key.Description, key.ToString());
        Assert.DoesNotContain(PemBase64(pem).Substring(0, 20), key.ToString());
    }

    private static byte[] PemBody(string pem) => Convert.FromBase64String(PemBase64(pem));

    private static string PemBase64(string pem) => string.Concat(pem.Split('\n').Where(l => l.Length > 0 && !l.StartsWith("-----", StringComparison.Ordinal)).Select(l => l.Trim()));
}
