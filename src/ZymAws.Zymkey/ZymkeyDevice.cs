using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Threading;
using ZymAws.Engine;
using ZymAws.Engine.Diagnostics;
using ZymAws.Zymkey.Native;

namespace ZymAws.Zymkey;

/// <summary>
/// An open Zymkey: a lease on the process-wide zkCTX of one loaded libzk_app_utils. The first
/// <see cref="Open"/> loads the library (see <see cref="ZymkeyOptions"/>) and calls zkOpen; later ones share
/// that context; disposing the last lease calls zkClose. Every library call in the process is serialised
/// by one lock, so any number of threads may use any number of leases. Library-allocated outputs are
/// freed with libc free. Nothing is loaded until the first <see cref="Open"/>, and only on Linux.
/// </summary>
public sealed unsafe class ZymkeyDevice : IDisposable
{
    /// <summary>Size of a digest the device signs (SHA-256).</summary>
    public const int DigestSize = 32;

    /// <summary>Size of a raw signature (r‖s) and of a raw public key (X‖Y).</summary>
    public const int RawSize = 64;

    /// <summary>Serialises every call into any Zymkey library in the process.</summary>
    internal static readonly object CallLock = new();

    private static readonly object s_registryLock = new();
    private static readonly Dictionary<IntPtr, SharedContext> s_contexts = new();

    private readonly SharedContext _shared;
    private int _disposed;

    private ZymkeyDevice(SharedContext shared)
    {
        _shared = shared;
    }

    /// <summary>The library file (or loader name) in use.</summary>
    public string LibraryPath => _shared.Library.Path;

    /// <summary>Whether the library has zkExportPubKey (otherwise public keys come from zkGetECDSAPubKey).</summary>
    public bool HasExportPubKey => _shared.Library.ZkExportPubKey != null;

    /// <summary>
    /// Opens the Zymkey: loads the library if needed, and opens the process-wide context or takes another
    /// lease on it. Throws <see cref="ZymkeyException"/> ("ZymkeyLibraryNotFound", or "ZymkeyCallFailed"
    /// for zkOpen).
    /// </summary>
    public static ZymkeyDevice Open(ZymkeyOptions? options = null, IEngineLog? log = null)
    {
        options ??= ZymkeyOptions.Default;
        log ??= NullEngineLog.Instance;
        var library = ZymkeyLibrary.Load(options, log);
        lock (s_registryLock)
        {
            if (!s_contexts.TryGetValue(library.Handle, out var shared))
            {
                var handle = new ZymkeyContextHandle(library);
                var context = IntPtr.Zero;
                int rc;
                lock (CallLock)
                {
                    rc = library.ZkOpen(&context);
                    if (rc == 0 && context != IntPtr.Zero)
                    {
                        handle.Attach(context);
                    }
                }

                if (rc != 0)
                {
                    handle.SetHandleAsInvalid();
                    throw ZymkeyException.CallFailed("zkOpen", rc, null);
                }

                if (handle.IsInvalid)
                {
                    handle.SetHandleAsInvalid();
                    throw new ZymkeyException("ZymkeyResultInvalid", ZymErrorCategory.InvalidResult,
                        "zkOpen succeeded but returned no context.", "zkOpen");
                }

                shared = new SharedContext(library, handle);
                s_contexts.Add(library.Handle, shared);
                log.Verbose($"Opened the Zymkey through {library.Path}.");
            }

            shared.Leases++;
            return new ZymkeyDevice(shared);
        }
    }

    /// <summary>Signs a 32-byte digest with the key in <paramref name="slot"/>; returns the raw 64-byte r‖s.</summary>
    public byte[] GenerateSignature(int slot, byte[] digest)
    {
        ValidateDigest(digest);
        ValidateSlot(slot);
        var library = _shared.Library;
        var signature = IntPtr.Zero;
        var size = 0;
        using var call = Enter();
        fixed (byte* d = digest)
        {
            try
            {
                var rc = library.ZkGenECDSASigFromDigest(call.Context, d, slot, &signature, &size);
                Check("zkGenECDSASigFromDigest", rc, slot);
                return CopyOut(signature, size, RawSize, "zkGenECDSASigFromDigest", slot);
            }
            finally
            {
                if (signature != IntPtr.Zero)
                {
                    library.Free(signature);
                }
            }
        }
    }

    /// <summary>Asks the device whether a raw 64-byte r‖s signature over a digest is valid for a slot's key.</summary>
    public bool VerifySignature(int slot, byte[] digest, byte[] signature)
    {
        ValidateDigest(digest);
        ValidateSlot(slot);
        if (signature is null || signature.Length != RawSize)
        {
            throw new ZymkeyException("ZymkeyArgumentInvalid", ZymErrorCategory.InvalidArgument,
                $"A Zymkey signature must be {RawSize} bytes (r||s); got {signature?.Length ?? 0}.", "signature");
        }

        var library = _shared.Library;
        var verify = Require(library.ZkVerifyECDSASigFromDigest != null, "zkVerifyECDSASigFromDigest");
        using var call = Enter();
        fixed (byte* d = digest, s = signature)
        {
            var rc = library.ZkVerifyECDSASigFromDigest(call.Context, d, slot, s, signature.Length);
            if (rc < 0)
            {
                throw ZymkeyException.CallFailed(verify, rc, SlotTarget(slot));
            }

            return rc == 1;
        }
    }

    /// <summary>
    /// The raw 64-byte public key (X‖Y) of a slot, from zkExportPubKey, or from zkGetECDSAPubKey when the
    /// library is too old to have zkExportPubKey (foreign slots then need the newer library).
    /// </summary>
    public byte[] ExportPublicKey(int slot, bool foreign = false)
    {
        ValidateSlot(slot);
        var library = _shared.Library;
        var key = IntPtr.Zero;
        var size = 0;
        string function;
        using var call = Enter();
        try
        {
            int rc;
            if (library.ZkExportPubKey != null)
            {
                function = "zkExportPubKey";
                rc = library.ZkExportPubKey(call.Context, &key, &size, slot, foreign ? (byte)1 : (byte)0);
            }
            else if (!foreign)
            {
                function = "zkGetECDSAPubKey";
                rc = library.ZkGetECDSAPubKey(call.Context, &key, &size, slot);
            }
            else
            {
                throw NotAvailable("zkExportPubKey");
            }

            Check(function, rc, slot);
            return CopyOut(key, size, RawSize, function, slot);
        }
        finally
        {
            if (key != IntPtr.Zero)
            {
                library.Free(key);
            }
        }
    }

    /// <summary>Random bytes from the device's generator.</summary>
    public byte[] GetRandomBytes(int count)
    {
        if (count <= 0)
        {
            throw new ZymkeyException("ZymkeyArgumentInvalid", ZymErrorCategory.InvalidArgument,
                $"The number of random bytes must be positive; got {count}.", count);
        }

        var library = _shared.Library;
        var function = Require(library.ZkGetRandBytes != null, "zkGetRandBytes");
        var data = IntPtr.Zero;
        using var call = Enter();
        try
        {
            Check(function, library.ZkGetRandBytes(call.Context, &data, count), null);
            return CopyOut(data, count, count, function, null);
        }
        finally
        {
            if (data != IntPtr.Zero)
            {
                library.Free(data);
            }
        }
    }

    /// <summary>The model string (zkGetModelNumberString).</summary>
    public string GetModel() => GetString(_shared.Library.ZkGetModelNumberString, "zkGetModelNumberString");

    /// <summary>The firmware version string (zkGetFirmwareVersionString).</summary>
    public string GetFirmwareVersion() => GetString(_shared.Library.ZkGetFirmwareVersionString, "zkGetFirmwareVersionString");

    /// <summary>The serial number string (zkGetSerialNumberString); opaque text.</summary>
    public string GetSerialNumber() => GetString(_shared.Library.ZkGetSerialNumberString, "zkGetSerialNumberString");

    /// <summary>
    /// Model, firmware, serial and (where the device can say) the allocated slots. zkGetAllocSlotsList is
    /// asked whenever the library has it; its failure is an error on an HSM6 / SCM, and means "cannot say"
    /// (AllocatedSlots null) on other models.
    /// </summary>
    public ZymkeyDeviceInfo GetInfo()
    {
        var model = GetModel();
        var info = new ZymkeyDeviceInfo
        {
            Model = model,
            FirmwareVersion = GetFirmwareVersion(),
            SerialNumber = GetSerialNumber(),
            LibraryPath = LibraryPath,
        };
        if (_shared.Library.ZkGetAllocSlotsList == null)
        {
            return info;
        }

        try
        {
            var slots = GetAllocatedSlots();
            return info with { AllocatedSlots = slots.Slots, MaxKeySlots = slots.MaxKeys };
        }
        catch (ZymkeyException e) when (e.ReturnCode.HasValue && !IsHsm6Model(model))
        {
            return info;
        }
    }

    /// <summary>Generates a key pair in the key store (HSM6 / SCM); returns its new slot number.</summary>
    public int GenerateKeyPair(ZymkeyKeyType type)
    {
        var library = _shared.Library;
        var function = Require(library.ZkGenKeyPair != null, "zkGenKeyPair");
        using var call = Enter();
        var rc = library.ZkGenKeyPair(call.Context, (int)type);
        if (rc < 0)
        {
            throw ZymkeyException.CallFailed(function, rc, $"Zymkey key type {type}");
        }

        return rc;
    }

    /// <summary>The allocated key slots (HSM6 / SCM): zkGetAllocSlotsList.</summary>
    public ZymkeySlotList GetAllocatedSlots(bool foreign = false)
    {
        var library = _shared.Library;
        var function = Require(library.ZkGetAllocSlotsList != null, "zkGetAllocSlotsList");
        var max = 0;
        var list = IntPtr.Zero;
        var count = 0;
        using var call = Enter();
        try
        {
            Check(function, library.ZkGetAllocSlotsList(call.Context, foreign ? (byte)1 : (byte)0, &max, &list, &count), null);
            if (count < 0 || (count > 0 && list == IntPtr.Zero))
            {
                throw new ZymkeyException("ZymkeyResultInvalid", ZymErrorCategory.InvalidResult,
                    $"{function} returned an invalid list (count {count}).", function);
            }

            var slots = new int[count];
            if (count > 0)
            {
                Marshal.Copy(list, slots, 0, count);
            }

            return new ZymkeySlotList(max, Array.AsReadOnly(slots));
        }
        finally
        {
            if (list != IntPtr.Zero)
            {
                library.Free(list);
            }
        }
    }

    /// <summary>Removes a key from the key store (HSM6 / SCM): zkRemoveKey.</summary>
    public void RemoveKey(int slot, bool foreign = false)
    {
        ValidateSlot(slot);
        var library = _shared.Library;
        var function = Require(library.ZkRemoveKey != null, "zkRemoveKey");
        using var call = Enter();
        Check(function, library.ZkRemoveKey(call.Context, slot, foreign ? (byte)1 : (byte)0), slot);
    }

    /// <summary>
    /// This device's id: <see cref="DeviceId.Compute"/> over this Zymkey's serial number and the host's
    /// identifiers (<see cref="DeviceIdInputs.FromHost"/>).
    /// </summary>
    public string GetDeviceId(DeviceIdHostPaths? hostPaths = null, IReadOnlyDictionary<string, string>? extra = null)
        => DeviceId.Compute(DeviceIdInputs.FromHost(GetSerialNumber(), hostPaths, extra));

    /// <summary>Releases this lease; the last one closes the context (zkClose).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        lock (s_registryLock)
        {
            if (--_shared.Leases == 0)
            {
                s_contexts.Remove(_shared.Library.Handle);
                _shared.Handle.Dispose();
            }
        }
    }

    /// <summary>How many contexts are open in the process (tests check none leaks between them).</summary>
    internal static int OpenContextCount
    {
        get
        {
            lock (s_registryLock)
            {
                return s_contexts.Count;
            }
        }
    }

    internal static bool IsHsm6Model(string model)
        => model.IndexOf("HSM6", StringComparison.OrdinalIgnoreCase) >= 0
           || model.IndexOf("SCM", StringComparison.OrdinalIgnoreCase) >= 0;

    internal static string SlotTarget(int slot) => $"Zymkey slot {slot}";

    private static void ValidateDigest(byte[] digest)
    {
        if (digest is null || digest.Length != DigestSize)
        {
            throw new ZymkeyException("ZymkeyDigestInvalid", ZymErrorCategory.InvalidArgument,
                $"A Zymkey signs a {DigestSize}-byte SHA-256 digest; got {(digest is null ? "none" : digest.Length + " bytes")}.", "digest");
        }
    }

    private static void ValidateSlot(int slot)
    {
        if (slot < 0)
        {
            throw new ZymkeyException("ZymkeySlotInvalid", ZymErrorCategory.InvalidArgument,
                $"A Zymkey slot number cannot be negative; got {slot}.", slot);
        }
    }

    private static void Check(string function, int rc, int? slot)
    {
        if (rc != 0)
        {
            throw ZymkeyException.CallFailed(function, rc, slot.HasValue ? SlotTarget(slot.Value) : null);
        }
    }

    private static byte[] CopyOut(IntPtr data, int size, int expected, string function, int? slot)
    {
        if (data == IntPtr.Zero || size != expected)
        {
            throw new ZymkeyException("ZymkeyResultInvalid", ZymErrorCategory.InvalidResult,
                $"{function} returned {(data == IntPtr.Zero ? "no data" : size + " bytes")}; expected {expected} bytes.",
                slot.HasValue ? SlotTarget(slot.Value) : function);
        }

        var result = new byte[size];
        Marshal.Copy(data, result, 0, size);
        return result;
    }

    private static string Require(bool present, string function) => present ? function : throw NotAvailable(function);

    private static ZymkeyException NotAvailable(string function)
        => new("ZymkeyFunctionNotAvailable", ZymErrorCategory.NotImplemented,
            $"The installed Zymkey library has no {function} (it is too old, or the function is HSM6-only).", function);

    private string GetString(delegate* unmanaged[Cdecl]<IntPtr, IntPtr*, int> getter, string function)
    {
        Require(getter != null, function);
        var library = _shared.Library;
        var text = IntPtr.Zero;
        using var call = Enter();
        try
        {
            Check(function, getter(call.Context, &text), null);
            return DynamicLoader.PtrToUtf8(text) ?? throw new ZymkeyException("ZymkeyResultInvalid",
                ZymErrorCategory.InvalidResult, $"{function} returned no string.", function);
        }
        finally
        {
            if (text != IntPtr.Zero)
            {
                library.Free(text);
            }
        }
    }

    private CallScope Enter()
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            throw new ObjectDisposedException(nameof(ZymkeyDevice));
        }

        return new CallScope(_shared.Handle);
    }

    private sealed class SharedContext
    {
        public SharedContext(ZymkeyLibrary library, ZymkeyContextHandle handle)
        {
            Library = library;
            Handle = handle;
        }

        public ZymkeyLibrary Library { get; }

        public ZymkeyContextHandle Handle { get; }

        public int Leases { get; set; }
    }

    /// <summary>Holds the context alive (SafeHandle reference) and the call lock for one library call.</summary>
    private readonly struct CallScope : IDisposable
    {
        private readonly ZymkeyContextHandle _handle;

        public CallScope(ZymkeyContextHandle handle)
        {
            var added = false;
            handle.DangerousAddRef(ref added);
            _handle = handle;
            Monitor.Enter(CallLock);
            Context = handle.DangerousGetHandle();
        }

        public IntPtr Context { get; }

        public void Dispose()
        {
            Monitor.Exit(CallLock);
            _handle.DangerousRelease();
        }
    }
}
