using System;
using System.Collections.Generic;

namespace ZymAws.Engine.Pki;

/// <summary>One PEM block: its label ("CERTIFICATE", "CERTIFICATE REQUEST", …), RFC 1421 headers, and decoded bytes.</summary>
public sealed class PemBlock
{
    internal PemBlock(string label, IReadOnlyDictionary<string, string> headers, byte[] data, string text)
    {
        Label = label;
        Headers = headers;
        Data = data;
        Text = text;
    }

    /// <summary>The label between BEGIN/END, e.g. "CERTIFICATE".</summary>
    public string Label { get; }

    /// <summary>Headers such as Proc-Type and DEK-Info (legacy OpenSSL encryption); usually empty.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; }

    /// <summary>The base64-decoded content (DER).</summary>
    public byte[] Data { get; }

    /// <summary>The block as it appeared in the input, BEGIN to END.</summary>
    internal string Text { get; }

    /// <inheritdoc />
    public override string ToString() => $"PEM {Label} ({Data.Length} bytes)";
}
