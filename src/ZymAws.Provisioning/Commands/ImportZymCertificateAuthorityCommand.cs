using System.Management.Automation;
using System.Security;
using System.Threading;
using System.Threading.Tasks;
using ZymAws.Engine;
using ZymAws.Provisioning.Infrastructure;
using EnginePki = ZymAws.Engine.Pki;

namespace ZymAws.Provisioning.Commands;

/// <summary>
/// Loads an existing certificate authority (certificate and key files), including one made the seed's way with
/// openssl (SEC1 EC key, self-signed certificate) and RSA CAs. Checks that the key matches the certificate and that
/// the certificate may sign certificates.
/// </summary>
[Cmdlet(VerbsData.Import, "ZymCertificateAuthority", HelpUri = HelpLinks.DocsBaseUri + "Import-ZymCertificateAuthority.md")]
[OutputType(typeof(CertificateAuthority))]
public sealed class ImportZymCertificateAuthorityCommand : ZymAsyncCmdlet
{
    /// <summary>The CA certificate (PEM or DER).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string CertificatePath { get; set; } = string.Empty;

    /// <summary>The CA private key: PKCS#8 (encrypted or not), SEC1 "EC PRIVATE KEY", or PKCS#1 RSA.</summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string KeyPath { get; set; } = string.Empty;

    /// <summary>The passphrase of an encrypted key.</summary>
    [Parameter]
    public SecureString? Passphrase { get; set; }

    protected override Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        var passphrase = Secrets.ToChars(Passphrase);
        try
        {
            var paths = new FileSystemPaths(this);
            var certificatePath = paths.ResolveInputPath(CertificatePath);
            var keyPath = paths.ResolveInputPath(KeyPath);
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
