using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using ZymAws.Engine.Diagnostics;

namespace ZymAws.Zymkey.Native;

/// <summary>
/// A loaded libzk_app_utils.so and the addresses of its functions, called as unmanaged cdecl function
/// pointers (C bool passed as one byte, every other argument blittable). Libraries stay loaded for the life
/// of the process; loading the same file twice gives the same instance.
/// </summary>
internal sealed unsafe class ZymkeyLibrary
{
    private static readonly object s_loadLock = new();
    private static readonly Dictionary<IntPtr, ZymkeyLibrary> s_loaded = new();

    private ZymkeyLibrary(string path, IntPtr handle)
    {
        Path = path;
        Handle = handle;
    }

    /// <summary>The file (or loader name) the library was loaded from.</summary>
    public string Path { get; }

    public IntPtr Handle { get; }

    // Required.
    public delegate* unmanaged[Cdecl]<IntPtr*, int> ZkOpen { get; private set; }

    public delegate* unmanaged[Cdecl]<IntPtr, int> ZkClose { get; private set; }

    public delegate* unmanaged[Cdecl]<IntPtr, byte*, int, IntPtr*, int*, int> ZkGenECDSASigFromDigest { get; private set; }

    /// <summary>libc free, resolved through the library's own dependencies (the allocator it uses).</summary>
    public delegate* unmanaged[Cdecl]<IntPtr, void> Free { get; private set; }

    // At least one of these two.
    public delegate* unmanaged[Cdecl]<IntPtr, IntPtr*, int*, int, byte, int> ZkExportPubKey { get; private set; }

    public delegate* unmanaged[Cdecl]<IntPtr, IntPtr*, int*, int, int> ZkGetECDSAPubKey { get; private set; }

    // Optional: calling a missing one raises ZymkeyFunctionNotAvailable.
    public delegate* unmanaged[Cdecl]<IntPtr, byte*, int, byte*, int, int> ZkVerifyECDSASigFromDigest { get; private set; }

    public delegate* unmanaged[Cdecl]<IntPtr, IntPtr*, int, int> ZkGetRandBytes { get; private set; }

    public delegate* unmanaged[Cdecl]<IntPtr, IntPtr*, int> ZkGetModelNumberString { get; private set; }

    public delegate* unmanaged[Cdecl]<IntPtr, IntPtr*, int> ZkGetFirmwareVersionString { get; private set; }

    public delegate* unmanaged[Cdecl]<IntPtr, IntPtr*, int> ZkGetSerialNumberString { get; private set; }

    public delegate* unmanaged[Cdecl]<IntPtr, int, int> ZkGenKeyPair { get; private set; }

    public delegate* unmanaged[Cdecl]<IntPtr, byte, int*, IntPtr*, int*, int> ZkGetAllocSlotsList { get; private set; }

    public delegate* unmanaged[Cdecl]<IntPtr, int, byte, int> ZkRemoveKey { get; private set; }

    /// <summary>
    /// Finds and loads the library as <paramref name="options"/> says (see <see cref="ZymkeyOptions"/>), or
    /// throws ZymkeyLibraryNotFound listing every candidate and why it failed.
    /// </summary>
    public static ZymkeyLibrary Load(ZymkeyOptions options, IEngineLog log)
    {
        if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux))
        {
            throw ZymkeyException.LibraryNotFound(
                $"The Zymkey library {ZymkeyOptions.LibraryFileName} is available on Linux only; this system is {RuntimeInformation.OSDescription}.",
                Array.Empty<string>());
        }

        var tried = new List<string>();
        var overridePath = options.EffectiveLibraryPath;
        foreach (var (path, isFile) in Candidates(options))
        {
            if (isFile && !File.Exists(path))
            {
                tried.Add($"{path} (not found)");
                log.Debug($"Zymkey library not at {path}.");
                continue;
            }

            var handle = DynamicLoader.Open(path, out var error);
            if (handle == IntPtr.Zero)
            {
                tried.Add(isFile ? $"{path} ({error})" : $"{path} via the system loader ({error})");
                log.Debug($"Zymkey library {path} did not load: {error}");
                continue;
            }

            ZymkeyLibrary? library;
            lock (s_loadLock)
            {
                if (s_loaded.TryGetValue(handle, out library))
                {
                    DynamicLoader.Close(handle); // balance this dlopen; the library stays loaded
                }
                else
                {
                    library = new ZymkeyLibrary(path, handle);
                    var missing = library.Bind();
                    if (missing is not null)
                    {
                        DynamicLoader.Close(handle);
                        tried.Add($"{path} (loaded, but it lacks {missing}: not a usable libzk_app_utils)");
                        log.Debug($"Zymkey library {path} lacks {missing}.");
                        continue;
                    }

                    s_loaded.Add(handle, library);
                }
            }

            if (overridePath is not null && tried.Count > 0)
            {
                log.Warning($"The Zymkey library override '{overridePath}' could not be used ({tried[0]}); using {library.Path} instead.");
            }

            log.Verbose($"Using the Zymkey library {library.Path}" +
                        (library.ZkExportPubKey == null ? " (no zkExportPubKey: public keys come from zkGetECDSAPubKey)." : "."));
            return library;
        }

        var message = $"The Zymkey library {ZymkeyOptions.LibraryFileName} was not found or could not be loaded. Tried: " +
                      (tried.Count == 0 ? "nothing (no search locations configured)" : string.Join("; ", tried)) +
                      $". Install Zymbit's zkapputilslib package, or set {ZymkeyOptions.LibraryPathVariable} to the library file or its folder.";
        throw ZymkeyException.LibraryNotFound(message, tried.AsReadOnly());
    }

    /// <summary>The candidates in search order: (path, true) for files, (name, false) for the loader search.</summary>
    internal static IEnumerable<(string Path, bool IsFile)> Candidates(ZymkeyOptions options)
    {
        var overridePath = options.EffectiveLibraryPath;
        if (overridePath is not null)
        {
            yield return (Directory.Exists(overridePath)
                ? System.IO.Path.Combine(overridePath, ZymkeyOptions.LibraryFileName)
                : overridePath, true);
        }

        foreach (var directory in options.SearchDirectories ?? Array.Empty<string>())
        {
            if (!string.IsNullOrWhiteSpace(directory))
            {
                yield return (System.IO.Path.Combine(directory, ZymkeyOptions.LibraryFileName), true);
            }
        }

        if (options.SearchLoaderPath)
        {
            yield return (ZymkeyOptions.LibraryFileName, false);
        }
    }

    /// <summary>Resolves the functions; returns a description of what required ones are missing, or null.</summary>
    private string? Bind()
    {
        ZkOpen = (delegate* unmanaged[Cdecl]<IntPtr*, int>)Sym("zkOpen");
        ZkClose = (delegate* unmanaged[Cdecl]<IntPtr, int>)Sym("zkClose");
        ZkGenECDSASigFromDigest = (delegate* unmanaged[Cdecl]<IntPtr, byte*, int, IntPtr*, int*, int>)Sym("zkGenECDSASigFromDigest");
        Free = (delegate* unmanaged[Cdecl]<IntPtr, void>)Sym("free");
        ZkExportPubKey = (delegate* unmanaged[Cdecl]<IntPtr, IntPtr*, int*, int, byte, int>)Sym("zkExportPubKey");
        ZkGetECDSAPubKey = (delegate* unmanaged[Cdecl]<IntPtr, IntPtr*, int*, int, int>)Sym("zkGetECDSAPubKey");
        ZkVerifyECDSASigFromDigest = (delegate* unmanaged[Cdecl]<IntPtr, byte*, int, byte*, int, int>)Sym("zkVerifyECDSASigFromDigest");
        ZkGetRandBytes = (delegate* unmanaged[Cdecl]<IntPtr, IntPtr*, int, int>)Sym("zkGetRandBytes");
        ZkGetModelNumberString = (delegate* unmanaged[Cdecl]<IntPtr, IntPtr*, int>)Sym("zkGetModelNumberString");
        ZkGetFirmwareVersionString = (delegate* unmanaged[Cdecl]<IntPtr, IntPtr*, int>)Sym("zkGetFirmwareVersionString");
        ZkGetSerialNumberString = (delegate* unmanaged[Cdecl]<IntPtr, IntPtr*, int>)Sym("zkGetSerialNumberString");
        ZkGenKeyPair = (delegate* unmanaged[Cdecl]<IntPtr, int, int>)Sym("zkGenKeyPair");
        ZkGetAllocSlotsList = (delegate* unmanaged[Cdecl]<IntPtr, byte, int*, IntPtr*, int*, int>)Sym("zkGetAllocSlotsList");
        ZkRemoveKey = (delegate* unmanaged[Cdecl]<IntPtr, int, byte, int>)Sym("zkRemoveKey");

        var missing = new List<string>();
        if (ZkOpen == null)
        {
            missing.Add("zkOpen");
        }

        if (ZkClose == null)
        {
            missing.Add("zkClose");
        }

        if (ZkGenECDSASigFromDigest == null)
        {
            missing.Add("zkGenECDSASigFromDigest");
        }

        if (ZkExportPubKey == null && ZkGetECDSAPubKey == null)
        {
            missing.Add("zkExportPubKey/zkGetECDSAPubKey");
        }

        if (Free == null)
        {
            missing.Add("free");
        }

        return missing.Count == 0 ? null : string.Join(", ", missing);
    }

    private void* Sym(string name) => (void*)DynamicLoader.Symbol(Handle, name);
}
