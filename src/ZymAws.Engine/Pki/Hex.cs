using System;

namespace ZymAws.Engine.Pki;

/// <summary>Lowercase hex without separators.</summary>
internal static class Hex
{
    private const string Digits = "0123456789abcdef";

    internal static string Lower(byte[] data)
    {
        var chars = new char[data.Length * 2];
        for (int i = 0; i < data.Length; i++)
        {
            chars[2 * i] = Digits[data[i] >> 4];
            chars[(2 * i) + 1] = Digits[data[i] & 0xF];
        }

        return new string(chars);
    }

    internal static bool IsHexDigit(char c) => c is (>= '0' and <= '9') or (>= 'a' and <= 'f') or (>= 'A' and <= 'F');

    internal static int Nibble(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;

    internal static byte[] Decode(string hex)
    {
        if (hex.Length % 2 != 0)
        {
            throw new FormatException("Odd number of hex digits.");
        }

        var bytes = new byte[hex.Length / 2];
        for (int i = 0; i < bytes.Length; i++)
        {
            char a = hex[2 * i];
            char b = hex[(2 * i) + 1];
            if (!IsHexDigit(a) || !IsHexDigit(b))
            {
                throw new FormatException("Not a hex digit.");
            }

            bytes[i] = (byte)((Nibble(a) << 4) | Nibble(b));
        }

        return bytes;
    }
}
