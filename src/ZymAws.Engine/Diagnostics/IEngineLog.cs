namespace ZymAws.Engine.Diagnostics;

/// <summary>
/// Where the engine reports what it does. The cmdlet layer forwards to WriteVerbose/WriteDebug/WriteWarning
/// on the pipeline thread. Callers of this interface must never pass a secret (keys, secret access keys,
/// session tokens, passphrases) in a message.
/// </summary>
public interface IEngineLog
{
    void Verbose(string message);

    void Debug(string message);

    void Warning(string message);
}

/// <summary>Discards everything.</summary>
public sealed class NullEngineLog : IEngineLog
{
    public static readonly NullEngineLog Instance = new();

    private NullEngineLog()
    {
    }

    public void Verbose(string message)
    {
    }

    public void Debug(string message)
    {
    }

    public void Warning(string message)
    {
    }
}
