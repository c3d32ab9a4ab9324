using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;

namespace ZymAws.Provisioning.Infrastructure;

/// <summary>
/// Loads the engine and its dependencies (AWSSDK.Core, BouncyCastle, ...) from the module's <c>deps</c> folder.
/// On PowerShell 7 they go into the module's own <see cref="AssemblyLoadContext"/>, so the module can share a session
/// with AWS.Tools modules that carry another AWSSDK.Core build (whose assembly version never changes between
/// releases). On Windows PowerShell 5.1 they are loaded directly, and a conflicting AWSSDK.Core is reported.
/// </summary>
public sealed class ModuleLoader : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    /// <summary>The assemblies the cmdlet assembly references directly; everything else they need follows them.</summary>
    private static readonly HashSet<string> s_engineAssemblies = new(StringComparer.OrdinalIgnoreCase)
    {
        "ZymAws.Engine",
        "ZymAws.Zymkey",
    };

    private static readonly object s_lock = new();
    private static bool s_hooked;

    /// <summary>The folder that holds the engine and its dependencies.</summary>
    public static string DependencyDirectory { get; } = Path.Combine(
        Path.GetDirectoryName(typeof(ModuleLoader).Assembly.Location) ?? ".", "deps");

    /// <summary>True on PowerShell 7+ (.NET Core), where a separate load context is used.</summary>
    public static bool IsCoreClr { get; } = !RuntimeInformation.FrameworkDescription.StartsWith(".NET Framework", StringComparison.Ordinal);

    /// <summary>A warning for the first cmdlet to show (Windows PowerShell only), or null.</summary>
    public static string? LoadWarning { get; private set; }

    public void OnImport() => EnsureHooked();

    public void OnRemove(PSModuleInfo psModuleInfo)
    {
        // Local credentials endpoints live only as long as the module (and need the engine, so before unhooking).
        CredentialEndpointRegistry.StopAll();
        lock (s_lock)
        {
            if (!s_hooked)
            {
                return;
            }

            if (IsCoreClr)
            {
                CoreHook.Unhook();
            }
            else
            {
                AppDomain.CurrentDomain.AssemblyResolve -= ResolveDesktop;
            }

            s_hooked = false;
        }
    }

    /// <summary>Idempotent; also called by the cmdlet base class in case the assembly was loaded without Import-Module.</summary>
    public static void EnsureHooked()
    {
        lock (s_lock)
        {
            if (s_hooked)
            {
                return;
            }

            if (IsCoreClr)
            {
                CoreHook.Hook();
            }
            else
            {
                LoadWarning = FindConflictingAwsSdk();
                AppDomain.CurrentDomain.AssemblyResolve += ResolveDesktop;
            }

            s_hooked = true;
        }
    }

    private static Assembly? ResolveDesktop(object? sender, ResolveEventArgs args)
    {
        var name = new AssemblyName(args.Name).Name;
        if (name is null)
        {
            return null;
        }

        var path = Path.Combine(DependencyDirectory, name + ".dll");
        return File.Exists(path) ? Assembly.LoadFrom(path) : null;
    }

    private static string? FindConflictingAwsSdk()
    {
        var loaded = AppDomain.CurrentDomain.GetAssemblies()
            .FirstOrDefault(a => string.Equals(a.GetName().Name, "AWSSDK.Core", StringComparison.OrdinalIgnoreCase));
        if (loaded is null)
        {
            return null;
        }

        var ours = Path.Combine(DependencyDirectory, "AWSSDK.Core.dll");
        string? ourVersion = File.Exists(ours) ? FileVersionOf(ours) : null;
        string? theirVersion = string.IsNullOrEmpty(loaded.Location) ? null : FileVersionOf(loaded.Location);
        if (ourVersion is not null && ourVersion == theirVersion)
        {
            return null;
        }

        return $"AWSSDK.Core {theirVersion ?? "(unknown build)"} is already loaded from '{loaded.Location}'. Windows PowerShell " +
               $"cannot isolate this module's AWSSDK.Core {ourVersion ?? string.Empty}; AWS calls may fail with 'Method not found'. " +
               "Start a new session and import ZymAwsProvisioning first, or use PowerShell 7, where the module is isolated.";
    }

    private static string? FileVersionOf(string path)
    {
        try
        {
            return System.Diagnostics.FileVersionInfo.GetVersionInfo(path).FileVersion;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Everything that touches AssemblyLoadContext, so Windows PowerShell never JIT-compiles it.</summary>
    private static class CoreHook
    {
        private static ModuleLoadContext? s_context;

        public static void Hook()
        {
            s_context ??= new ModuleLoadContext(DependencyDirectory);
            AssemblyLoadContext.Default.Resolving += ResolveEngine;
        }

        public static void Unhook() => AssemblyLoadContext.Default.Resolving -= ResolveEngine;

        private static Assembly? ResolveEngine(AssemblyLoadContext defaultContext, AssemblyName name)
        {
            // Only the engine's entry assemblies are handed over; their dependencies are then resolved by the
            // module's context itself, never by the default one.
            return name.Name is not null && s_engineAssemblies.Contains(name.Name)
                ? s_context!.LoadFromAssemblyName(name)
                : null;
        }
    }
}
