using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using ZymAws.Provisioning.Infrastructure;

namespace ZymAws.Provisioning.Commands;

/// <summary>Gets the session's defaults for the module's cmdlets (Set-ZymAwsDefault), read from $PSDefaultParameterValues.</summary>
[Cmdlet(VerbsCommon.Get, "ZymAwsDefault", HelpUri = HelpLinks.DocsBaseUri + "Get-ZymAwsDefault.md")]
[OutputType(typeof(ZymAwsDefault))]
public sealed class GetZymAwsDefaultCommand : ZymAsyncCmdlet
{
    protected override Task EndProcessingAsync(CancellationToken cancellationToken)
    {
        var dictionary = SessionDefaults.Dictionary(this);
        foreach (var (name, value, entries) in SessionDefaults.Read(dictionary).Where(d => d.Entries > 0))
        {
            var commands = SessionDefaults.Keys(name).Where(dictionary.Contains).Select(k => k.Substring(0, k.IndexOf(':'))).ToList();
            Pipeline.WriteObject(new ZymAwsDefault(name, value, commands, entries));
        }

        return Task.CompletedTask;
    }
}
