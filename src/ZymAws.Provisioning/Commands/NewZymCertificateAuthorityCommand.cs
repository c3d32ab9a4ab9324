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
/// ca.key (encrypted PKCS#8 unless -NoPassphrase, owner-only 0600), in the folder -Path. Replacing an existing CA
/// (-Force) keeps the old files in a backup folder, asks as a High-impact action does, and is refused while the old CA
/// is registered with AWS IoT (checked when AWS credentials are at hand) unless -ReplaceRegistered.
/// </summary>
[Cmdlet(VerbsCommon.New, "ZymCertificateAuthority", HelpUri = HelpLinks.DocsBaseUri + "New-ZymCertificateAuthority.md", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = PassphraseSet)]
[OutputType(typeof(CertificateAuthority))]
public sealed class NewZymCertificateAuthorityCommand : AwsCmdlet
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

    /// <summary>
    /// Replaces an existing CA in -Path. The old ca.pem and ca.key are kept in backup-&lt;UTC time&gt; (owner-only) in the
    /// folder; the replacement is confirmed as a High-impact action (-Confirm:$false in scripts).
    /// </summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>With -Force: replaces the CA even when it is registered with AWS IoT (it stays registered there).</summary>
    [Parameter]
    public SwitchParameter ReplaceRegistered { get; set; }

    protected override async Task EndProcessingAsync(CancellationToken cancellationToken)
    {
        var folder = new FileSystemPaths(this).ResolveOutputPath(Path);
        var certificatePath = System.IO.Path.Combine(folder, EnginePki.CaFolder.CertificateFileName);
        var keyPath = System.IO.Path.Combine(folder, EnginePki.CaFolder.KeyFileName);
        var whatIf = Confirmation.IsWhatIf(this);
        var highImpactNeedsAsking = Confirmation.WouldAsk(this, ConfirmImpact.High) && !Confirmation.WouldAsk(this, ConfirmImpact.Medium);
        EnginePki.ExistingCa? existing;
        try
        {
            existing = EnginePki.ExistingCa.Find(certificatePath, keyPath);
        }
        catch (ZymException e)
        {
            throw Terminate(e, Path);
        }

        string action = $"Create certificate authority '{Subject}' (ca.pem, ca.key)";
        if (existing is not null)
        {
            if (!Force)
            {
                throw Terminate(ErrorRecords.From(new ZymException("FileExists", ZymErrorCategory.ResourceExists,
                    $"'{folder}' already holds a certificate authority ({existing.Description}). Use -Force to replace it; the old ca.pem and ca.key are then kept in a backup folder.", folder), Path));
            }

            await CheckNotRegisteredAsync(existing, folder, cancellationToken).ConfigureAwait(false);
            action = $"Replace certificate authority {existing.Description} with a new one '{Subject}'; the old ca.pem and ca.key are kept in a {EnginePki.ExistingCa.BackupPrefix}<time> folder there";
        }

        if (!await Pipeline.ShouldProcessAsync(folder, action).ConfigureAwait(false))
        {
            return;
        }

        if (existing is not null && highImpactNeedsAsking && !whatIf)
        {
            // Replacing a CA is High impact, creating one is not: the cmdlet stays Medium so a new CA is made without a
            // question, and the replacement asks as a High-impact action would (-Confirm:$false or $ConfirmPreference = 'None' skip it).
            var answer = await Pipeline.InvokeAsync(() => AskToReplace(existing, folder)).ConfigureAwait(false);
            if (answer is null)
            {
                throw Terminate(ErrorRecords.InvalidArgument("CaReplaceNotConfirmed",
                    $"Replacing the certificate authority in '{folder}' needs a confirmation this session cannot ask for; add -Confirm:$false to replace it.", Path));
            }

            if (answer == false)
            {
                return;
            }
        }

        char[]? passphrase = null;
        try
        {
            if (!NoPassphrase)
            {
                (SecureString? secure, ErrorRecord? refusal) = Passphrase is not null
                    ? (Passphrase, null)
                    : await Pipeline.InvokeAsync(AskPassphraseTwice).ConfigureAwait(false);
                if (refusal is not null)
                {
                    throw Terminate(refusal);
                }

                passphrase = Secrets.ToChars(secure);
            }

            if (passphrase is { Length: 0 })
            {
                throw Terminate(ErrorRecords.InvalidArgument("PassphraseEmpty", "The passphrase is empty. Give a passphrase, or -NoPassphrase.", Path));
            }

            var algorithm = Curve == "P384" ? DeviceKeyAlgorithm.EcP384 : DeviceKeyAlgorithm.EcP256;
            var engine = EnginePki.CaSigner.Create(Subject, algorithm, ValidityDays);
            var protection = passphrase is null ? KeyProtection.None : KeyProtection.WithPassphrase(passphrase);
            var backup = engine.SaveReplacing(certificatePath, keyPath, protection, DateTime.UtcNow);
            if (backup is not null)
            {
                Pipeline.WriteVerbose($"The replaced CA {existing!.Description} is kept in {backup}; Import-ZymCertificateAuthority '{backup}' loads it.");
            }

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
    }

    /// <summary>
    /// Refuses to replace a CA that is registered with AWS IoT (unless -ReplaceRegistered), checked in the session's
    /// region when AWS credentials are at hand; says what was and was not checked.
    /// </summary>
    private async Task CheckNotRegisteredAsync(EnginePki.ExistingCa existing, string folder, CancellationToken cancellationToken)
    {
        if (ReplaceRegistered)
        {
            Pipeline.WriteVerbose($"-ReplaceRegistered: whether {existing.Description} is registered with AWS IoT was not checked.");
            return;
        }

        if (existing.Certificate is null)
        {
            Pipeline.WriteVerbose($"'{folder}' holds {existing.Description}: there is no CA certificate to look up in AWS IoT.");
            return;
        }

        var session = TryGetSession(out var unavailable);
        if (session is null)
        {
            Pipeline.WriteWarning($"Whether the CA being replaced ({existing.Description}) is registered with AWS IoT was not checked: {unavailable!.Message.TrimEnd('.')}. " +
                                  "If it is, devices signed by it keep working but no further device can be signed by it; the old files stay in the backup folder.");
            return;
        }

        Engine.Aws.IotCaCertificateDescription? registered;
        try
        {
            registered = await new Engine.Registration.CaRegistrar(session, Log).FindAsync(existing.Certificate, cancellationToken).ConfigureAwait(false);
        }
        catch (ZymException e)
        {
            throw Terminate(ErrorRecords.From(new ZymException("CaRegistrationUnchecked", ZymErrorCategory.ConnectionError,
                $"Could not check whether the CA being replaced ({existing.Description}) is registered with AWS IoT in {session.Region}: {e.Message.TrimEnd('.')}. " +
                "Fix the AWS access, or add -ReplaceRegistered to replace it without that check.", folder, e), Path));
        }

        if (registered is not null)
        {
            throw Terminate(ErrorRecords.From(new ZymException("CaRegisteredWithAws", ZymErrorCategory.InvalidOperation,
                $"The CA in '{folder}' ({existing.Description}) is registered with AWS IoT in {session.Region} ({registered.Status}): replacing it means no further device can be signed by it. " +
                "Keep it, choose another -Path, or add -ReplaceRegistered to replace it anyway (the old files are kept in a backup folder; Unregister-ZymCaWithAws removes the registration).", folder), Path));
        }

        Pipeline.WriteVerbose($"Checked AWS IoT in {session.Region}: the CA being replaced ({existing.Description}) is not registered there (other regions were not checked).");
    }

    /// <summary>The High-impact question; null when this session cannot ask. Pipeline thread only.</summary>
    private bool? AskToReplace(EnginePki.ExistingCa existing, string folder)
    {
        try
        {
            return ShouldContinue(
                $"Replace the certificate authority in '{folder}' ({existing.Description})? Devices signed by it keep their certificates, but no further device can be signed by it; the old ca.pem and ca.key are kept in a backup folder.",
                "Replace certificate authority");
        }
        catch (Exception e) when (e is PSInvalidOperationException or NotImplementedException or System.Management.Automation.Host.HostException)
        {
            return null;
        }
    }

    /// <summary>
    /// Asks for the passphrase twice (a typo would lock the CA key away for good); pipeline thread only. Returns the
    /// refusal instead of throwing, as it runs in the pipeline thread's queue.
    /// </summary>
    private (SecureString? Passphrase, ErrorRecord? Refusal) AskPassphraseTwice()
    {
        SecureString first;
        SecureString second;
        try
        {
            // Host.UI.Prompt, not Write + ReadLineAsSecureString: a session that cannot ask (pwsh -NonInteractive) refuses
            // before it prints anything, so no prompt text ends up in a CI log.
            var fields = new System.Collections.ObjectModel.Collection<System.Management.Automation.Host.FieldDescription>
            {
                SecureField("Passphrase for the CA key"),
                SecureField("Passphrase again"),
            };
            var answers = Host.UI.Prompt(null, null, fields);
            first = SecureAnswer(answers, fields[0].Name);
            second = SecureAnswer(answers, fields[1].Name);
        }
        catch (Exception e) when (e is PSInvalidOperationException or NotImplementedException or InvalidOperationException or System.Management.Automation.Host.HostException)
        {
            return (null, ErrorRecords.InvalidArgument(
                "PassphraseRequired", "The CA key needs -Passphrase (or -NoPassphrase to leave it unencrypted); this session cannot ask for one.", Path));
        }

        var a = Secrets.ToChars(first);
        var b = Secrets.ToChars(second);
        try
        {
            if (a is null || b is null || a.Length == 0 || !System.Linq.Enumerable.SequenceEqual(a, b))
            {
                return (null, ErrorRecords.InvalidArgument(
                    "PassphraseMismatch", "The two passphrases are empty or differ; nothing was written.", Path));
            }
        }
        finally
        {
            Secrets.Clear(a);
            Secrets.Clear(b);
        }

        return (first, null);
    }

    private static System.Management.Automation.Host.FieldDescription SecureField(string name)
    {
        var field = new System.Management.Automation.Host.FieldDescription(name);
        field.SetParameterType(typeof(SecureString));
        return field;
    }

    private static SecureString SecureAnswer(System.Collections.Generic.Dictionary<string, PSObject>? answers, string name)
        => answers is not null && answers.TryGetValue(name, out var answer) && answer?.BaseObject is SecureString secure ? secure : new SecureString();
}
