using System;
using System.Runtime.InteropServices;

namespace ZymAws.Zymkey.Native;

/// <summary>Owns one zkCTX; releasing it calls zkClose (under the process-wide call lock).</summary>
internal sealed unsafe class ZymkeyContextHandle : SafeHandle
{
    private readonly ZymkeyLibrary _library;

    public ZymkeyContextHandle(ZymkeyLibrary library)
        : base(IntPtr.Zero, ownsHandle: true)
    {
        _library = library;
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    /// <summary>The result of zkClose, for diagnostics (0 when it succeeded).</summary>
    public int CloseResult { get; private set; }

    internal void Attach(IntPtr context) => SetHandle(context);

    protected override bool ReleaseHandle()
    {
        lock (ZymkeyDevice.CallLock)
        {
            CloseResult = _library.ZkClose(handle);
        }

        return CloseResult == 0;
    }
}
