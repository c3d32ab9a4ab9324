using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using ZymAws.Provisioning.Infrastructure;

namespace ZymAws.Provisioning.Commands;

/// <summary>
/// Gets the AWS IoT credentials-provider endpoint of the account in a region (DescribeEndpoint with
/// endpoint type iot:CredentialProvider).
/// </summary>
[Cmdlet(VerbsCommon.Get, "ZymCredentialProviderEndpoint", HelpUri = HelpLinks.DocsBaseUri + "Get-ZymCredentialProviderEndpoint.md")]
[OutputType(typeof(CredentialProviderEndpoint))]
public sealed class GetZymCredentialProviderEndpointCommand : AwsCmdlet
{
    protected override async Task EndProcessingAsync(CancellationToken cancellationToken)
    {
        var session = GetSession();
        var endpoint = await session.Iot.DescribeEndpointAsync("iot:CredentialProvider", cancellationToken).ConfigureAwait(false);
        Pipeline.WriteObject(new CredentialProviderEndpoint(endpoint, session.Region));
    }
}
