using System;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using ZymAws.Engine;
using ZymAws.Zymkey;

namespace ZymAws.CredentialHelper;

/// <summary>
/// zymaws-credential: the device's temporary AWS credentials from the AWS IoT credentials provider, over mutual TLS signed
/// by the device key (the Zymkey, or a key file), with the engine's own code — the same plan, cache, TLS client and refusal
/// rule as Get-ZymAwsCredential. Only a command's answer goes to stdout; diagnostics go to stderr.
/// </summary>
internal static class Program
{
    private static async Task<int> Main(string[] args)
    {
        HelperArguments arguments;
        try
        {
            arguments = HelperArguments.Parse(args);
        }
        catch (UsageException e)
        {
            StderrLog.Write(e.Message);
            Console.Error.WriteLine($"Try 'zymaws-credential {(e.Command is null ? string.Empty : e.Command + " ")}--help'.");
            return ExitCodes.Usage;
        }

        if (arguments.Help)
        {
            Console.Out.Write(HelpText.For(arguments.Command));
            return ExitCodes.Success;
        }

        if (arguments.Version)
        {
            Console.Out.WriteLine("zymaws-credential " + VersionText);
            return ExitCodes.Success;
        }

        var log = new StderrLog(arguments.Verbose);
        using var stopping = new CancellationTokenSource();
        // serve and update stop cleanly on SIGINT/SIGTERM (exit 0); credential-process and inspect are simply ended, as
        // any process is (an interrupted fetch must not look like a success).
        bool longRunning = arguments.Command is HelperArguments.Serve or HelperArguments.Update;
        using var interrupt = longRunning ? PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop) : null;
        using var terminate = longRunning ? PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop) : null;
        using var zymkey = new ZymkeyKeyOpener(arguments.ToZymkeyOptions(), log);
        try
        {
            return arguments.Command switch
            {
                HelperArguments.CredentialProcess => await HelperCommands.CredentialProcessAsync(arguments, zymkey, log, stopping.Token).ConfigureAwait(false),
                HelperArguments.Serve => await HelperCommands.ServeAsync(arguments, zymkey, log, stopping.Token).ConfigureAwait(false),
                HelperArguments.Update => await HelperCommands.UpdateAsync(arguments, zymkey, log, stopping.Token).ConfigureAwait(false),
                _ => HelperCommands.Inspect(arguments, zymkey, log),
            };
        }
        catch (UsageException e)
        {
            StderrLog.Write(e.Message);
            Console.Error.WriteLine($"Try 'zymaws-credential {arguments.Command} --help'.");
            return ExitCodes.Usage;
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            log.Verbose("stopped.");
            return ExitCodes.Success;
        }
        catch (Exception e)
        {
            StderrLog.Write(ExitCodes.Describe(e));
            if (log.IsVerbose && e is not ZymException)
            {
                Console.Error.WriteLine(e.ToString());
            }

            return ExitCodes.For(e);
        }

        void Stop(PosixSignalContext context)
        {
            // Ends the command cleanly (serve stops listening and removes its --env-file; update stops between writes).
            context.Cancel = true;
            stopping.Cancel();
        }
    }

    /// <summary>"0.1.0 (commit abc123)": the module's version, which the helper shares.</summary>
    internal static string VersionText
    {
        get
        {
            string text = typeof(Program).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
                ?? typeof(Program).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";
            int plus = text.IndexOf('+');
            return plus < 0 ? text : $"{text.Substring(0, plus)} (commit {text.Substring(plus + 1, Math.Min(12, text.Length - plus - 1))})";
        }
    }
}
