using System;
using System.Collections.Generic;

namespace ZymAws.Engine.Provisioning;

/// <summary>
/// Where one device's certificate or CSR is, as the caller found it in an input item: PEM known to be one or the
/// other, PEM text or a file of either kind (told apart by its PEM label), or a row's paths. See
/// <see cref="DeviceRequests.Build"/>.
/// </summary>
public sealed class DeviceInput
{
    /// <summary>A certificate's PEM (a certificate object, or a row's CertificatePem).</summary>
    public string? CertificatePem { get; set; }

    /// <summary>A row's certificate file (resolved with <see cref="ResolvePath"/> when used).</summary>
    public string? CertificatePath { get; set; }

    /// <summary>A CSR's PEM (a CSR object, or a row's CsrPem).</summary>
    public string? CsrPem { get; set; }

    /// <summary>A row's CSR file (resolved with <see cref="ResolvePath"/> when used).</summary>
    public string? CsrPath { get; set; }

    /// <summary>PEM text holding a certificate or a CSR.</summary>
    public string? Text { get; set; }

    /// <summary>A file holding a certificate or a CSR (resolved with <see cref="ResolvePath"/> when used).</summary>
    public string? Path { get; set; }

    /// <summary>A file holding a certificate or a CSR, already a full path (used as it is).</summary>
    public string? FullPath { get; set; }

    /// <summary>The names of a row's properties (e.g. the columns of an Import-Csv row), for the error when none of them names a certificate or CSR.</summary>
    public IReadOnlyList<string>? Columns { get; set; }

    /// <summary>Turns a path the user typed into a full path (and may throw when it names nothing); null: used as it is.</summary>
    public Func<string, string>? ResolvePath { get; set; }
}
