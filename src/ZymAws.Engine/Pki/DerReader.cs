namespace ZymAws.Engine.Pki;

/// <summary>Minimal DER walking: find the exact bytes of an element (signatures cover original bytes, not a re-encoding).</summary>
internal static class DerReader
{
    /// <summary>
    /// Checks that <paramref name="der"/> is exactly one constructed SEQUENCE and returns the span of its first
    /// element (tag through end of content).
    /// </summary>
    internal static bool TryFirstElementOfSequence(byte[] der, out int offset, out int length)
    {
        offset = 0;
        length = 0;
        if (der.Length < 2 || der[0] != 0x30)
        {
            return false;
        }

        int pos = 1;
        if (!TryReadLength(der, ref pos, out int outerLength) || (long)pos + outerLength != der.Length)
        {
            return false;
        }

        int start = pos;
        if (pos >= der.Length || der[pos] != 0x30)
        {
            return false;
        }

        pos++;
        if (!TryReadLength(der, ref pos, out int innerLength) || (long)pos + innerLength > der.Length)
        {
            return false;
        }

        offset = start;
        length = pos + innerLength - start;
        return true;
    }

    internal static bool TryReadLength(byte[] der, ref int pos, out int length)
    {
        length = 0;
        if (pos >= der.Length)
        {
            return false;
        }

        int b = der[pos++];
        if (b < 0x80)
        {
            length = b;
            return true;
        }

        int count = b & 0x7F;
        if (count == 0 || count > 4 || pos + count > der.Length)
        {
            return false;
        }

        long value = 0;
        for (int i = 0; i < count; i++)
        {
            value = (value << 8) | der[pos++];
        }

        if (value > int.MaxValue)
        {
            return false;
        }

        length = (int)value;
        return true;
    }

    /// <summary>Writes a DER length prefix for <paramref name="length"/>.</summary>
    internal static int WriteLength(byte[] buffer, int pos, int length)
    {
        if (length < 0x80)
        {
            buffer[pos++] = (byte)length;
        }
        else if (length <= 0xFF)
        {
            buffer[pos++] = 0x81;
            buffer[pos++] = (byte)length;
        }
        else if (length <= 0xFFFF)
        {
            buffer[pos++] = 0x82;
            buffer[pos++] = (byte)(length >> 8);
            buffer[pos++] = (byte)length;
        }
        else
        {
            buffer[pos++] = 0x83;
            buffer[pos++] = (byte)(length >> 16);
            buffer[pos++] = (byte)(length >> 8);
            buffer[pos++] = (byte)length;
        }

        return pos;
    }

    internal static int LengthOfLength(int length) => length < 0x80 ? 1 : length <= 0xFF ? 2 : length <= 0xFFFF ? 3 : 4;

    /// <summary>SEQUENCE { parts... } from already-encoded parts.</summary>
    internal static byte[] Sequence(params byte[][] parts)
    {
        int body = 0;
        foreach (var p in parts)
        {
            body += p.Length;
        }

        var result = new byte[1 + LengthOfLength(body) + body];
        result[0] = 0x30;
        int pos = WriteLength(result, 1, body);
        foreach (var p in parts)
        {
            System.Buffer.BlockCopy(p, 0, result, pos, p.Length);
            pos += p.Length;
        }

        return result;
    }
}
