using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using ZymAws.Provisioning.Infrastructure;

namespace ZymAws.Provisioning.Commands;

/// <summary>Removes the session's defaults for the module's cmdlets (all, or the ones named) from $PSDefaultParameterValues.</summary>
[Cmdlet(VerbsCommon.Clear, "ZymAwsDefault", HelpUri = HelpLinks.DocsBaseUri + "Clear-ZymAwsDefault.md", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(ZymAwsDefault))]
public sealed class ClearZymAwsDefaultCommand : ZymAsyncCmdlet
{
    /// <summary>Which defaults to remove. Default: all of them.</summary>
    [Parameter(Position = 0)]
    [ValidateSet("Region", "ProfileName", "EndpointUrl", "CertificateAuthority")]
    public string[] Name { get; set; } = { "Region", "ProfileName", "EndpointUrl", "CertificateAuthority" };

    /// <summary>Write each default removed.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override async Task EndProcessingAsync(CancellationToken cancellationToken)
    {
        var dictionary = SessionDefaults.Dictionary(this);
        foreach (string name in Name.Distinct())
        {
            var keys = SessionDefaults.Keys(name).Where(dictionary.Contains).ToList();
            if (keys.Count > 0 && await Pipeline.ShouldProcessAsync("$PSDefaultParameterValues", $"Remove the default -{name} of {keys.Count} cmdlet(s)"))
            {
                var removed = new ZymAwsDefault(name, PSValues.Unwrap(dictionary[keys[0]]), keys.Select(k => k.Substring(0, k.IndexOf(':'))).ToList(), keys.Count);
                keys.ForEach(dictionary.Remove);
                if (PassThru)
                {
                    Pipeline.WriteObject(removed);
                }
            }
        }
    }
}
