using System;
using System.Runtime.InteropServices;
using System.Text;

namespace ZymAws.Engine.Internal;

/// <summary>
/// The few libc calls <see cref="SecureFile"/> needs on Unix. Only non-variadic functions are bound
/// (no <c>open</c>: variadic calls are not portable through P/Invoke on every ABI), so the temp file is
/// made by <c>mkostemp</c>/<c>mkstemp</c>, which create it exclusively with mode 0600 before a byte is written.
/// glibc is bound as <c>libc.so.6</c>; musl and macOS through <c>libc</c>. Never reached on Windows.
/// </summary>
internal static class UnixFileNative
{
    internal const int EINTR = 4;
    internal const int EEXIST = 17;

    private static int s_library; // 0 unknown, 1 libc.so.6, 2 libc

    internal static bool IsUnix => !RuntimeInformation.IsOSPlatform(OSPlatform.Windows);

    internal static byte[] Utf8Z(string path)
    {
        int count = Encoding.UTF8.GetByteCount(path);
        var bytes = new byte[count + 1];
        Encoding.UTF8.GetBytes(path, 0, path.Length, bytes, 0);
        return bytes;
    }

    internal static string FromUtf8Z(byte[] bytes)
    {
        int end = Array.IndexOf(bytes, (byte)0);
        return Encoding.UTF8.GetString(bytes, 0, end < 0 ? bytes.Length : end);
    }

    /// <summary>Creates a unique file from a template ending in XXXXXX, mode 0600, close-on-exec where possible.</summary>
    internal static int MakeTemp(byte[] template)
    {
        bool linux = RuntimeInformation.IsOSPlatform(OSPlatform.Linux);
        return Call(
            () => linux ? Glibc.mkostemp(template, 0x80000 /* O_CLOEXEC */) : Glibc.mkstemp(template),
            () => linux ? Libc.mkostemp(template, 0x80000) : Libc.mkstemp(template));
    }

    internal static int Write(int fd, byte[] buffer, int offset, int count)
    {
        unsafe
        {
            fixed (byte* p = buffer)
            {
                IntPtr ptr = (IntPtr)(p + offset);
                return (int)Call(() => (long)Glibc.write(fd, ptr, (UIntPtr)count), () => (long)Libc.write(fd, ptr, (UIntPtr)count));
            }
        }
    }

    internal static int FSync(int fd) => Call(() => Glibc.fsync(fd), () => Libc.fsync(fd));

    internal static int FChmod(int fd, int mode) => Call(() => Glibc.fchmod(fd, mode), () => Libc.fchmod(fd, mode));

    internal static int Close(int fd) => Call(() => Glibc.close(fd), () => Libc.close(fd));

    internal static int Rename(string from, string to) => Call(() => Glibc.rename(Utf8Z(from), Utf8Z(to)), () => Libc.rename(Utf8Z(from), Utf8Z(to)));

    internal static int Link(string existing, string newPath) => Call(() => Glibc.link(Utf8Z(existing), Utf8Z(newPath)), () => Libc.link(Utf8Z(existing), Utf8Z(newPath)));

    internal static int Unlink(string path) => Call(() => Glibc.unlink(Utf8Z(path)), () => Libc.unlink(Utf8Z(path)));

    internal static int Chmod(string path, int mode) => Call(() => Glibc.chmod(Utf8Z(path), mode), () => Libc.chmod(Utf8Z(path), mode));

    /// <summary>mkdir(2): the folder is created with at most <paramref name="mode"/> (the umask may take more away).</summary>
    internal static int Mkdir(string path, int mode) => Call(() => Glibc.mkdir(Utf8Z(path), mode), () => Libc.mkdir(Utf8Z(path), mode));

    internal static int LastErrno() => Marshal.GetLastWin32Error();

    private static T Call<T>(Func<T> glibc, Func<T> libc)
    {
        if (s_library != 2)
        {
            try
            {
                T result = glibc();
                s_library = 1;
                return result;
            }
            catch (DllNotFoundException)
            {
                s_library = 2;
            }
            catch (EntryPointNotFoundException)
            {
                s_library = 2;
            }
        }

        return libc();
    }

#pragma warning disable SA1300, IDE1006 // libc names
    private static class Glibc
    {
        private const string Lib = "libc.so.6";

        [DllImport(Lib, SetLastError = true)]
        internal static extern int mkstemp(byte[] template);

        [DllImport(Lib, SetLastError = true)]
        internal static extern int mkostemp(byte[] template, int flags);

        [DllImport(Lib, SetLastError = true)]
        internal static extern IntPtr write(int fd, IntPtr buf, UIntPtr count);

        [DllImport(Lib, SetLastError = true)]
        internal static extern int fsync(int fd);

        [DllImport(Lib, SetLastError = true)]
        internal static extern int fchmod(int fd, int mode);

        [DllImport(Lib, SetLastError = true)]
        internal static extern int close(int fd);

        [DllImport(Lib, SetLastError = true)]
        internal static extern int rename(byte[] oldpath, byte[] newpath);

        [DllImport(Lib, SetLastError = true)]
        internal static extern int link(byte[] oldpath, byte[] newpath);

        [DllImport(Lib, SetLastError = true)]
        internal static extern int unlink(byte[] path);

        [DllImport(Lib, SetLastError = true)]
        internal static extern int chmod(byte[] path, int mode);

        [DllImport(Lib, SetLastError = true)]
        internal static extern int mkdir(byte[] path, int mode);
    }

    private static class Libc
    {
        private const string Lib = "libc";

        [DllImport(Lib, SetLastError = true)]
        internal static extern int mkstemp(byte[] template);

        [DllImport(Lib, SetLastError = true)]
        internal static extern int mkostemp(byte[] template, int flags);

        [DllImport(Lib, SetLastError = true)]
        internal static extern IntPtr write(int fd, IntPtr buf, UIntPtr count);

        [DllImport(Lib, SetLastError = true)]
        internal static extern int fsync(int fd);

        [DllImport(Lib, SetLastError = true)]
        internal static extern int fchmod(int fd, int mode);

        [DllImport(Lib, SetLastError = true)]
        internal static extern int close(int fd);

        [DllImport(Lib, SetLastError = true)]
        internal static extern int rename(byte[] oldpath, byte[] newpath);

        [DllImport(Lib, SetLastError = true)]
        internal static extern int link(byte[] oldpath, byte[] newpath);

        [DllImport(Lib, SetLastError = true)]
        internal static extern int unlink(byte[] path);

        [DllImport(Lib, SetLastError = true)]
        internal static extern int chmod(byte[] path, int mode);

        [DllImport(Lib, SetLastError = true)]
        internal static extern int mkdir(byte[] path, int mode);
    }
#pragma warning restore SA1300, IDE1006
}
