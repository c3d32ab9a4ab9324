using System;
using System.Collections.Generic;
using System.Text;
using System.Text.RegularExpressions;

namespace ZymAws.Engine.Pki;

/// <summary>
/// PEM text helpers. Decoding is tolerant of what people paste: several blocks, text before, between and after
/// them (e.g. <c>openssl x509 -text</c> output), CRLF line ends, indentation, and a byte order mark.
/// Encoding writes 64-column base64 with LF line ends and a final newline.
/// </summary>
public static class Pem
{
    private static readonly Regex s_block = new(
        @"-----BEGIN (?<label>[A-Z0-9][A-Z0-9 ]*)-----(?<body>.*?)-----END \k<label>-----",
        RegexOptions.Singleline | RegexOptions.CultureInvariant | RegexOptions.Compiled);

    /// <summary>True when <paramref name="text"/> contains a PEM BEGIN line (cheap check used to tell PEM text from a path).</summary>
    public static bool ContainsPem(string? text) => text is not null && text.IndexOf("-----BEGIN ", StringComparison.Ordinal) >= 0;

    /// <summary>Decodes every complete PEM block in <paramref name="text"/>.</summary>
    /// <exception cref="ZymException">"PemMalformed" (InvalidData) when a block's base64 is corrupt.</exception>
    public static IReadOnlyList<PemBlock> Decode(string text)
    {
        return Decode(text, (label, reason) => new ZymException(
            "PemMalformed", ZymErrorCategory.InvalidData, $"The PEM block '{label}' is corrupt: {reason}.", label));
    }

    /// <summary>
    /// Reads PEM text with <paramref name="parse"/> (a Parse that throws ZymException), or returns null with the short
    /// reason it cannot be read (empty, no block of the kind, corrupt, not the structure), for callers that word their
    /// own error.
    /// </summary>
    internal static T? TryRead<T>(string? text, Func<string, T> parse, out string? problem)
        where T : class
    {
        problem = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            problem = "it is empty";
            return null;
        }

        try
        {
            return parse(text!);
        }
        catch (ZymException ex)
        {
            problem = PkiErrorIds.ReasonOf(ex);
            return null;
        }
    }

    /// <summary>Encodes <paramref name="der"/> as a PEM block.</summary>
    public static string Encode(string label, byte[] der)
    {
        if (string.IsNullOrEmpty(label))
        {
            throw new ArgumentException("A PEM label is required.", nameof(label));
        }

        string b64 = Convert.ToBase64String(der ?? throw new ArgumentNullException(nameof(der)));
        var sb = new StringBuilder(b64.Length + (b64.Length / 64) + (2 * label.Length) + 40);
        sb.Append("-----BEGIN ").Append(label).Append("-----\n");
        for (int i = 0; i < b64.Length; i += 64)
        {
            sb.Append(b64, i, Math.Min(64, b64.Length - i)).Append('\n');
        }

        sb.Append("-----END ").Append(label).Append("-----\n");
        return sb.ToString();
    }

    internal static IReadOnlyList<PemBlock> Decode(string text, Func<string, string, ZymException> corrupt)
    {
        var result = new List<PemBlock>();
        if (string.IsNullOrEmpty(text))
        {
            return result;
        }

        foreach (Match m in s_block.Matches(text))
        {
            string label = m.Groups["label"].Value;
            string body = m.Groups["body"].Value;
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            var b64 = new StringBuilder(body.Length);
            string[] lines = body.Split('\n');
            bool inHeaders = true;
            foreach (string raw in lines)
            {
                string line = raw.Trim();
                if (line.Length == 0)
                {
                    if (b64.Length > 0 || headers.Count > 0)
                    {
                        inHeaders = false;
                    }

                    continue;
                }

                int colon = line.IndexOf(':');
                if (inHeaders && b64.Length == 0 && colon > 0)
                {
                    headers[line.Substring(0, colon).Trim()] = line.Substring(colon + 1).Trim();
                    continue;
                }

                inHeaders = false;
                b64.Append(line);
            }

            byte[] data;
            try
            {
                data = Convert.FromBase64String(b64.ToString());
            }
            catch (FormatException)
            {
                throw corrupt(label, "the base64 content is invalid");
            }

            if (data.Length == 0)
            {
                throw corrupt(label, "the block is empty");
            }

            result.Add(new PemBlock(label, headers, data, m.Value));
        }

        return result;
    }

    /// <summary>Turns bytes that may be DER or PEM text into text, or null when they look like DER.</summary>
    internal static string? AsText(byte[] data)
    {
        if (data.Length > 0 && data[0] == 0x30)
        {
            return null;
        }

        // Windows PowerShell 5.1 writes UTF-16 files by default.
        if (data.Length >= 2 && data[0] == 0xFF && data[1] == 0xFE)
        {
            return Encoding.Unicode.GetString(data, 2, data.Length - 2);
        }

        if (data.Length >= 2 && data[0] == 0xFE && data[1] == 0xFF)
        {
            return Encoding.BigEndianUnicode.GetString(data, 2, data.Length - 2);
        }

        int start = data.Length >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF ? 3 : 0;
        return Encoding.UTF8.GetString(data, start, data.Length - start);
    }
}
