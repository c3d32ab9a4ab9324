using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using System.Threading.Tasks;
using ZymAws.Engine.CredentialProvider;

namespace ZymAws.Provisioning.Infrastructure;

/// <summary>Shared by the credentials-provider setup cmdlets: the engine's setup object and -WhatIf/-Confirm.</summary>
public abstract class SetupCmdlet : AwsCmdlet
{
    internal Engine.CredentialProvider.CredentialProviderSetup CreateSetup() => new(GetSession(), Log);

    /// <summary>ShouldProcess for the engine, asked on the pipeline thread.</summary>
    internal System.Func<string, string, Task<bool>> Confirm => (target, action) => ShouldProcessAsync(target, action);

    /// <summary>-InlinePolicy @{ name = json } as the engine wants it.</summary>
    internal static void CopyInlinePolicies(Hashtable? source, IDictionary<string, string> target)
    {
        if (source is null)
        {
            return;
        }

        foreach (DictionaryEntry entry in source)
        {
            var value = entry.Value is PSObject ps ? ps.BaseObject : entry.Value;
            if (value is not string json)
            {
                throw new PSArgumentException(
                    $"-InlinePolicy '{entry.Key}' must be a JSON policy document (a string); use ConvertTo-Json -Depth 10 on a hashtable.");
            }

            target[entry.Key?.ToString() ?? string.Empty] = json;
        }
    }
}
