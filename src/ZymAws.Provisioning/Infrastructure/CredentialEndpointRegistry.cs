using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using EngineCredentials = ZymAws.Engine.DeviceCredentials;

namespace ZymAws.Provisioning.Infrastructure;

/// <summary>
/// The local credentials endpoints this session started: numbered, found again by Stop-ZymCredentialEndpoint, and all
/// stopped when the module is removed or the process exits (with their backend sessions and server CA files).
/// </summary>
internal static class CredentialEndpointRegistry
{
    private static readonly object s_lock = new();
    private static readonly List<(CredentialEndpointServer Server, IDisposable Backend, string Folder)> s_running = new();
    private static int s_nextId;
    private static bool s_exitHooked;

    public static CredentialEndpointServer Add(EngineCredentials.LocalCredentialEndpoint endpoint, IDisposable backend, string serverCaPath, RecentLog log)
    {
        lock (s_lock)
        {
            var server = new CredentialEndpointServer(++s_nextId, endpoint, serverCaPath, log);
            s_running.Add((server, backend, Path.GetDirectoryName(serverCaPath)!));
            if (!s_exitHooked)
            {
                AppDomain.CurrentDomain.ProcessExit += (_, _) => StopAll();
                s_exitHooked = true;
            }

            return server;
        }
    }

    public static IReadOnlyList<CredentialEndpointServer> Running
    {
        get
        {
            lock (s_lock)
            {
                return s_running.Select(r => r.Server).ToList();
            }
        }
    }

    /// <summary>Stops one; false when it was not running.</summary>
    public static bool Stop(CredentialEndpointServer server)
    {
        (CredentialEndpointServer Server, IDisposable Backend, string Folder) entry;
        lock (s_lock)
        {
            int index = s_running.FindIndex(r => ReferenceEquals(r.Server, server) || r.Server.Id == server.Id);
            if (index < 0)
            {
                return false;
            }

            entry = s_running[index];
            s_running.RemoveAt(index);
        }

        Shut(entry);
        return true;
    }

    /// <summary>Stops every endpoint (module removal, process exit).</summary>
    public static void StopAll()
    {
        List<(CredentialEndpointServer, IDisposable, string)> all;
        lock (s_lock)
        {
            if (s_running.Count == 0)
            {
                return;
            }

            all = s_running.ToList();
            s_running.Clear();
        }

        foreach (var entry in all)
        {
            Shut(entry);
        }
    }

    // Kept apart so that a session that never started an endpoint never loads the engine just to stop none.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Shut((CredentialEndpointServer Server, IDisposable Backend, string Folder) entry)
    {
        entry.Server.Running = false;
        entry.Server.Engine.Dispose();
        entry.Backend.Dispose();
        try
        {
            Directory.Delete(entry.Folder, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
