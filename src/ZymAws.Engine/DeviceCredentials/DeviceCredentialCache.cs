using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using ZymAws.Engine.Internal;
using ZymAws.Engine.IO;
using ZymAws.Engine.Pki;

namespace ZymAws.Engine.DeviceCredentials;

/// <summary>
/// Device credentials kept until <see cref="RefreshMargin"/> before they expire, so a repeated request costs no
/// handshake (no Zymkey signature) and no network: in memory for the process, and optionally in a folder on disk shared
/// by every process of the user (owner-only folder and files). Concurrent requests for the same credentials make one
/// fetch: in-process with a lock per key, across processes with an exclusive lock file per key.
/// </summary>
public sealed class DeviceCredentialCache
{
    /// <summary>Credentials are refreshed this long before they expire (as the AWS SDKs and the Roles Anywhere helper do).</summary>
    public static readonly TimeSpan RefreshMargin = TimeSpan.FromMinutes(5);

    private static readonly ConcurrentDictionary<string, TemporaryCredentials> s_memory = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> s_gates = new(StringComparer.Ordinal);

    /// <param name="directory">A folder for the shared on-disk cache, or null for memory only.</param>
    public DeviceCredentialCache(string? directory = null)
    {
        Directory = directory is null ? null : Path.GetFullPath(directory);
    }

    /// <summary>The on-disk cache folder, or null.</summary>
    public string? Directory { get; }

    /// <summary>The default on-disk folder: $XDG_CACHE_HOME/zymaws/credentials, else ~/.cache/zymaws/credentials.</summary>
    public static string DefaultDirectory
    {
        get
        {
            string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            string root = !string.IsNullOrEmpty(xdg) ? xdg! : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
            return Path.Combine(root, "zymaws", "credentials");
        }
    }

    /// <summary>
    /// The cache key of a request: the certificate and the key that signs for it (so another key is never answered from
    /// the cache: it must prove itself), where it asks, which alias, which thing.
    /// </summary>
    public static string KeyFor(DeviceCredentialRequest request) => KeyFor(request.CertificateChain[0], request.Key.Description, request.EndpointHost, request.Port,
        request.ConnectHost, request.ConnectPort, request.RoleAlias, request.ThingName);

    internal static string KeyFor(byte[] certificateDer, string keySource, string endpointHost, int port, string? connectHost, int? connectPort, string roleAlias, string? thingName)
    {
        string text = string.Join("|", "v2", CertificateFacts.Sha256Hex(certificateDer), keySource, endpointHost.ToLowerInvariant(), port.ToString(CultureInfo.InvariantCulture),
            connectHost ?? string.Empty, (connectPort ?? 0).ToString(CultureInfo.InvariantCulture), roleAlias, thingName ?? string.Empty);
        return Hex.Lower(PkiCrypto.Sha256(Encoding.UTF8.GetBytes(text)));
    }

    /// <summary>The file that holds <paramref name="key"/>'s credentials on disk (owner-only JSON), or null for a memory-only cache.</summary>
    public string? FilePath(string key) => Directory is null ? null : Path.Combine(Directory, key + ".json");

    /// <summary>Forgets every credential this process holds in memory (not the disk cache).</summary>
    public static void ClearMemory() => s_memory.Clear();

    /// <summary>
    /// Fresh credentials from the cache, or from <paramref name="fetch"/> (once, however many callers ask at the same time)
    /// and then cached. <paramref name="refresh"/> skips what is cached (and replaces it).
    /// </summary>
    public async Task<TemporaryCredentials> GetOrFetchAsync(string key, Func<CancellationToken, Task<TemporaryCredentials>> fetch, bool refresh = false, CancellationToken cancellationToken = default)
    {
        if (!refresh && Fresh(key) is { } cached)
        {
            return cached;
        }

        var gate = s_gates.GetOrAdd(key, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!refresh && Fresh(key) is { } raced)
            {
                return raced;
            }

            if (Directory is null)
            {
                var fetched = await fetch(cancellationToken).ConfigureAwait(false);
                s_memory[key] = fetched;
                return fetched;
            }

            SecureFile.CreatePrivateDirectory(Directory);
            using (await LockFileAsync(Path.Combine(Directory, key + ".lock"), cancellationToken).ConfigureAwait(false))
            {
                // Another process may have fetched while this one waited for the lock.
                if (!refresh && ReadFile(key) is { } onDisk)
                {
                    s_memory[key] = onDisk;
                    return onDisk.AsCached();
                }

                var fetched = await fetch(cancellationToken).ConfigureAwait(false);
                WriteFile(key, fetched);
                s_memory[key] = fetched;
                return fetched;
            }
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>What is cached for <paramref name="key"/> and still fresh, or null (memory first, then disk).</summary>
    public TemporaryCredentials? Fresh(string key)
    {
        if (s_memory.TryGetValue(key, out var inMemory) && inMemory.IsFreshFor(RefreshMargin, DateTimeOffset.UtcNow))
        {
            return inMemory.AsCached();
        }

        if (Directory is not null && ReadFile(key) is { } onDisk)
        {
            s_memory[key] = onDisk;
            return onDisk.AsCached();
        }

        return null;
    }

    /// <summary>
    /// What is cached for <paramref name="key"/>, fresh or not (memory, then disk), without fetching: for showing the
    /// cache's state (zymaws-credential inspect). Null when nothing readable is cached.
    /// </summary>
    public TemporaryCredentials? Peek(string key)
    {
        if (s_memory.TryGetValue(key, out var inMemory))
        {
            return inMemory.AsCached();
        }

        return Directory is null ? null : ReadFile(key, requireFresh: false)?.AsCached();
    }

    private TemporaryCredentials? ReadFile(string key, bool requireFresh = true)
    {
        string path = FilePath(key)!;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            var root = doc.RootElement;
            string? Str(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            if (root.GetProperty("Version").GetInt32() != 1)
            {
                return null;
            }

            var credentials = new TemporaryCredentials(Str("AccessKeyId")!, Str("SecretAccessKey")!, Str("SessionToken")!,
                DateTimeOffset.Parse(Str("Expiration")!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal))
            {
                Region = Str("Region"),
                RoleAlias = Str("RoleAlias"),
                ThingName = Str("ThingName"),
                Endpoint = Str("Endpoint"),
                ObtainedAt = DateTimeOffset.Parse(Str("ObtainedAt")!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal),
            };
            return !requireFresh || credentials.IsFreshFor(RefreshMargin, DateTimeOffset.UtcNow) ? credentials : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or KeyNotFoundException or FormatException or ArgumentNullException or InvalidOperationException)
        {
            // Missing, unreadable or damaged: as good as not cached; the next fetch replaces it.
            return null;
        }
    }

    private void WriteFile(string key, TemporaryCredentials credentials)
    {
        string json = TemporaryCredentials.Json(w =>
        {
            w.WriteNumber("Version", 1);
            w.WriteString("AccessKeyId", credentials.AccessKeyId);
            w.WriteString("SecretAccessKey", credentials.SecretAccessKey);
            w.WriteString("SessionToken", credentials.SessionToken);
            w.WriteString("Expiration", credentials.Expiration.ToString("o", CultureInfo.InvariantCulture));
            w.WriteString("Region", credentials.Region);
            w.WriteString("RoleAlias", credentials.RoleAlias);
            w.WriteString("ThingName", credentials.ThingName);
            w.WriteString("Endpoint", credentials.Endpoint);
            w.WriteString("ObtainedAt", credentials.ObtainedAt.ToString("o", CultureInfo.InvariantCulture));
        });
        SecureFile.WriteAllText(FilePath(key)!, json, overwrite: true, ownerOnly: true);
    }

    /// <summary>
    /// Takes an exclusive lock on a file shared by every process (on Unix .NET maps FileShare.None to flock), waiting for
    /// it; the lock goes with the returned stream.
    /// </summary>
    private static async Task<IDisposable> LockFileAsync(string path, CancellationToken cancellationToken)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            try
            {
                var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                if (UnixFileNative.IsUnix)
                {
                    UnixFileNative.Chmod(path, Convert.ToInt32("600", 8));
                }

                return stream;
            }
            catch (IOException) when (waited.Elapsed < LockWait)
            {
                // Held by another process: it is fetching; wait for it.
                await Task.Delay(20, cancellationToken).ConfigureAwait(false);
            }
            catch (IOException e)
            {
                throw new ZymException("CredentialCacheBusy", ZymErrorCategory.ResourceBusy,
                    $"Another process has held the credentials cache lock '{path}' for {LockWait.TotalSeconds:0} s.", path, e);
            }
        }
    }

    /// <summary>How long a process waits for another that is fetching the same credentials.</summary>
    private static readonly TimeSpan LockWait = TimeSpan.FromMinutes(2);
}
