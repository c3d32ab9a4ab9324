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
[Cmdlet(VerbsCommon.Get, "ZymCertificateInfo", DefaultParameterSetName = InputSet)]
[OutputType(typeof(CertificateInfo))]
public sealed class GetZymCertificateInfoCommand : ZymAsyncCmdlet
{
    private const string InputSet = "InputObject";
    private const string PathSet = "Path";

    /// <summary>Certificate files (PEM with one or more certificates, or DER).</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = Array.Empty<string>();

    /// <summary>A certificate: PEM text, a DeviceCertificate or CertificateAuthority object, an X509Certificate2, or DER bytes.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputSet)]
    [Alias("Certificate", "CertificatePem")]
    public PSObject InputObject { get; set; } = null!;

    protected override Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        if (ParameterSetName == PathSet)
        {
            foreach (var path in Path)
            {
                Emit(path, () => EnginePki.CertificateInfo.LoadAll(ResolveInputPath(path)));
            }
        }
        else
        {
            var item = InputObject.BaseObject;
            Emit(item, () => Read(item));
        }

        return Task.CompletedTask;
    }

    private static IReadOnlyList<EnginePki.CertificateInfo> Read(object item) => item switch
    {
        DeviceCertificate certificate => new[] { certificate.Engine },
        CertificateAuthority authority => new[] { authority.Engine.Certificate },
        CertificateInfo info => new[] { info.Engine },
        X509Certificate2 x509 => new[] { EnginePki.CertificateInfo.Parse(x509.RawData) },
        FileInfo file => EnginePki.CertificateInfo.LoadAll(file.FullName),
        string text => EnginePki.CertificateInfo.ParseAll(text),
        byte[] der => new[] { EnginePki.CertificateInfo.Parse(der) },
        _ => throw new ZymException(
            "CertificateInputUnsupported",
            ZymErrorCategory.InvalidType,
            $"Cannot read a certificate from a {item.GetType().FullName}: give PEM text, a certificate object, a file or -Path.",
            item),
    };

    private void Emit(object target, Func<IReadOnlyList<EnginePki.CertificateInfo>> read)
    {
        try
        {
            foreach (var info in read())
            {
                WriteObject(new CertificateInfo(info));
            }
        }
        catch (Exception e) when (e is ZymException or ItemNotFoundException or IOException or UnauthorizedAccessException)
        {
            WriteError(e, target);
        }
    }
}
