using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;
using ZymAws.Engine;
using ZymAws.Provisioning.Infrastructure;
using EnginePki = ZymAws.Engine.Pki;

namespace ZymAws.Provisioning.Commands;

/// <summary>
/// Reads certificates (files, PEM text, or certificate objects) and returns their subject parsed the seed's way
/// (ThingName, RoleAlias, CredentialEndpoint, Region, IotPolicy), the AWS certificate id, issuer, validity and key.
/// </summary>
[Cmdlet(VerbsCommon.Get, "ZymCertificateInfo", HelpUri = HelpLinks.DocsBaseUri + "Get-ZymCertificateInfo.md", DefaultParameterSetName = InputSet)]
[OutputType(typeof(CertificateInfo))]
public sealed class GetZymCertificateInfoCommand : ZymAsyncCmdlet
{
    private const string InputSet = "InputObject";
    private const string PathSet = "Path";
    private const string LiteralPathSet = "LiteralPath";
    private FileSystemPaths? _paths;

    /// <summary>Certificate files (PEM with one or more certificates, or DER); wildcards allowed.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet)]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = Array.Empty<string>();

    /// <summary>Certificate files, taken literally (no wildcards).</summary>
    [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet)]
    [Alias("PSPath", "LP")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = Array.Empty<string>();

    /// <summary>
    /// A certificate: PEM text, a file path, a FileInfo, a DeviceCertificate or CertificateAuthority object, an
    /// X509Certificate2, DER bytes, or any object with a FullName, Path or CertificatePem property.
    /// </summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputSet)]
    [Alias("Certificate", "CertificatePem")]
    public PSObject InputObject { get; set; } = null!;

    private FileSystemPaths Paths => _paths ??= new FileSystemPaths(this);

    protected override Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        if (ParameterSetName == InputSet)
        {
            var item = InputObject.BaseObject;
            Emit(item, () => Read(InputObject));
            return Task.CompletedTask;
        }

        var literal = ParameterSetName == LiteralPathSet;
        Paths.ForEachInputFile(literal ? LiteralPath : Path, literal, file => Emit(file, () => EnginePki.CertificateFacts.LoadAll(file)), Pipeline.WriteError);

        return Task.CompletedTask;
    }

    private IReadOnlyList<EnginePki.CertificateFacts> Read(PSObject wrapped) => wrapped.BaseObject switch
    {
        DeviceCertificate certificate => new[] { certificate.Engine },
        CertificateAuthority authority => new[] { authority.Engine.Certificate },
        CertificateInfo info => new[] { info.Engine },
        X509Certificate2 x509 => new[] { EnginePki.CertificateFacts.Parse(x509.RawData) },
        FileInfo file => EnginePki.CertificateFacts.LoadAll(file.FullName),
        string text when EnginePki.Pem.ContainsPem(text) => EnginePki.CertificateFacts.ParseAll(text),
        string path => EnginePki.CertificateFacts.LoadAll(Paths.ResolveInputPath(path)),
        byte[] der => new[] { EnginePki.CertificateFacts.Parse(der) },
        var item when PSValues.Property(wrapped, "CertificatePem") is string pem => EnginePki.CertificateFacts.ParseAll(pem),
        var item when (PSValues.Property(wrapped, "FullName") ?? PSValues.Property(wrapped, "Path")) is string path => EnginePki.CertificateFacts.LoadAll(Paths.ResolveInputPath(path)),
        var item => throw new ZymException(
            "CertificateInputUnsupported",
            ZymErrorCategory.InvalidType,
            $"Cannot read a certificate from a {item.GetType().FullName}: give PEM text, a certificate object, a file or -Path.",
            item),
    };

    private void Emit(object target, Func<IReadOnlyList<EnginePki.CertificateFacts>> read)
    {
        try
        {
            foreach (var info in read())
            {
                Pipeline.WriteObject(new CertificateInfo(info));
            }
        }
        catch (Exception e) when (e is ZymException or ItemNotFoundException or IOException or UnauthorizedAccessException)
        {
            Pipeline.WriteError(e, target);
        }
    }
}
