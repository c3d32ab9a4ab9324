using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Linq;

namespace ZymAws.Provisioning;

/// <summary>
/// A read-only list whose text is its items joined by "; ". Output types use it for every list property, so
/// ConvertTo-Json still writes an array while Export-Csv / ConvertTo-Csv (which take each value's text) write
/// "a; b" instead of the list's type name.
/// </summary>
public sealed class JoinedList<T> : ReadOnlyCollection<T>
{
    /// <summary>The separator of <see cref="ToString"/>.</summary>
    public const string Separator = "; ";

    internal JoinedList(IEnumerable<T>? items)
        : base(items?.ToList() ?? new List<T>())
    {
    }

    /// <summary>The items' text joined by "; " (empty for no items).</summary>
    public override string ToString() => string.Join(Separator, this.Select(item => item?.ToString()));
}

/// <summary>Name = value pairs whose text is "name=value; name=value" (for Export-Csv); ConvertTo-Json writes an object.</summary>
public sealed class JoinedMap : Dictionary<string, string>
{
    internal JoinedMap(IEnumerable<KeyValuePair<string, string>> entries)
    {
        foreach (var entry in entries)
        {
            this[entry.Key] = entry.Value;
        }
    }

    /// <summary>The pairs as "name=value" joined by "; ", sorted by name.</summary>
    public override string ToString() => string.Join(JoinedList<string>.Separator, this.OrderBy(e => e.Key, System.StringComparer.Ordinal).Select(e => e.Key + "=" + e.Value));
}

internal static class Joined
{
    public static JoinedList<T> List<T>(IEnumerable<T>? items) => new(items);
}
