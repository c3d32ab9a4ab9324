using System;
using ZymAws.Engine.Diagnostics;

namespace ZymAws.CredentialHelper;

/// <summary>
/// The engine's log on stderr (stdout carries only the command's answer): warnings always, verbose and debug lines with
/// --verbose. The engine never passes a secret to its log.
/// </summary>
internal sealed class StderrLog : IEngineLog
{
    private static readonly object s_lock = new();

    public StderrLog(bool verbose)
    {
        IsVerbose = verbose;
    }

    public bool IsVerbose { get; }

    public void Verbose(string message)
    {
        if (IsVerbose)
        {
            Write("verbose: " + message);
        }
    }

    public void Debug(string message)
    {
        if (IsVerbose)
        {
            Write("debug: " + message);
        }
    }

    public void Warning(string message) => Write("warning: " + message);

    /// <summary>One line on stderr, prefixed with the program's name and the time.</summary>
    public void Info(string message) => Write(message);

    public static void Write(string message)
    {
        lock (s_lock)
        {
            Console.Error.WriteLine($"zymaws-credential: {message}");
        }
    }
}
