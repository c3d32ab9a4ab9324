using System;
using System.Runtime.InteropServices;
using System.Text;

namespace ZymAws.Zymkey.Native;

/// <summary>
/// dlopen/dlsym/dlerror through P/Invoke (NativeLibrary is not in netstandard2.0). glibc before 2.34
/// (Raspberry Pi OS Bullseye) exports them from libdl.so.2 only; newer glibc also from libc.so.6, and
/// libdl.so.2 remains as a stub. We try libdl.so.2 first and fall back to libc.so.6.
/// Nothing here runs until a Zymkey is opened.
/// </summary>
internal static class DynamicLoader
{
    private const int RtldNow = 0x2;
    private const int RtldLocal = 0x0;

    private static bool s_useLibc;

    /// <summary>Loads a library; returns IntPtr.Zero and the loader's message on failure.</summary>
    public static IntPtr Open(string path, out string? error)
    {
        error = null;
        IntPtr handle;
        try
        {
            // Bind the dlerror stub now: the runtime resolves a P/Invoke on its first call with dlsym, which
            // would clear the error dlopen is about to leave (dlerror state is per thread).
            _ = LastError();
            handle = s_useLibc ? LibC.dlopen(path, RtldNow | RtldLocal) : LibDl.dlopen(path, RtldNow | RtldLocal);
        }
        catch (Exception e) when (!s_useLibc && (e is DllNotFoundException || e is EntryPointNotFoundException))
        {
            s_useLibc = true;
            _ = LastError();
            handle = LibC.dlopen(path, RtldNow | RtldLocal);
        }

        if (handle == IntPtr.Zero)
        {
            error = LastError() ?? "dlopen failed";
        }

        return handle;
    }

    /// <summary>Finds a symbol; IntPtr.Zero when missing.</summary>
    public static IntPtr Symbol(IntPtr handle, string name)
    {
        var address = s_useLibc ? LibC.dlsym(handle, name) : LibDl.dlsym(handle, name);
        if (address == IntPtr.Zero)
        {
            _ = LastError(); // clear the pending error
        }

        return address;
    }

    public static void Close(IntPtr handle)
    {
        _ = s_useLibc ? LibC.dlclose(handle) : LibDl.dlclose(handle);
    }

    private static string? LastError()
    {
        var message = s_useLibc ? LibC.dlerror() : LibDl.dlerror();
        return PtrToUtf8(message);
    }

    /// <summary>Reads a NUL-terminated UTF-8 string (Marshal.PtrToStringUTF8 is not in netstandard2.0).</summary>
    public static unsafe string? PtrToUtf8(IntPtr p)
    {
        if (p == IntPtr.Zero)
        {
            return null;
        }

        var bytes = (byte*)p;
        var length = 0;
        while (bytes[length] != 0)
        {
            length++;
        }

        return Encoding.UTF8.GetString(bytes, length);
    }

    private static class LibDl
    {
        private const string Name = "libdl.so.2";

        [DllImport(Name)]
        public static extern IntPtr dlopen([MarshalAs(UnmanagedType.LPStr)] string file, int mode);

        [DllImport(Name)]
        public static extern IntPtr dlsym(IntPtr handle, [MarshalAs(UnmanagedType.LPStr)] string name);

        [DllImport(Name)]
        public static extern IntPtr dlerror();

        [DllImport(Name)]
        public static extern int dlclose(IntPtr handle);
    }

    private static class LibC
    {
        private const string Name = "libc.so.6";

        [DllImport(Name)]
        public static extern IntPtr dlopen([MarshalAs(UnmanagedType.LPStr)] string file, int mode);

        [DllImport(Name)]
        public static extern IntPtr dlsym(IntPtr handle, [MarshalAs(UnmanagedType.LPStr)] string name);

        [DllImport(Name)]
        public static extern IntPtr dlerror();

        [DllImport(Name)]
        public static extern int dlclose(IntPtr handle);
    }
}
