using System;
using System.Runtime.InteropServices;
using System.Security;

namespace ZymAws.Provisioning.Infrastructure;

/// <summary>SecureString to the char[] the engine takes; the caller clears it with <see cref="Clear"/>.</summary>
internal static class Secrets
{
    public static char[]? ToChars(SecureString? secure)
    {
        if (secure is null)
        {
            return null;
        }

        var pointer = IntPtr.Zero;
        try
        {
            pointer = Marshal.SecureStringToGlobalAllocUnicode(secure);
            var chars = new char[secure.Length];
            Marshal.Copy(pointer, chars, 0, chars.Length);
            return chars;
        }
        finally
        {
            if (pointer != IntPtr.Zero)
            {
                Marshal.ZeroFreeGlobalAllocUnicode(pointer);
            }
        }
    }

    public static void Clear(char[]? chars)
    {
        if (chars is not null)
        {
            Array.Clear(chars, 0, chars.Length);
        }
    }
}
