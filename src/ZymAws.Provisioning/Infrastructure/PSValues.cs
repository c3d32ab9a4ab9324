using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;

namespace ZymAws.Provisioning.Infrastructure;

/// <summary>The one place PowerShell's wrappers are taken off values the user gave (PSObject, hashtable entries, properties).</summary>
internal static class PSValues
{
    /// <summary>The object inside a PSObject; anything else as it is.</summary>
    public static object? Unwrap(object? value) => value is PSObject ps ? ps.BaseObject : value;

    /// <summary>A property of <paramref name="item"/>, unwrapped; null when it has none.</summary>
    public static object? Property(PSObject item, string name) => Unwrap(item.Properties[name]?.Value);

    /// <summary>A non-empty string property of <paramref name="item"/>, else null.</summary>
    public static string? Text(PSObject item, string name) => Property(item, name) is string s && s.Length > 0 ? s : null;

    /// <summary>@{ name = value } as text keys and values (null: empty text); null for no hashtable.</summary>
    public static Dictionary<string, string>? ToStrings(Hashtable? table)
    {
        if (table is null)
        {
            return null;
        }

        var result = new Dictionary<string, string>();
        foreach (DictionaryEntry entry in table)
        {
            result[entry.Key?.ToString() ?? string.Empty] = Unwrap(entry.Value)?.ToString() ?? string.Empty;
        }

        return result;
    }

    /// <summary>The entries of @{ name = value } with their values unwrapped.</summary>
    public static IEnumerable<KeyValuePair<string, object?>> Entries(Hashtable? table)
    {
        if (table is null)
        {
            yield break;
        }

        foreach (DictionaryEntry entry in table)
        {
            yield return new KeyValuePair<string, object?>(entry.Key?.ToString() ?? string.Empty, Unwrap(entry.Value));
        }
    }
}
