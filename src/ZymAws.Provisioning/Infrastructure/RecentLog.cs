using System;
using System.Collections.Generic;
using ZymAws.Engine.Diagnostics;

namespace ZymAws.Provisioning.Infrastructure;

/// <summary>An engine log for work that outlives its command (a local endpoint): the last lines, kept for the user to read.</summary>
internal sealed class RecentLog : IEngineLog
{
    private readonly Queue<string> _lines = new();
    private readonly int _capacity;

    public RecentLog(int capacity = 500) => _capacity = capacity;

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines)
            {
                return _lines.ToArray();
            }
        }
    }

    public void Verbose(string message) => Add("VERBOSE", message);

    public void Debug(string message) => Add("DEBUG", message);

    public void Warning(string message) => Add("WARNING", message);

    private void Add(string level, string message)
    {
        lock (_lines)
        {
            _lines.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} {level}: {message}");
            while (_lines.Count > _capacity)
            {
                _lines.Dequeue();
            }
        }
    }
}
