using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using ZymAws.Engine.Diagnostics;

namespace ZymAws.Engine.Provisioning.Internal;

/// <summary>
/// The batch's record of what it did: per-device state replayed from the journal file (when there is one) and kept up
/// to date with every new record. Records are appended as JSON lines and flushed to disk (fsync) before
/// <see cref="Append"/> returns, so an intent is durable before the AWS call it announces. A torn last line (the
/// process died mid-write) is dropped when the file is opened; a damaged line anywhere else is an error.
/// Without a path the same state is kept in memory only (rollback still knows what this run created).
/// </summary>
internal sealed class ProvisioningJournal : IDisposable
{
    private readonly object _lock = new();
    private readonly FileStream? _file;
    private readonly Dictionary<string, DeviceState> _devices = new(StringComparer.Ordinal);
    private readonly List<JournalRecord> _runs = new();
    private bool _disposed;

    private ProvisioningJournal(FileStream? file, string? path)
    {
        _file = file;
        Path = path;
    }

    public string? Path { get; }

    /// <summary>RunStarted records of earlier runs, oldest first.</summary>
    public IReadOnlyList<JournalRecord> PreviousRuns => _runs;

    /// <summary>How many records were read from the file.</summary>
    public int RecordsRead { get; private set; }

    /// <summary>Whether a torn last line was dropped when the file was opened.</summary>
    public bool DroppedTornLine { get; private set; }

    public static ProvisioningJournal InMemory() => new(null, null);

    /// <summary>Opens (or creates) the journal file, replays it and truncates a torn last line.</summary>
    public static ProvisioningJournal Open(string path, IEngineLog log)
    {
        string fullPath;
        try
        {
            fullPath = System.IO.Path.GetFullPath(path);
        }
        catch (Exception ex) when (ex is ArgumentException || ex is NotSupportedException || ex is PathTooLongException)
        {
            throw new ZymException("JournalPathInvalid", ZymErrorCategory.InvalidArgument, $"The journal path '{path}' is not valid: {ex.Message}", path, ex);
        }

        FileStream file;
        try
        {
            // Windows: others may read it (e.g. Get-Content -Wait) but not write. Elsewhere .NET maps FileShare.None to an
            // exclusive advisory lock (flock), the only way to stop a second run writing to the same journal.
            var share = RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? FileShare.Read : FileShare.None;
            file = new FileStream(fullPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, share, 4096, FileOptions.None);
        }
        catch (IOException ex) when (File.Exists(fullPath))
        {
            throw new ZymException("JournalInUse", ZymErrorCategory.ResourceBusy, $"The journal '{fullPath}' cannot be opened for writing (another run may be using it): {ex.Message}", fullPath, ex);
        }
        catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
        {
            throw new ZymException("JournalWriteFailed", ZymErrorCategory.WriteError, $"The journal '{fullPath}' cannot be created: {ex.Message}", fullPath, ex);
        }

        var journal = new ProvisioningJournal(file, fullPath);
        try
        {
            journal.Load(log);
        }
        catch
        {
            file.Dispose();
            throw;
        }

        return journal;
    }

    /// <summary>The state of one device (created empty on first use).</summary>
    public DeviceState StateOf(string thingName)
    {
        lock (_lock)
        {
            if (!_devices.TryGetValue(thingName, out var state))
            {
                state = new DeviceState();
                _devices[thingName] = state;
            }

            return state;
        }
    }

    /// <summary>
    /// Forgets what the journal knows about a device (its input changed and nothing of the old one is left) and returns
    /// its new, empty state. Replaying the file does the same at the first record of the new input.
    /// </summary>
    public DeviceState Forget(string thingName)
    {
        lock (_lock)
        {
            var state = new DeviceState();
            _devices[thingName] = state;
            return state;
        }
    }

    /// <summary>Every device named in the journal with its state.</summary>
    public IReadOnlyDictionary<string, DeviceState> Devices
    {
        get
        {
            lock (_lock)
            {
                return new Dictionary<string, DeviceState>(_devices, StringComparer.Ordinal);
            }
        }
    }

    /// <summary>Writes the record durably (when there is a file), then applies it to the device's state.</summary>
    public void Append(JournalRecord record)
    {
        byte[] line = record.ToLine();
        lock (_lock)
        {
            if (_disposed)
            {
                throw new ObjectDisposedException(nameof(ProvisioningJournal));
            }

            if (_file is not null)
            {
                try
                {
                    _file.Write(line, 0, line.Length);
                    _file.Flush(flushToDisk: true);
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                {
                    throw new ZymException("JournalWriteFailed", ZymErrorCategory.WriteError, $"Could not write to the journal '{Path}': {ex.Message}", Path, ex);
                }
            }

            ApplyLocked(record);
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _file?.Dispose();
        }
    }

    private void ApplyLocked(JournalRecord record)
    {
        if (record.Event == JournalEvents.RunStarted)
        {
            _runs.Add(record);
            return;
        }

        if (record.Thing is null)
        {
            return;
        }

        if (!_devices.TryGetValue(record.Thing, out var state)
            || (record.Input is not null && state.Input is not null && record.Input != state.Input))
        {
            // A device seen for the first time, or one whose input changed (a run only starts a new input once nothing
            // of the old one is left): it starts afresh, as Forget does.
            state = new DeviceState();
            _devices[record.Thing] = state;
        }

        state.Apply(record);
    }

    private void Load(IEngineLog log)
    {
        var file = _file!;
        byte[] content = new byte[file.Length];
        file.Position = 0;
        int read = 0;
        while (read < content.Length)
        {
            int n = file.Read(content, read, content.Length - read);
            if (n == 0)
            {
                break;
            }

            read += n;
        }

        // Complete lines end with '\n'; whatever follows the last one was being written when the process died.
        int lastNewline = Array.LastIndexOf(content, (byte)'\n', Math.Max(0, read - 1));
        if (read == 0)
        {
            lastNewline = -1;
        }

        long goodLength = lastNewline + 1;
        var lines = new List<(int Number, int Offset, string Text)>();
        int start = 0;
        int number = 0;
        for (int i = 0; i < goodLength; i++)
        {
            if (content[i] == (byte)'\n')
            {
                number++;
                lines.Add((number, start, Encoding.UTF8.GetString(content, start, i - start)));
                start = i + 1;
            }
        }

        bool torn = goodLength < read && HasNonWhitespace(content, (int)goodLength, read);
        for (int i = 0; i < lines.Count; i++)
        {
            var (lineNumber, offset, text) = lines[i];
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }

            var record = JournalRecord.TryParse(text);
            if (record is null)
            {
                bool isLast = true;
                for (int j = i + 1; j < lines.Count; j++)
                {
                    isLast &= string.IsNullOrWhiteSpace(lines[j].Text);
                }

                if (isLast && !torn)
                {
                    // A damaged final record (e.g. zero bytes after a power cut): treat it as torn.
                    torn = true;
                    goodLength = offset;
                    break;
                }

                throw new ZymException("JournalCorrupt", ZymErrorCategory.InvalidData,
                    $"Line {lineNumber} of the journal '{Path}' is not a journal record; the journal was changed by something else. Move it aside to start afresh.", Path);
            }

            ApplyLocked(record);
            RecordsRead++;
        }

        if (torn || goodLength < read)
        {
            if (torn)
            {
                DroppedTornLine = true;
                log.Warning($"The journal '{Path}' ended with an incomplete record (the previous run stopped while writing it); it was dropped.");
            }

            file.SetLength(goodLength);
            file.Flush(flushToDisk: true);
        }

        file.Position = file.Length;
    }

    private static bool HasNonWhitespace(byte[] content, int from, int to)
    {
        for (int i = from; i < to; i++)
        {
            byte b = content[i];
            if (b != (byte)' ' && b != (byte)'\t' && b != (byte)'\r' && b != (byte)'\n')
            {
                return true;
            }
        }

        return false;
    }
}
