using Xunit;
using System.Diagnostics;
using System.Text;

namespace ZymAws.Engine.Tests.Pki;

/// <summary>Runs the real openssl CLI (bounded by a timeout) for interop checks.</summary>
internal static class OpenSsl
{
    internal sealed record Result(int ExitCode, string StdOut, string StdErr)
    {
        public string All => StdOut + StdErr;
    }

    internal static Result Run(string workingDirectory, params string[] args) => RunWithInput(workingDirectory, null, args);

    internal static Result RunWithInput(string workingDirectory, string? stdin, params string[] args)
    {
        var psi = new ProcessStartInfo("openssl")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        if (stdin is not null)
        {
            p.StandardInput.Write(stdin);
            p.StandardInput.Close();
        }

        var outTask = p.StandardOutput.ReadToEndAsync();
        var errTask = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(30_000))
        {
            p.Kill(true);
            throw new TimeoutException("openssl " + string.Join(' ', args) + " did not finish in 30 s");
        }

        return new Result(p.ExitCode, outTask.Result, errTask.Result);
    }

    /// <summary>Runs openssl and fails the test unless it exits 0.</summary>
    internal static string Ok(string workingDirectory, params string[] args)
    {
        var r = Run(workingDirectory, args);
        Assert.True(r.ExitCode == 0, $"openssl {string.Join(' ', args)} failed ({r.ExitCode}): {r.All}");
        return r.StdOut;
    }
}

/// <summary>A temp directory removed after the test.</summary>
public sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = Directory.CreateTempSubdirectory("zym-pki-").FullName;
    }

    public string Path { get; }

    public string this[string name] => System.IO.Path.Combine(Path, name);

    public string[] Files() => Directory.GetFiles(Path).Select(f => System.IO.Path.GetFileName(f)!).OrderBy(f => f, StringComparer.Ordinal).ToArray();

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
