using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;

namespace ZymAws.Engine.CredentialProvider.Internal;

/// <summary>
/// IAM / IoT policy documents as JSON: building, validating and comparing by meaning (key order, array order and
/// "x" versus ["x"] do not matter). Judging what a policy allows is <see cref="DeviceCredentials.PolicyEvaluator"/>'s.
/// </summary>
internal static class PolicyJson
{
    /// <summary>Parses a policy document; throws <see cref="ZymException"/> PolicyDocumentInvalid when it is not a JSON object.</summary>
    public static JsonDocument Parse(string document, string what, object? target)
    {
        JsonDocument parsed;
        try
        {
            parsed = JsonDocument.Parse(document ?? string.Empty);
        }
        catch (JsonException ex)
        {
            throw new ZymException("PolicyDocumentInvalid", ZymErrorCategory.InvalidArgument, $"{what} is not valid JSON: {ex.Message}", target, ex);
        }

        if (parsed.RootElement.ValueKind != JsonValueKind.Object)
        {
            parsed.Dispose();
            throw new ZymException("PolicyDocumentInvalid", ZymErrorCategory.InvalidArgument, $"{what} must be a JSON object.", target);
        }

        return parsed;
    }

    /// <summary>Whether two policy documents say the same thing (false when either is not JSON).</summary>
    public static bool SameMeaning(string? left, string? right)
    {
        if (left is null || right is null)
        {
            return left is null && right is null;
        }

        try
        {
            using var a = JsonDocument.Parse(left);
            using var b = JsonDocument.Parse(right);
            return Equal(a.RootElement, b.RootElement);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>The trust policy with one more statement allowing <paramref name="action"/> to the service principal; other statements kept.</summary>
    public static string AddServicePrincipal(string? trustPolicy, string service, string action)
    {
        var kept = new List<JsonElement>();
        JsonDocument? doc = null;
        string version = "2012-10-17";
        try
        {
            if (!string.IsNullOrWhiteSpace(trustPolicy))
            {
                doc = JsonDocument.Parse(trustPolicy!);
                if (doc.RootElement.ValueKind == JsonValueKind.Object)
                {
                    if (doc.RootElement.TryGetProperty("Version", out var v) && v.ValueKind == JsonValueKind.String)
                    {
                        version = v.GetString() ?? version;
                    }

                    kept.AddRange(Statements(doc.RootElement));
                }
            }
        }
        catch (JsonException)
        {
            // An unreadable trust policy is replaced by one that works.
        }

        try
        {
            return Write(w =>
            {
                w.WriteStartObject();
                w.WriteString("Version", version);
                w.WriteStartArray("Statement");
                foreach (var statement in kept)
                {
                    statement.WriteTo(w);
                }

                WriteServiceStatement(w, service, action);
                w.WriteEndArray();
                w.WriteEndObject();
            });
        }
        finally
        {
            doc?.Dispose();
        }
    }

    /// <summary>A trust policy with a single statement allowing <paramref name="action"/> to the service principal.</summary>
    public static string ServiceTrustPolicy(string service, string action)
    {
        return Write(w =>
        {
            w.WriteStartObject();
            w.WriteString("Version", "2012-10-17");
            w.WriteStartArray("Statement");
            WriteServiceStatement(w, service, action);
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    /// <summary>Writes an indented JSON document.</summary>
    public static string Write(Action<Utf8JsonWriter> write, bool indented = false)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = indented }))
        {
            write(writer);
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void WriteServiceStatement(Utf8JsonWriter w, string service, string action)
    {
        w.WriteStartObject();
        w.WriteString("Effect", "Allow");
        w.WriteStartObject("Principal");
        w.WriteString("Service", service);
        w.WriteEndObject();
        w.WriteString("Action", action);
        w.WriteEndObject();
    }

    private static IEnumerable<JsonElement> Statements(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("Statement", out var statement))
        {
            return Array.Empty<JsonElement>();
        }

        return statement.ValueKind == JsonValueKind.Array ? statement.EnumerateArray().ToList() : new List<JsonElement> { statement };
    }

    private static IEnumerable<string> Strings(JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.String)
        {
            return new[] { value.GetString() ?? string.Empty };
        }

        return value.ValueKind == JsonValueKind.Array
            ? value.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString() ?? string.Empty).ToList()
            : Array.Empty<string>();
    }

    private static bool Equal(JsonElement a, JsonElement b)
    {
        // IAM treats "x" and ["x"] alike.
        if (a.ValueKind == JsonValueKind.Array && b.ValueKind != JsonValueKind.Array && a.GetArrayLength() == 1)
        {
            return Equal(a[0], b);
        }

        if (b.ValueKind == JsonValueKind.Array && a.ValueKind != JsonValueKind.Array && b.GetArrayLength() == 1)
        {
            return Equal(a, b[0]);
        }

        if (a.ValueKind != b.ValueKind)
        {
            return false;
        }

        switch (a.ValueKind)
        {
            case JsonValueKind.Object:
            {
                var left = a.EnumerateObject().ToList();
                var right = b.EnumerateObject().ToList();
                if (left.Count != right.Count)
                {
                    return false;
                }

                foreach (var property in left)
                {
                    if (!b.TryGetProperty(property.Name, out var other) || !Equal(property.Value, other))
                    {
                        return false;
                    }
                }

                return true;
            }

            case JsonValueKind.Array:
            {
                // Order does not matter in a policy (statements, actions, resources): compare as multisets.
                var remaining = b.EnumerateArray().ToList();
                foreach (var item in a.EnumerateArray())
                {
                    int index = remaining.FindIndex(r => Equal(item, r));
                    if (index < 0)
                    {
                        return false;
                    }

                    remaining.RemoveAt(index);
                }

                return remaining.Count == 0;
            }

            case JsonValueKind.String:
                return string.Equals(a.GetString(), b.GetString(), StringComparison.Ordinal);
            case JsonValueKind.Number:
                return a.GetRawText() == b.GetRawText();
            default:
                return true;
        }
    }
}
