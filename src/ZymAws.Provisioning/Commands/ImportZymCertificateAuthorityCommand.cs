using System.Management.Automation;
using System.Security;
using System.Threading;
using System.Threading.Tasks;
using ZymAws.Engine;
using ZymAws.Provisioning.Infrastructure;
using EnginePki = ZymAws.Engine.Pki;

namespace ZymAws.Provisioning.Commands;

/// <summary>
/// Loads an existing certificate authority (certificate and key files, or the folder New-ZymCertificateAuthority made),
/// including one made the seed's way with openssl (SEC1 EC key, self-signed certificate) and RSA CAs. Checks that the
/// key matches the certificate and that the certificate may sign certificates.
/// </summary>
[Cmdlet(VerbsData.Import, "ZymCertificateAuthority", HelpUri = HelpLinks.DocsBaseUri + "Import-ZymCertificateAuthority.md")]
[OutputType(typeof(CertificateAuthority))]
public sealed class ImportZymCertificateAuthorityCommand : ZymAsyncCmdlet
{
    /// <summary>
    /// The CA certificate (PEM or DER), or the CA's folder: ca.pem and ca.key (New-ZymCertificateAuthority and its
    /// backups) or zk_ca.crt and zk_ca.key (the seed's mk_ca.sh).
    /// </summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Path")]
    [ValidateNotNullOrEmpty]
    public string CertificatePath { get; set; } = string.Empty;

    /// <summary>The CA private key: PKCS#8 (encrypted or not), SEC1 "EC PRIVATE KEY", or PKCS#1 RSA. Default: the folder's key.</summary>
    [Parameter(Position = 1, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? KeyPath { get; set; }

    /// <summary>The passphrase of an encrypted key.</summary>
    [Parameter]
    public SecureString? Passphrase { get; set; }

    protected override Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        var passphrase = Secrets.ToChars(Passphrase);
        try
        {
            var paths = new FileSystemPaths(this);
            var given = paths.ResolveOutputPath(CertificatePath);
            string certificatePath;
            string keyPath;
            if (System.IO.Directory.Exists(given))
            {
                (certificatePath, keyPath) = EnginePki.CaFolder.Files(given);
                keyPath = string.IsNullOrEmpty(KeyPath) ? keyPath : paths.ResolveInputPath(KeyPath!);
            }
            else
            {
                certificatePath = paths.ResolveInputPath(CertificatePath);
                keyPath = string.IsNullOrEmpty(KeyPath)
                    ? throw new ZymException("CaKeyPathMissing", ZymErrorCategory.InvalidArgument,
                        $"'{CertificatePath}' is a certificate file: give its key with -KeyPath, or give the CA's folder instead.", CertificatePath)
                    : paths.ResolveInputPath(KeyPath!);
            }

            var engine = EnginePki.CaSigner.Load(certificatePath, keyPath, passphrase, Log);
            Pipeline.WriteObject(new CertificateAuthority(engine));
        }
        catch (ItemNotFoundException e)
        {
            Pipeline.WriteError(new ErrorRecord(e, "PathNotFound", ErrorCategory.ObjectNotFound, CertificatePath));
        }
        catch (ZymException e)
        {
            Pipeline.WriteError(e, null);
        }
        finally
        {
            Secrets.Clear(passphrase);
        }

        return Task.CompletedTask;
    }
}
