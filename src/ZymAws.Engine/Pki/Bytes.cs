namespace ZymAws.Engine.Pki;

/// <summary>Byte-for-byte comparison of DER blobs, keys and names.</summary>
internal static class Bytes
{
    /// <summary>Same length, same bytes.</summary>
    internal static bool Same(byte[] a, byte[] b)
    {
        if (a.Length != b.Length)
        {
            return false;
        }

        for (int i = 0; i < a.Length; i++)
        {
            if (a[i] != b[i])
            {
                return false;
            }
        }

        return true;
    }
}
