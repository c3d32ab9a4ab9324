using System;
using System.IO;
using System.Management.Automation;
using System.Security;
using System.Threading;
using System.Threading.Tasks;
using ZymAws.Engine;
using ZymAws.Engine.Keys;
using ZymAws.Provisioning.Infrastructure;
using EnginePki = ZymAws.Engine.Pki;

namespace ZymAws.Provisioning.Commands;

/// <summary>
/// Creates a self-signed root certificate authority for device certificates: ca.pem (the certificate, 0644) and
/// ca.key (encrypted PKCS#8 unless -NoPassphrase, owner-only 0600), in the folder -Path.
/// </summary>
[Cmdlet(VerbsCommon.New, "ZymCertificateAuthority", HelpUri = HelpLinks.DocsBaseUri + "New-ZymCertificateAuthority.md", SupportsShouldProcess = true, DefaultParameterSetName = PassphraseSet)]
[OutputType(typeof(CertificateAuthority))]
public sealed class NewZymCertificateAuthorityCommand : ZymAsyncCmdlet
{
    private const string PassphraseSet = "Passphrase";
    private const string NoPassphraseSet = "NoPassphrase";

    /// <summary>The folder for ca.pem and ca.key; created if missing.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = string.Empty;

    /// <summary>The CA's distinguished name, e.g. "CN=Acme Fleet CA,O=Acme".</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string Subject { get; set; } = string.Empty;

    /// <summary>The CA key's curve.</summary>
    [Parameter]
    [ValidateSet("P256", "P384")]
    public string Curve { get; set; } = "P256";

    /// <summary>Validity of the CA certificate in days.</summary>
    [Parameter]
    [ValidateRange(1, EnginePki.CaSigner.MaxValidityDays)]
    public int ValidityDays { get; set; } = EnginePki.CaSigner.DefaultCaValidityDays;

    /// <summary>
    /// Encrypts the CA key (PKCS#8, AES-256, PBKDF2). When neither this nor -NoPassphrase is given, an interactive
    /// session asks for it twice; a non-interactive one fails with PassphraseRequired.
    /// </summary>
    [Parameter(ParameterSetName = PassphraseSet)]
    public SecureString? Passphrase { get; set; }

    /// <summary>Writes the CA key unencrypted (protected by its owner-only file mode alone).</summary>
    [Parameter(Mandatory = true, ParameterSetName = NoPassphraseSet)]
    public SwitchParameter NoPassphrase { get; set; }

    /// <summary>Overwrites existing ca.pem / ca.key.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override Task EndProcessingAsync(CancellationToken cancellationToken)
    {
        var folder = new FileSystemPaths(this).ResolveOutputPath(Path);
        var certificatePath = System.IO.Path.Combine(folder, "ca.pem");
        var keyPath = System.IO.Path.Combine(folder, "ca.key");
        if (!ShouldProcess(folder, $"Create certificate authority '{Subject}' (ca.pem, ca.key)"))
        {
            return Task.CompletedTask;
        }

        var passphrase = NoPassphrase ? null : Secrets.ToChars(Passphrase ?? AskPassphraseTwice());
        try
        {
            if (passphrase is { Length: 0 })
            {
                throw Terminate(ErrorRecords.InvalidArgument("PassphraseEmpty", "The passphrase is empty. Give a passphrase, or -NoPassphrase.", Path));
            }

            var algorithm = Curve == "P384" ? DeviceKeyAlgorithm.EcP384 : DeviceKeyAlgorithm.EcP256;
            var engine = EnginePki.CaSigner.Create(Subject, algorithm, ValidityDays);
            var protection = passphrase is null ? KeyProtection.None : KeyProtection.WithPassphrase(passphrase);
            engine.Save(certificatePath, keyPath, protection, Force.IsPresent);
            Pipeline.WriteVerbose($"Created CA '{engine.Subject}' ({engine.KeyAlgorithm}), certificate id {engine.CertificateId}, at {folder}.");
            Pipeline.WriteObject(new CertificateAuthority(engine));
        }
        catch (ZymException e)
        {
            throw Terminate(e, Path);
        }
        finally
        {
            Secrets.Clear(passphrase);
        }

        return Task.CompletedTask;
    }

    /// <summary>Asks for the passphrase twice (a typo would lock the CA key away for good); pipeline thread only.</summary>
    private SecureString AskPassphraseTwice()
    {
        SecureString first;
        SecureString second;
        try
        {
            Host.UI.Write("Passphrase for the CA key: ");
            first = Host.UI.ReadLineAsSecureString();
            Host.UI.Write("Passphrase again: ");
            second = Host.UI.ReadLineAsSecureString();
        }
        catch (Exception e) when (e is PSInvalidOperationException or NotImplementedException or InvalidOperationException)
        {
            throw Terminate(ErrorRecords.InvalidArgument(
                "PassphraseRequired", "The CA key needs -Passphrase (or -NoPassphrase to leave it unencrypted); this session cannot ask for one.", Path));
        }

        var a = Secrets.ToChars(first);
        var b = Secrets.ToChars(second);
        try
        {
            if (a is null || b is null || a.Length == 0 || !System.Linq.Enumerable.SequenceEqual(a, b))
            {
                throw Terminate(ErrorRecords.InvalidArgument(
                    "PassphraseMismatch", "The two passphrases are empty or differ; nothing was written.", Path));
            }
        }
        finally
        {
            Secrets.Clear(a);
            Secrets.Clear(b);
        }

        return first;
    }
}
