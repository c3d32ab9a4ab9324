using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using ZymAws.Engine;
using ZymAws.Provisioning.Infrastructure;
using EnginePki = ZymAws.Engine.Pki;

namespace ZymAws.Provisioning.Commands;

/// <summary>
/// Issues device certificates for CSRs from the pipeline (CSR objects, files or PEM text), after checking each one:
/// its signature, its key (P-256/P-384, RSA 2048+), its thing name, and that it asks for no CA rights. One bad CSR is
/// an error for that item; the rest of the batch goes on.
/// </summary>
[Cmdlet(VerbsLifecycle.Approve, "ZymDeviceCsr", HelpUri = HelpLinks.DocsBaseUri + "Approve-ZymDeviceCsr.md", SupportsShouldProcess = true, DefaultParameterSetName = InputSet)]
[OutputType(typeof(DeviceCertificate))]
public sealed class ApproveZymDeviceCsrCommand : ZymAsyncCmdlet
{
    private const string InputSet = "InputObject";
    private const string PathSet = "Path";
    private const string LiteralPathSet = "LiteralPath";
    private FileSystemPaths? _paths;
    private OutputFiles? _output;
    private int _written;

    /// <summary>The CA that signs (from New-ZymCertificateAuthority or Import-ZymCertificateAuthority).</summary>
    [Parameter(Mandatory = true, Position = 0)]
    public CertificateAuthority CertificateAuthority { get; set; } = null!;

    /// <summary>A CSR object from New-ZymDeviceCsr, PEM text, or a file (FileInfo or path).</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputSet)]
    [Alias("Csr", "CsrPem")]
    public PSObject InputObject { get; set; } = null!;

    /// <summary>CSR files to sign; wildcards allowed.</summary>
    [Parameter(Mandatory = true, ParameterSetName = PathSet)]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = Array.Empty<string>();

    /// <summary>CSR files to sign, taken literally (no wildcards).</summary>
    [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet)]
    [Alias("PSPath", "LP")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = Array.Empty<string>();

    /// <summary>Validity of the device certificates in days.</summary>
    [Parameter]
    [ValidateRange(1, EnginePki.CaSigner.MaxValidityDays)]
    public int ValidityDays { get; set; } = EnginePki.CaSigner.DefaultDeviceValidityDays;

    /// <summary>Writes each certificate (PEM) to &lt;ThingName&gt;.pem in this folder.</summary>
    [Parameter]
    public string? OutDirectory { get; set; }

    /// <summary>Writes the certificate (PEM) to this file (one CSR only).</summary>
    [Parameter]
    public string? OutFile { get; set; }

    /// <summary>Overwrites existing certificate files.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    private BatchProgress? _progress;

    protected override Task BeginProcessingAsync(CancellationToken cancellationToken)
    {
        _paths = new FileSystemPaths(this);
        _output = OutputFiles.From(_paths, OutFile, OutDirectory, ".pem");
        return Task.CompletedTask;
    }

    protected override Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        _progress ??= new BatchProgress(Pipeline, "Signing device CSRs");
        if (ParameterSetName == InputSet)
        {
            // Piped: the count is not known; progress shows how many are done and the item at hand.
            var item = InputObject.BaseObject;
            _progress.Next(item is DeviceCsr csr ? csr.ThingName : item is FileInfo info ? info.Name : item.ToString() ?? string.Empty);
            Approve(item, () => Read(item));
            return Task.CompletedTask;
        }

        // -Path / -LiteralPath: every file is found first, so progress knows the count.
        var literal = ParameterSetName == LiteralPathSet;
        var files = new List<string>();
        _paths!.ForEachInputFile(literal ? LiteralPath : Path, literal, files.Add, Pipeline.WriteError);
        _progress.AddToTotal(files.Count);
        foreach (var file in files)
        {
            _progress.Next(System.IO.Path.GetFileName(file));
            Approve(file, () => EnginePki.SigningRequest.LoadAll(file));
        }

        return Task.CompletedTask;
    }

    protected override Task EndProcessingAsync(CancellationToken cancellationToken)
    {
        _progress?.Complete();
        return Task.CompletedTask;
    }

    private IReadOnlyList<EnginePki.SigningRequest> Read(object item) => item switch
    {
        DeviceCsr csr => new[] { csr.Engine },
        FileInfo file => EnginePki.SigningRequest.LoadAll(file.FullName),
        string text when EnginePki.Pem.ContainsPem(text) => EnginePki.SigningRequest.ParseAll(text),
        string path => EnginePki.SigningRequest.LoadAll(_paths!.ResolveInputPath(path)),
        byte[] der => new[] { EnginePki.SigningRequest.Parse(der) },
        _ => ReadRow(InputObject),
    };

    /// <summary>A row (e.g. of Import-Csv) with CsrPem, or CsrPath / Path / FullName naming a CSR file.</summary>
    private IReadOnlyList<EnginePki.SigningRequest> ReadRow(PSObject row)
    {
        if (PSValues.Text(row, "CsrPem") is string pem)
        {
            return EnginePki.SigningRequest.ParseAll(pem);
        }

        if ((PSValues.Text(row, "CsrPath") ?? PSValues.Text(row, "FullName") ?? PSValues.Text(row, "Path")) is string path)
        {
            return EnginePki.SigningRequest.LoadAll(_paths!.ResolveInputPath(path));
        }

        var columns = string.Join(", ", row.Properties.Select(p => p.Name));
        throw new ZymException(
            "CsrInputUnsupported",
            ZymErrorCategory.InvalidType,
            row.BaseObject is PSCustomObject
                ? $"This row has the columns {columns}, none of which names a CSR: give each row CsrPath (a CSR file) or CsrPem. " +
                  "A fleet.csv row (ThingName,KeyPath) is for New-ZymDeviceCsr: pipe it there first (Import-Csv fleet.csv | New-ZymDeviceCsr ... | Approve-ZymDeviceCsr ...)."
                : $"Cannot read a CSR from a {row.BaseObject.GetType().FullName}: give a CSR object, PEM text, a file or its path, or a row with CsrPath or CsrPem.",
            row);
    }

    private void Approve(object target, Func<IReadOnlyList<EnginePki.SigningRequest>> read)
    {
        IReadOnlyList<EnginePki.SigningRequest> csrs;
        try
        {
            csrs = read();
        }
        catch (Exception e) when (e is ZymException or ItemNotFoundException or IOException or UnauthorizedAccessException)
        {
            Pipeline.WriteError(e, target);
            return;
        }

        var whatIf = MyInvocation.BoundParameters.ContainsKey("WhatIf");
        foreach (var csr in csrs)
        {
            try
            {
                if (_output is { IsSingleFile: true } && _written > 0)
                {
                    throw new ZymException("OutFileSingleItem", ZymErrorCategory.InvalidArgument,
                        $"-OutFile takes one certificate and one was written already; use -OutDirectory for '{csr.ThingName}' and the rest.", csr.ThingName);
                }

                if (whatIf)
                {
                    // -WhatIf reports the CSRs that would be refused, as a real run would.
                    CertificateAuthority.Engine.CheckDeviceCsr(csr, ValidityDays);
                }

                if (!ShouldProcess(csr.Subject, "Issue device certificate"))
                {
                    continue;
                }

                var issued = CertificateAuthority.Engine.IssueDeviceCertificate(csr, ValidityDays);
                string? path = null;
                if (_output is not null)
                {
                    path = _output.Write(csr.ThingName, issued.CertificatePem, Force.IsPresent);
                    _written++;
                }

                Pipeline.WriteObject(new DeviceCertificate(issued, path));
            }
            catch (ZymException e)
            {
                // The item the user gave (a file, PEM text, a CSR object), never an engine object.
                Pipeline.WriteError(e, target);
            }
        }
    }
}
