using System.Diagnostics;
using System.Runtime.InteropServices;
using Xunit;
using ZymAws.Zymkey;

namespace ZymAws.Engine.Tests.Zymkey;

/// <summary>
/// Tests that load the simulator. They share process-wide state (the native environment the simulator reads
/// at zkOpen, and the one Zymkey context per process), so they run one at a time.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SimulatorCollection : ICollectionFixture<SimulatorFixture>
{
    public const string Name = "ZymkeySimulator";
}

/// <summary>
/// Builds native/zksim (build.sh) when the library is missing or older than its source, and knows where it is.
/// </summary>
public sealed class SimulatorFixture
{
    public SimulatorFixture()
    {
        RepoRoot = FindRepoRoot();
        var simDir = Path.Combine(RepoRoot, "native", "zksim");
        LibraryPath = Path.Combine(simDir, "build", "libzk_app_utils.so");
        LegacyLibraryPath = Path.Combine(simDir, "build", "legacy", "libzk_app_utils.so");
        var source = new[] { "zksim.c", "zk_app_utils.h", "build.sh" }
            .Select(f => File.GetLastWriteTimeUtc(Path.Combine(simDir, f))).Max();
        if (!File.Exists(LibraryPath) || !File.Exists(LegacyLibraryPath)
            || File.GetLastWriteTimeUtc(LibraryPath) < source || File.GetLastWriteTimeUtc(LegacyLibraryPath) < source)
        {
            var result = Tools.Run("bash", new[] { Path.Combine(simDir, "build.sh") }, timeoutSeconds: 120);
            if (result.ExitCode != 0)
            {
                throw new InvalidOperationException($"native/zksim/build.sh failed ({result.ExitCode}): {result.StdErr}");
            }
        }

        // Grow the native environment once, here, so later updates replace values in place.
        SimulatorEnvironment.Reset();
    }

    public string RepoRoot { get; }

    public string LibraryPath { get; }

    public string LegacyLibraryPath { get; }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ZymAws.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Cannot find the repository root (ZymAws.sln) above " + AppContext.BaseDirectory);
    }
}

/// <summary>
/// The simulator's settings. The simulator reads the native environment (getenv) at zkOpen; .NET's
/// Environment.SetEnvironmentVariable does not reach it on Unix, so these call libc setenv. Unused
/// variables are set to "" (the simulator treats empty as unset) rather than removed.
/// </summary>
internal static class SimulatorEnvironment
{
    public static readonly string[] Functions =
    {
        "zkOpen", "zkClose", "zkGenECDSASigFromDigest", "zkVerifyECDSASigFromDigest", "zkExportPubKey",
        "zkGetECDSAPubKey", "zkGetRandBytes", "zkGetModelNumberString", "zkGetFirmwareVersionString",
        "zkGetSerialNumberString", "zkGenKeyPair", "zkGetAllocSlotsList", "zkRemoveKey",
    };

    public static IEnumerable<string> AllVariables =>
        new[] { "ZK_SIM_DIR", "ZK_SIM_MODEL", "ZK_SIM_FIRMWARE", "ZK_SIM_SERIAL", "ZK_SIM_SIGN_DELAY_US" }
            .Concat(Functions.SelectMany(f => new[] { $"ZK_SIM_FAIL_{f}", $"ZK_SIM_FAIL_{f}_AFTER" }));

    public static void Reset()
    {
        foreach (var name in AllVariables)
        {
            Set(name, null);
        }
    }

    public static void Set(string name, string? value)
    {
        if (setenv(name, value ?? string.Empty, 1) != 0)
        {
            throw new InvalidOperationException($"setenv {name} failed");
        }
    }

    [DllImport("libc.so.6", CharSet = CharSet.Ansi)]
    private static extern int setenv(string name, string value, int overwrite);
}

/// <summary>One test's simulated Zymkey: a fresh key directory and settings, undone on Dispose.</summary>
internal sealed class SimulatedZymkey : IDisposable
{
    private readonly SimulatorFixture _fixture;

    public SimulatedZymkey(SimulatorFixture fixture, string? model = null, string? serial = null, string? firmware = null,
        IReadOnlyDictionary<string, string>? settings = null, string? directory = null, bool legacy = false)
    {
        // A lease left open by an earlier test would hand this test the old context (old settings).
        Assert.Equal(0, ZymkeyDevice.OpenContextCount);
        _fixture = fixture;
        Directory = directory ?? Path.Combine(Path.GetTempPath(), "zksim-test-" + Guid.NewGuid().ToString("N"));
        OwnsDirectory = directory is null;
        LibraryPath = legacy ? fixture.LegacyLibraryPath : fixture.LibraryPath;
        SimulatorEnvironment.Reset();
        SimulatorEnvironment.Set("ZK_SIM_DIR", Directory);
        SimulatorEnvironment.Set("ZK_SIM_MODEL", model);
        SimulatorEnvironment.Set("ZK_SIM_SERIAL", serial);
        SimulatorEnvironment.Set("ZK_SIM_FIRMWARE", firmware);
        foreach (var (name, value) in settings ?? new Dictionary<string, string>())
        {
            SimulatorEnvironment.Set(name, value);
        }
    }

    public string Directory { get; }

    public string LibraryPath { get; }

    private bool OwnsDirectory { get; }

    /// <summary>Explicit options: this simulator only, no search of the system.</summary>
    public ZymkeyOptions Options => new()
    {
        LibraryPath = LibraryPath,
        SearchDirectories = Array.Empty<string>(),
        SearchLoaderPath = false,
    };

    public ZymkeyDevice Open() => ZymkeyDevice.Open(Options);

    public string SlotPem(int slot) => Path.Combine(Directory, $"slot-{slot}.pem");

    public void Dispose()
    {
        SimulatorEnvironment.Reset();
        if (OwnsDirectory && System.IO.Directory.Exists(Directory))
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }
}

internal static class Tools
{
    public sealed record Result(int ExitCode, string StdOut, string StdErr);

    /// <summary>Runs a tool with a time limit; kills it (and fails) if it overruns.</summary>
    public static Result Run(string file, IEnumerable<string> args, int timeoutSeconds = 30, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeoutSeconds * 1000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} did not finish in {timeoutSeconds} s");
        }

        process.WaitForExit();
        return new Result(process.ExitCode, stdout.Result, stderr.Result);
    }

    public static Result OpenSsl(params string[] args) => Run("openssl", args);

    /// <summary>
    /// `openssl req -verify`: OpenSSL 3.0 exits 0 even when the self-signature is bad, so read what it says.
    /// </summary>
    public static bool OpenSslReqVerifies(string csrPemFile, out string output)
    {
        var result = OpenSsl("req", "-in", csrPemFile, "-verify", "-noout");
        output = result.StdOut + result.StdErr;
        return result.ExitCode == 0
               && output.Contains("self-signature verify OK", StringComparison.Ordinal)
               && !output.Contains("failure", StringComparison.OrdinalIgnoreCase);
    }

    public static string ToPem(string label, byte[] der)
    {
        var base64 = Convert.ToBase64String(der);
        var lines = Enumerable.Range(0, (base64.Length + 63) / 64)
            .Select(i => base64.Substring(i * 64, Math.Min(64, base64.Length - i * 64)));
        return $"-----BEGIN {label}-----\n{string.Join("\n", lines)}\n-----END {label}-----\n";
    }
}
