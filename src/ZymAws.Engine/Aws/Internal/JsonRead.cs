using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text.Json;

namespace ZymAws.Engine.Aws.Internal;

/// <summary>Small, tolerant readers for REST-JSON response members (absent or null members give null).</summary>
internal static class JsonRead
{
    public static string? Str(this JsonElement obj, string name)
    {
        return obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
    }

    public static long? Long(this JsonElement obj, string name)
    {
        if (obj.ValueKind != JsonValueKind.Object || !obj.TryGetProperty(name, out var v))
        {
            return null;
        }

        if (v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out long l))
        {
            return l;
        }

        return v.ValueKind == JsonValueKind.String && long.TryParse(v.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out l) ? l : null;
    }

    public static int? Int(this JsonElement obj, string name)
    {
        long? l = Long(obj, name);
        return l is null ? null : (int)l.Value;
    }

    public static bool? Bool(this JsonElement obj, string name)
    {
        if (obj.ValueKind != JsonValueKind.Object || !obj.TryGetProperty(name, out var v))
        {
            return null;
        }

        return v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => null,
        };
    }

    /// <summary>REST-JSON timestamps are epoch seconds (possibly fractional); ISO 8601 strings are accepted too.</summary>
    public static DateTimeOffset? Time(this JsonElement obj, string name)
    {
        if (obj.ValueKind != JsonValueKind.Object || !obj.TryGetProperty(name, out var v))
        {
            return null;
        }

        if (v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out double seconds))
        {
            return DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(seconds * 1000));
        }

        if (v.ValueKind == JsonValueKind.String && DateTimeOffset.TryParse(v.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
        {
            return parsed;
        }

        return null;
    }

    public static JsonElement Obj(this JsonElement obj, string name)
    {
        return obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Object ? v : default;
    }

    public static IEnumerable<JsonElement> Arr(this JsonElement obj, string name)
    {
        if (obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in v.EnumerateArray())
            {
                yield return item;
            }
        }
    }

    public static IReadOnlyDictionary<string, string> Map(this JsonElement obj, string name)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var map = Obj(obj, name);
        if (map.ValueKind == JsonValueKind.Object)
        {
            foreach (var p in map.EnumerateObject())
            {
                result[p.Name] = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() ?? string.Empty : p.Value.GetRawText();
            }
        }

        return result;
    }
}
