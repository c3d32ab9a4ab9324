using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Reflection;

namespace ZymAws.Provisioning.Infrastructure;

/// <summary>
/// The session's defaults for the module's cmdlets, kept where PowerShell keeps defaults: $PSDefaultParameterValues,
/// one "Command:Parameter" entry per cmdlet that has the parameter (never a wildcard: a wildcard would also reach a
/// parameter of the same name that means something else, e.g. Install-ZymCredentialProcess's -ProfileName, the
/// profile it writes). AWS.Tools' cmdlets are not touched.
/// </summary>
internal static class SessionDefaults
{
    /// <summary>The settings and the cmdlets each applies to.</summary>
    public static readonly IReadOnlyDictionary<string, IReadOnlyList<string>> Targets = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase)
    {
        // The AWS connection: every cmdlet that calls AWS.
        ["Region"] = AwsCmdletNames(),
        ["ProfileName"] = AwsCmdletNames(),
        ["EndpointUrl"] = AwsCmdletNames(),

        // The CA that signs and provisions (not Get-ZymDevice's -CertificateAuthority, a filter).
        ["CertificateAuthority"] = new[] { "Approve-ZymDeviceCsr", "Invoke-ZymDeviceProvisioning" },
    };

    public static IEnumerable<string> Keys(string setting) => Targets[setting].Select(command => command + ":" + setting);

    /// <summary>$PSDefaultParameterValues of the session (global scope), created if missing.</summary>
    public static IDictionary Dictionary(PSCmdlet cmdlet)
    {
        if (cmdlet.SessionState.PSVariable.GetValue("global:PSDefaultParameterValues") is IDictionary existing)
        {
            return existing;
        }

        var created = new DefaultParameterDictionary();
        cmdlet.SessionState.PSVariable.Set("global:PSDefaultParameterValues", created);
        return created;
    }

    /// <summary>The module's defaults now set, one per setting: the value of its entries when they agree (null when unset).</summary>
    public static IEnumerable<(string Setting, object? Value, int Entries)> Read(IDictionary dictionary)
    {
        foreach (string setting in Targets.Keys)
        {
            var values = Keys(setting).Where(dictionary.Contains).Select(k => dictionary[k]).ToList();
            yield return (setting, values.Count == 0 ? null : PSValues.Unwrap(values[0]), values.Count);
        }
    }

    private static string[] AwsCmdletNames() => typeof(AwsCmdlet).Assembly.GetTypes()
        .Where(t => !t.IsAbstract && typeof(AwsCmdlet).IsAssignableFrom(t))
        .Select(t => t.GetCustomAttribute<CmdletAttribute>())
        .Where(a => a is not null)
        .Select(a => a!.VerbName + "-" + a.NounName)
        .OrderBy(n => n, StringComparer.Ordinal)
        .ToArray();
}
