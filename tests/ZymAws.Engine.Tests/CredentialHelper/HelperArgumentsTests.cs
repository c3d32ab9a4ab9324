using Xunit;
using ZymAws.CredentialHelper;
using ZymAws.Engine.DeviceCredentials;
using ZymAws.Engine.Keys;

namespace ZymAws.Engine.Tests.CredentialHelper;

/// <summary>
/// zymaws-credential's command line: every profile Install-ZymCredentialProcess writes (CredentialProcessCommand.Native)
/// parses back into the same options; wrong command lines are usage errors; engine errors read in the helper's terms.
/// </summary>
public sealed class HelperArgumentsTests
{
    [Fact]
    public void TheProfileCommandLine_ParsesBackIntoTheSameOptions()
    {
        var written = new DeviceCredentialOptions
        {
            CertificatePath = "/opt/zymbit/device.crt",
            Key = new DeviceKeySpec { KeyPath = "/opt/zymbit/device key.pem" },
            ThingName = "thing-1",
            RoleAlias = "alias",
            CredentialEndpoint = "c1234.credentials.iot.eu-west-1.amazonaws.com",
            Region = "eu-west-1",
            ConnectAddress = "127.0.0.1:8443",
            ServerCaCertificatePath = "/opt/zymbit/it's-ca.pem",
            CacheDirectory = "/var/cache/zymaws",
        };

        var args = ShellSplit(CredentialProcessCommand.Native("/m/bin/linux-x64/zymaws-credential", written, "/usr/local/lib/libzk_app_utils.so"));
        Assert.Equal("/m/bin/linux-x64/zymaws-credential", args[0]);
        var parsed = HelperArguments.Parse(args.Skip(1).ToList());
        var read = parsed.ToDeviceOptions();

        Assert.Equal(HelperArguments.CredentialProcess, parsed.Command);
        Assert.Equal(
            (written.CertificatePath, written.Key.KeyPath, written.Key.Slot, written.ThingName, written.NoThingName, written.RoleAlias, written.CredentialEndpoint, written.Region, written.ConnectAddress, written.ServerCaCertificatePath, written.CacheDirectory),
            (read.CertificatePath, read.Key.KeyPath, read.Key.Slot, read.ThingName, read.NoThingName, read.RoleAlias, read.CredentialEndpoint, read.Region, read.ConnectAddress, read.ServerCaCertificatePath, read.CacheDirectory));
        Assert.Equal("/usr/local/lib/libzk_app_utils.so", parsed.ToZymkeyOptions().LibraryPath);
        Assert.False(read.Refresh);
    }

    [Fact]
    public void AZymkeySlotProfile_WithoutAThingName_ParsesBack_AndDefaultsTheCacheToTheSharedFolder()
    {
        var written = new DeviceCredentialOptions { CertificatePath = "/d/device.crt", Key = new DeviceKeySpec { Slot = 3 }, NoThingName = true };

        var read = HelperArguments.Parse(ShellSplit(CredentialProcessCommand.Native("zymaws-credential", written, null)).Skip(1).ToList()).ToDeviceOptions();

        Assert.Equal(3, read.Key.Slot);
        Assert.Null(read.Key.KeyPath);
        Assert.Equal(DeviceKeySourceKind.Zymkey, read.Key.Resolve(null));
        Assert.True(read.NoThingName);
        Assert.Equal(DeviceCredentialCache.DefaultDirectory, read.CacheDirectory);
    }

    [Theory]
    [InlineData(new[] { "fetch" }, "'fetch' is not a command")]
    [InlineData(new string[0], "Name a command")]
    [InlineData(new[] { "credential-process", "--bogus" }, "Unknown option '--bogus'")]
    [InlineData(new[] { "credential-process", "--port", "1" }, "'--port' does not go with 'credential-process'")]
    [InlineData(new[] { "serve", "--port" }, "'--port' needs a value")]
    [InlineData(new[] { "serve", "--port", "70000" }, "'--port' takes a whole number from 0 to 65535")]
    [InlineData(new[] { "inspect", "--key", "k", "--zymkey-slot", "1" }, "give one of them")]
    [InlineData(new[] { "inspect", "--thing-name", "t", "--no-thing-name" }, "contradict")]
    [InlineData(new[] { "inspect", "--json=yes" }, "'--json' takes no value")]
    [InlineData(new[] { "inspect", "--region", "a", "--region=b" }, "given twice")]
    [InlineData(new[] { "update", "stray" }, "Unexpected argument 'stray'")]
    public void AWrongCommandLine_IsAUsageError(string[] args, string message)
    {
        var e = Assert.Throws<UsageException>(() =>
        {
            var parsed = HelperArguments.Parse(args);
            parsed.Int("--port", 9911, 0, 65535);
        });
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HelpAndVersion_NeedNoCommand_AndOptionsTakeEitherSpelling()
    {
        Assert.True(HelperArguments.Parse(new[] { "--help" }).Help);
        Assert.Equal(HelperArguments.Serve, HelperArguments.Parse(new[] { "help", "serve" }).Command);
        Assert.True(HelperArguments.Parse(new[] { "--version" }).Version);
        var parsed = HelperArguments.Parse(new[] { "serve", "--port=0", "-v", "--role-name", "r" });
        Assert.Equal(0, parsed.Int("--port", 9911, 0, 65535));
        Assert.True(parsed.Verbose);
        Assert.Equal("r", parsed.Get("--role-name"));
        foreach (string command in HelperArguments.Commands)
        {
            Assert.Contains("Usage: zymaws-credential " + command, HelpText.For(command), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void EngineErrors_NameTheHelpersOptions_AndMapToOneExitCodeEach()
    {
        Assert.Equal("give --role-alias (or --endpoint, --key, --zymkey-slot); -RoleAliasX and Get-ZymAwsCredential stay",
            ExitCodes.InCommandLineTerms("give -RoleAlias (or -CredentialEndpoint, -KeyPath, -Slot); -RoleAliasX and Get-ZymAwsCredential stay"));

        Assert.Equal(ExitCodes.Refused, ExitCodes.For(new CredentialProviderException("CredentialAccessDenied", ZymErrorCategory.PermissionDenied, "403", null)));
        Assert.Equal(ExitCodes.Unavailable, ExitCodes.For(new CredentialProviderException("CredentialEndpointUnreachable", ZymErrorCategory.ConnectionError, "down", null)));
        Assert.Equal(ExitCodes.Unavailable, ExitCodes.For(new CredentialProviderException("CredentialProviderUnavailable", ZymErrorCategory.ResourceUnavailable, "503", null)));
        Assert.Equal(ExitCodes.Configuration, ExitCodes.For(new CredentialProviderException("CredentialServerUntrusted", ZymErrorCategory.SecurityError, "trust", null)));
        Assert.Equal(ExitCodes.Configuration, ExitCodes.For(new ZymException("FileNotFound", ZymErrorCategory.ObjectNotFound, "missing", null)));
        Assert.Equal(ExitCodes.Internal, ExitCodes.For(new InvalidOperationException("bug")));
    }

    /// <summary>Splits a command line as the AWS CLI does (POSIX shell words: single quotes, '\'' escapes).</summary>
    private static List<string> ShellSplit(string line)
    {
        var words = new List<string>();
        var word = new System.Text.StringBuilder();
        bool inWord = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (c == '\'')
            {
                int end = line.IndexOf('\'', i + 1);
                word.Append(line, i + 1, end - i - 1);
                i = end;
                inWord = true;
            }
            else if (c == '\\' && i + 1 < line.Length)
            {
                word.Append(line[++i]);
                inWord = true;
            }
            else if (c == ' ')
            {
                if (inWord)
                {
                    words.Add(word.ToString());
                    word.Clear();
                    inWord = false;
                }
            }
            else
            {
                word.Append(c);
                inWord = true;
            }
        }

        if (inWord)
        {
            words.Add(word.ToString());
        }

        return words;
    }
}
