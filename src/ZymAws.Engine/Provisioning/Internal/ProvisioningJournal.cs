using System;
using System.Collections.Generic;
using System.Globalization;
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
/// Memory does not grow with the history: the file is replayed line by line, and a device that is done in this run
/// (<see cref="Settle"/>) or provisioned in the replayed history is kept as a <see cref="SettledDevice"/> of under a
/// hundred bytes (ids as bytes, the PEM of mode FromCsr read back from the file when asked for), or forgotten when
/// nothing is known of it; only devices in flight or left unfinished keep a full <see cref="DeviceState"/>.
/// </summary>
internal sealed class ProvisioningJournal : IDisposable
{
    private readonly object _lock = new();
    private readonly FileStream? _file;
    private readonly Dictionary<string, DeviceState> _devices = new(StringComparer.Ordinal);
    private readonly Dictionary<FactKey, SettledDevice> _settled = new();
    private readonly Dictionary<string, string> _policyNames = new(StringComparer.Ordinal);
    private readonly List<JournalRecord> _runs = new();
    private string? _certificateArnPrefix;
    private string? _thingArnPrefix;
    private bool _loading;
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
            return LiveLocked(thingName);
        }
    }

    /// <summary>
    /// The device is done in this run: a provisioned device is kept as a <see cref="SettledDevice"/>, a device of which
    /// nothing is known is forgotten, anything unfinished stays as it is.
    /// </summary>
    public void Settle(string thingName)
    {
        lock (_lock)
        {
            SettleLocked(thingName);
        }
    }

    /// <summary>How many devices the journal knows.</summary>
    public int DeviceCount
    {
        get
        {
            lock (_lock)
            {
                return _devices.Count + _settled.Count;
            }
        }
    }

    /// <summary>
    /// Whether the journal gives <paramref name="certificateId"/> to a device other than <paramref name="thingName"/>
    /// (a certificate found after a call of unknown outcome is not taken from another device). Rare: it scans.
    /// </summary>
    public bool IsCertificateClaimedBesides(string thingName, string certificateId)
    {
        lock (_lock)
        {
            foreach (var device in _devices)
            {
                if (device.Key != thingName && device.Value.CertificateId == certificateId)
                {
                    return true;
                }
            }

            var self = FactKey.Of(thingName);
            foreach (var device in _settled)
            {
                if (device.Key != self && device.Value.CertificateId == certificateId)
                {
                    return true;
                }
            }

            return false;
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
            _settled.Remove(FactKey.Of(thingName));
            var state = new DeviceState();
            _devices[thingName] = state;
            return state;
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

            long at = -1;
            if (_file is not null)
            {
                try
                {
                    at = _file.Position;
                    _file.Write(line, 0, line.Length);
                    _file.Flush(flushToDisk: true);
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                {
                    throw new ZymException("JournalWriteFailed", ZymErrorCategory.WriteError, $"Could not write to the journal '{Path}': {ex.Message}", Path, ex);
                }
            }

            ApplyLocked(record, at);
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

    private void ApplyLocked(JournalRecord record, long at)
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

        var state = LiveLocked(record.Thing);
        if (record.Input is not null && state.Input is not null && record.Input != state.Input)
        {
            // One whose input changed (a run only starts a new input once nothing of the old one is left): it starts
            // afresh, as Forget does.
            state = new DeviceState();
            _devices[record.Thing] = state;
        }

        state.Apply(record);
        if (record.CertificatePem is not null)
        {
            state.PemRecordAt = at;
        }

        if (_loading && record.Event == JournalEvents.Provisioned)
        {
            // Replaying: a provisioned device is settled at once, so the replay of any history holds only the unfinished.
            SettleLocked(record.Thing);
        }
    }

    /// <summary>The device's full state, made from its settled form (or empty) when it has none.</summary>
    private DeviceState LiveLocked(string thingName)
    {
        if (_devices.TryGetValue(thingName, out var state))
        {
            return state;
        }

        var key = FactKey.Of(thingName);
        state = _settled.TryGetValue(key, out var settled) ? settled.ToState(thingName, this) : new DeviceState();
        _settled.Remove(key);
        _devices[thingName] = state;
        return state;
    }

    private void SettleLocked(string thingName)
    {
        if (!_devices.TryGetValue(thingName, out var state))
        {
            return;
        }

        if (state.IsBlank)
        {
            _devices.Remove(thingName);
            return;
        }

        if (SettledDevice.From(thingName, state, this) is SettledDevice settled)
        {
            _devices.Remove(thingName);
            _settled[FactKey.Of(thingName)] = settled;
        }
    }

    /// <summary>The one instance of a policy name (a settled device keeps a reference, not a copy).</summary>
    private string PolicyName(string name)
    {
        if (!_policyNames.TryGetValue(name, out string? known))
        {
            _policyNames[name] = known = name;
        }

        return known;
    }

    /// <summary>The PEM carried by the record at <paramref name="at"/> in the file (read back for a settled device of mode FromCsr).</summary>
    private string? ReadPemAt(long at)
    {
        var file = _file;
        if (file is null || at < 0)
        {
            return null;
        }

        long end = file.Position;
        try
        {
            file.Position = at;
            using var line = new MemoryStream();
            int b;
            while ((b = file.ReadByte()) >= 0 && b != '\n')
            {
                line.WriteByte((byte)b);
            }

            return JournalRecord.TryParse(Encoding.UTF8.GetString(line.ToArray()))?.CertificatePem;
        }
        catch (IOException)
        {
            return null;
        }
        finally
        {
            file.Position = end;
        }
    }

    /// <summary>
    /// A provisioned device as a later run needs it, in under a hundred bytes: its input and certificate id as bytes,
    /// which of its parts the batch created, its policy (shared), where its PEM is in the file. The ARNs are the
    /// journal's one prefix plus the id or name (a device whose ARNs do not follow that shape keeps its full state).
    /// </summary>
    private readonly struct SettledDevice
    {
        private const byte CertificateOwned = 1;
        private const byte ThingOwned = 2;
        private const byte PrincipalOwned = 4;
        private const byte PolicyOwned = 8;
        private const byte HasThing = 16;
        private const byte Marked = 32;
        private const byte CsrInput = 64;

        private readonly HexId _input;
        private readonly HexId _certificate;
        private readonly string _policy;
        private readonly long _pemAt;
        private readonly byte _flags;

        private SettledDevice(HexId input, HexId certificate, string policy, long pemAt, byte flags)
        {
            _input = input;
            _certificate = certificate;
            _policy = policy;
            _pemAt = pemAt;
            _flags = flags;
        }

        public string CertificateId => _certificate.ToString();

        public static SettledDevice? From(string thingName, DeviceState state, ProvisioningJournal journal)
        {
            if (!state.Provisioned || state.HasIntent || !state.CertificateActive || !state.PrincipalAttached || !state.PolicyAttached || state.Policy is null)
            {
                return null;
            }

            bool csr = state.Input!.StartsWith("csr:", StringComparison.Ordinal);
            string inputHex = state.Input.Substring(csr ? 4 : 5);
            if ((!csr && !state.Input.StartsWith("cert:", StringComparison.Ordinal)) || HexId.TryParse(inputHex) is not HexId input
                || state.CertificateId is null || HexId.TryParse(state.CertificateId) is not HexId certificate
                || !Follows(ref journal._certificateArnPrefix, state.CertificateArn, state.CertificateId)
                || (state.ThingArn is not null && !Follows(ref journal._thingArnPrefix, state.ThingArn, thingName))
                || (state.ThingMarker is not null && state.ThingMarker != state.CertificateId))
            {
                return null;
            }

            byte flags = (byte)((state.CertificateOwned ? CertificateOwned : 0) | (state.ThingOwned ? ThingOwned : 0) | (state.PrincipalOwned ? PrincipalOwned : 0)
                | (state.PolicyOwned ? PolicyOwned : 0) | (state.ThingArn is not null ? HasThing : 0) | (state.ThingMarker is not null ? Marked : 0) | (csr ? CsrInput : 0));
            return new SettledDevice(input, certificate, journal.PolicyName(state.Policy), state.CertificatePem is null ? -1 : state.PemRecordAt, flags);
        }

        public DeviceState ToState(string thingName, ProvisioningJournal journal)
        {
            string certificateId = _certificate.ToString();
            string certificateArn = journal._certificateArnPrefix + certificateId;
            var state = new DeviceState();
            state.Apply(new JournalRecord(JournalEvents.CertificateReady, thingName)
            {
                Input = ((_flags & CsrInput) != 0 ? "csr:" : "cert:") + _input,
                CertificateId = certificateId,
                CertificateArn = certificateArn,
                CertificatePem = journal.ReadPemAt(_pemAt),
                Owned = (_flags & CertificateOwned) != 0,
            });
            state.PemRecordAt = _pemAt;
            if ((_flags & HasThing) != 0)
            {
                state.Apply(new JournalRecord(JournalEvents.ThingReady, thingName) { ThingArn = journal._thingArnPrefix + thingName, Owned = (_flags & ThingOwned) != 0, Marker = (_flags & Marked) != 0 ? certificateId : null });
            }

            state.Apply(new JournalRecord(JournalEvents.PrincipalReady, thingName) { CertificateArn = certificateArn, Owned = (_flags & PrincipalOwned) != 0 });
            state.Apply(new JournalRecord(JournalEvents.PolicyReady, thingName) { Policy = _policy, Owned = (_flags & PolicyOwned) != 0 });
            state.Apply(new JournalRecord(JournalEvents.Provisioned, thingName));
            return state;
        }

        /// <summary>Whether <paramref name="arn"/> is the shared prefix followed by <paramref name="tail"/> (the first ARN sets the prefix).</summary>
        private static bool Follows(ref string? prefix, string? arn, string tail)
        {
            if (arn is null || !arn.EndsWith(tail, StringComparison.Ordinal) || arn.Length == tail.Length)
            {
                return false;
            }

            string head = arn.Substring(0, arn.Length - tail.Length);
            prefix ??= head;
            return string.Equals(prefix, head, StringComparison.Ordinal);
        }
    }

    /// <summary>64 lowercase hex digits (a SHA-256: certificate ids, input hashes) in 32 bytes.</summary>
    private readonly struct HexId
    {
        private readonly ulong _a;
        private readonly ulong _b;
        private readonly ulong _c;
        private readonly ulong _d;

        private HexId(ulong a, ulong b, ulong c, ulong d)
        {
            _a = a;
            _b = b;
            _c = c;
            _d = d;
        }

        public static HexId? TryParse(string hex)
        {
            if (hex.Length != 64)
            {
                return null;
            }

            var parts = new ulong[4];
            for (int i = 0; i < 64; i++)
            {
                char c = hex[i];
                int nibble = c is >= '0' and <= '9' ? c - '0' : c is >= 'a' and <= 'f' ? c - 'a' + 10 : -1;
                if (nibble < 0)
                {
                    return null;
                }

                parts[i / 16] = (parts[i / 16] << 4) | (uint)nibble;
            }

            return new HexId(parts[0], parts[1], parts[2], parts[3]);
        }

        public bool Equals(HexId other) => _a == other._a && _b == other._b && _c == other._c && _d == other._d;

        public override string ToString() => _a.ToString("x16", CultureInfo.InvariantCulture) + _b.ToString("x16", CultureInfo.InvariantCulture) +
            _c.ToString("x16", CultureInfo.InvariantCulture) + _d.ToString("x16", CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Replays the file line by line (a buffer, never the whole file). Complete lines end with '\n'; whatever follows
    /// the last one was being written when the process died (torn). An unreadable line followed by nothing but blank
    /// lines is a damaged final record (e.g. zero bytes after a power cut) and counts as torn; anywhere else it is
    /// JournalCorrupt.
    /// </summary>
    private void Load(IEngineLog log)
    {
        var file = _file!;
        file.Position = 0;
        var buffer = new byte[64 * 1024];
        var line = new MemoryStream();
        long position = 0;
        long lineStart = 0;
        long goodLength = 0;
        int number = 0;
        (long Offset, int Number)? damaged = null;
        _loading = true;
        try
        {
            int read;
            while ((read = file.Read(buffer, 0, buffer.Length)) > 0)
            {
                int from = 0;
                while (from < read)
                {
                    int newline = Array.IndexOf(buffer, (byte)'\n', from, read - from);
                    if (newline < 0)
                    {
                        line.Write(buffer, from, read - from);
                        break;
                    }

                    line.Write(buffer, from, newline - from);
                    number++;
                    ReplayLine(line, lineStart, number, ref damaged);
                    line.SetLength(0);
                    lineStart = position + newline + 1;
                    goodLength = lineStart;
                    from = newline + 1;
                }

                position += read;
            }
        }
        finally
        {
            _loading = false;
        }

        bool torn = HasNonWhitespace(line.GetBuffer(), 0, (int)line.Length);
        if (damaged is { } bad)
        {
            if (torn)
            {
                throw Corrupt(bad.Number);
            }

            torn = true;
            goodLength = bad.Offset;
        }

        if (torn || goodLength < position)
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

    private void ReplayLine(MemoryStream line, long offset, int number, ref (long Offset, int Number)? damaged)
    {
        byte[] bytes = line.GetBuffer();
        int length = (int)line.Length;
        if (!HasNonWhitespace(bytes, 0, length))
        {
            return;
        }

        if (damaged is { } bad)
        {
            // Something follows an unreadable line: not a torn end, a changed file.
            throw Corrupt(bad.Number);
        }

        var record = JournalRecord.TryParse(Encoding.UTF8.GetString(bytes, 0, length));
        if (record is null)
        {
            damaged = (offset, number);
            return;
        }

        ApplyLocked(record, offset);
        RecordsRead++;
    }

    private ZymException Corrupt(int lineNumber) => new("JournalCorrupt", ZymErrorCategory.InvalidData,
        $"Line {lineNumber} of the journal '{Path}' is not a journal record; the journal was changed by something else. Move it aside to start afresh.", Path);

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
