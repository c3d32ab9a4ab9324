using System.Collections.Concurrent;
using ZymAws.Engine.Diagnostics;

namespace ZymAws.Engine.Tests.Infrastructure;

/// <summary>An <see cref="IEngineLog"/> that keeps every line, for assertions on what the engine reports.</summary>
public sealed class CapturingEngineLog : IEngineLog
{
    private readonly ConcurrentQueue<(string Level, string Message)> _lines = new();

    public IReadOnlyList<(string Level, string Message)> Lines => _lines.ToArray();

    public IReadOnlyList<string> VerboseLines => _lines.Where(l => l.Level == "Verbose").Select(l => l.Message).ToList();

    public string AllText => string.Join("\n", _lines.Select(l => l.Level + ": " + l.Message));

    public void Verbose(string message) => _lines.Enqueue(("Verbose", message));

    public void Debug(string message) => _lines.Enqueue(("Debug", message));

    public void Warning(string message) => _lines.Enqueue(("Warning", message));
}
