using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Text.Json;

namespace ZymAws.Engine.DeviceCredentials;

/// <summary>One request to judge against policies: an action on a resource, by a principal, with context keys.</summary>
public sealed class PolicyRequest
{
    public PolicyRequest(string action, string resource)
    {
        Action = action;
        Resource = resource;
    }

    /// <summary>e.g. "iot:AssumeRoleWithCertificate".</summary>
    public string Action { get; }

    /// <summary>e.g. "arn:aws:iot:us-east-1:123456789012:rolealias/deviceRoleAlias".</summary>
    public string Resource { get; }

    /// <summary>For trust policies: the calling principal, as (type, value), e.g. ("Service", "credentials.iot.amazonaws.com").</summary>
    public (string Type, string Value)? Principal { get; init; }

    /// <summary>Condition keys and policy variables known for this request (names compared case-insensitively). A key
    /// that is absent is "not present" to conditions (so Null and ...IfExists work as in IAM).</summary>
    public IReadOnlyDictionary<string, string> Context { get; init; } = new Dictionary<string, string>();
}

/// <summary>What the policies say about a request.</summary>
public sealed class PolicyDecision
{
    internal PolicyDecision(bool allowed, bool explicitDeny, string? deciding, IReadOnlyList<string> notes)
    {
        Allowed = allowed;
        ExplicitDeny = explicitDeny;
        Deciding = deciding;
        Notes = notes;
    }

    /// <summary>True when some statement allows it and none denies it.</summary>
    public bool Allowed { get; }

    /// <summary>True when a Deny statement matched (a Deny always wins).</summary>
    public bool ExplicitDeny { get; }

    /// <summary>The statement that decided, as "policy 'name' statement Sid|#n", or null for the implicit deny.</summary>
    public string? Deciding { get; }

    /// <summary>What could not be evaluated exactly (an unknown condition operator, a policy that is not JSON), each taken the safe way.</summary>
    public IReadOnlyList<string> Notes { get; }
}

/// <summary>
/// IAM-style evaluation of the policy documents AWS IoT and IAM use, as the credentials provider applies them: explicit
/// Deny wins, then any Allow, else the implicit deny. Statement may be one object or a list; Action/NotAction and
/// Resource/NotResource with <c>*</c> and <c>?</c> wildcards (actions case-insensitive, resources case-sensitive);
/// policy variables (<c>${iot:Connection.Thing.ThingName}</c>, <c>${credentials-iot:ThingName}</c>, ..., and the escapes
/// <c>${*}</c>, <c>${?}</c>, <c>${$}</c>) in resources and condition values; Principal for trust policies; conditions
/// with the String, Bool, Null, Arn, Numeric and Date operators, their IfExists forms and the ForAnyValue / ForAllValues
/// qualifiers. What cannot be evaluated is taken the safe way: an Allow it touches does not apply, a Deny it touches
/// does — so a prediction errs towards "refused", and the reason is in <see cref="PolicyDecision.Notes"/>.
/// </summary>
public static class PolicyEvaluator
{
    /// <summary>Judges <paramref name="request"/> against every (name, document) pair.</summary>
    public static PolicyDecision Evaluate(IEnumerable<(string Name, string Document)> policies, PolicyRequest request)
    {
        var notes = new List<string>();
        string? allowedBy = null;
        foreach (var (name, document) in policies)
        {
            JsonDocument parsed;
            try
            {
                parsed = JsonDocument.Parse(document ?? string.Empty);
            }
            catch (JsonException)
            {
                notes.Add($"policy '{name}' is not valid JSON and was ignored");
                continue;
            }

            using (parsed)
            {
                int index = 0;
                foreach (var statement in Statements(parsed.RootElement))
                {
                    index++;
                    string label = $"policy '{name}' statement " + (statement.ValueKind == JsonValueKind.Object && statement.TryGetProperty("Sid", out var sid) && sid.ValueKind == JsonValueKind.String && sid.GetString()!.Length > 0 ? sid.GetString() : "#" + index.ToString(CultureInfo.InvariantCulture));
                    if (statement.ValueKind != JsonValueKind.Object)
                    {
                        notes.Add(label + " is not an object and was ignored");
                        continue;
                    }

                    bool deny = string.Equals(Text(statement, "Effect"), "Deny", StringComparison.OrdinalIgnoreCase);
                    if (!deny && !string.Equals(Text(statement, "Effect"), "Allow", StringComparison.OrdinalIgnoreCase))
                    {
                        notes.Add(label + " has no valid Effect and was ignored");
                        continue;
                    }

                    var match = Matches(statement, request, label, notes);
                    if (match == Match.Yes || (deny && match == Match.Unknown))
                    {
                        if (deny)
                        {
                            return new PolicyDecision(false, true, label, notes);
                        }

                        allowedBy ??= label;
                    }
                }
            }
        }

        return new PolicyDecision(allowedBy is not null, false, allowedBy, notes);
    }

    /// <summary>Whether <paramref name="pattern"/> (with <c>*</c> and <c>?</c>) matches <paramref name="value"/>.</summary>
    public static bool Like(string pattern, string value, bool ignoreCase)
    {
        // Iterative wildcard match with backtracking to the last '*'.
        int p = 0, v = 0, star = -1, mark = 0;
        while (v < value.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || Same(pattern[p], value[v], ignoreCase)))
            {
                p++;
                v++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                mark = v;
            }
            else if (star >= 0)
            {
                p = star + 1;
                v = ++mark;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }

    private enum Match
    {
        No,
        Yes,
        Unknown,
    }

    private static Match Matches(JsonElement statement, PolicyRequest request, string label, List<string> notes)
    {
        // Action / NotAction
        if (statement.TryGetProperty("Action", out var actions))
        {
            if (!Strings(actions).Any(a => Like(a, request.Action, ignoreCase: true)))
            {
                return Match.No;
            }
        }
        else if (statement.TryGetProperty("NotAction", out var notActions))
        {
            if (Strings(notActions).Any(a => Like(a, request.Action, ignoreCase: true)))
            {
                return Match.No;
            }
        }
        else
        {
            return Match.No;
        }

        // Principal (trust policies only; identity and IoT policies have none)
        if (request.Principal is { } principal)
        {
            if (!statement.TryGetProperty("Principal", out var principals) || !PrincipalMatches(principals, principal))
            {
                return Match.No;
            }
        }

        // Resource / NotResource (trust policies have none: the role itself is the resource)
        var result = Match.Yes;
        if (statement.TryGetProperty("Resource", out var resources))
        {
            var r = AnyResource(resources, request, label, notes);
            if (r == Match.No)
            {
                return Match.No;
            }

            result = r;
        }
        else if (statement.TryGetProperty("NotResource", out var notResources))
        {
            var r = AnyResource(notResources, request, label, notes);
            if (r == Match.Yes)
            {
                return Match.No;
            }

            if (r == Match.Unknown)
            {
                result = Match.Unknown;
            }
        }
        else if (request.Principal is null)
        {
            return Match.No;
        }

        if (statement.TryGetProperty("Condition", out var condition))
        {
            var c = Conditions(condition, request, label, notes);
            if (c == Match.No)
            {
                return Match.No;
            }

            if (c == Match.Unknown)
            {
                result = Match.Unknown;
            }
        }

        return result;
    }

    private static Match AnyResource(JsonElement resources, PolicyRequest request, string label, List<string> notes)
    {
        foreach (string pattern in Strings(resources))
        {
            string? resolved = Substitute(pattern, request.Context);
            if (resolved is null)
            {
                // IAM: a variable with no value makes that resource entry match nothing.
                notes.Add($"{label}: resource '{pattern}' names a policy variable this request does not set");
                continue;
            }

            if (Like(resolved, request.Resource, ignoreCase: false))
            {
                return Match.Yes;
            }
        }

        return Match.No;
    }

    private static bool PrincipalMatches(JsonElement principals, (string Type, string Value) principal)
    {
        if (principals.ValueKind == JsonValueKind.String)
        {
            return principals.GetString() == "*";
        }

        if (principals.ValueKind != JsonValueKind.Object)
        {
            return false;
        }

        foreach (var property in principals.EnumerateObject())
        {
            foreach (string value in Strings(property.Value))
            {
                if ((property.NameEquals("AWS") && value == "*") ||
                    (string.Equals(property.Name, principal.Type, StringComparison.OrdinalIgnoreCase) && string.Equals(value, principal.Value, StringComparison.OrdinalIgnoreCase)))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static Match Conditions(JsonElement condition, PolicyRequest request, string label, List<string> notes)
    {
        if (condition.ValueKind != JsonValueKind.Object)
        {
            notes.Add($"{label}: its Condition is not an object");
            return Match.Unknown;
        }

        var result = Match.Yes;
        foreach (var op in condition.EnumerateObject())
        {
            if (op.Value.ValueKind != JsonValueKind.Object)
            {
                notes.Add($"{label}: condition operator {op.Name} has no keys");
                return Match.Unknown;
            }

            foreach (var key in op.Value.EnumerateObject())
            {
                var m = Condition(op.Name, key.Name, Strings(key.Value).ToList(), request, label, notes);
                if (m == Match.No)
                {
                    return Match.No;
                }

                if (m == Match.Unknown)
                {
                    result = Match.Unknown;
                }
            }
        }

        return result;
    }

    private static Match Condition(string op, string key, List<string> wanted, PolicyRequest request, string label, List<string> notes)
    {
        string name = op;
        bool forAll = false;
        if (name.StartsWith("ForAnyValue:", StringComparison.OrdinalIgnoreCase))
        {
            name = name.Substring("ForAnyValue:".Length);
        }
        else if (name.StartsWith("ForAllValues:", StringComparison.OrdinalIgnoreCase))
        {
            name = name.Substring("ForAllValues:".Length);
            forAll = true;
        }

        bool ifExists = name.EndsWith("IfExists", StringComparison.OrdinalIgnoreCase);
        if (ifExists)
        {
            name = name.Substring(0, name.Length - "IfExists".Length);
        }

        bool present = TryContext(request.Context, key, out string actual);
        if (string.Equals(name, "Null", StringComparison.OrdinalIgnoreCase))
        {
            // {"Null": {"key": "true"}} holds when the key is absent.
            return wanted.Any(w => string.Equals(w, present ? "false" : "true", StringComparison.OrdinalIgnoreCase)) ? Match.Yes : Match.No;
        }

        if (!present)
        {
            // A missing key: ...IfExists and ForAllValues hold; everything else does not (negated operators included, as in IAM).
            return ifExists || forAll ? Match.Yes : Match.No;
        }

        var values = new List<string>(wanted.Count);
        foreach (string w in wanted)
        {
            string? v = Substitute(w, request.Context);
            if (v is null)
            {
                notes.Add($"{label}: condition value '{w}' names a policy variable this request does not set");
                continue;
            }

            values.Add(v);
        }

        bool? holds = Compare(name, actual, values);
        if (holds is null)
        {
            notes.Add($"{label}: condition operator {op} on {key} is not evaluated here");
            return Match.Unknown;
        }

        return holds.Value ? Match.Yes : Match.No;
    }

    private static bool? Compare(string op, string actual, List<string> patterns)
    {
        // Equality operators compare text: the literal markers go back to the characters they stand for.
        var values = patterns.Select(p => p.Replace(LiteralStar, '*').Replace(LiteralQuestion, '?')).ToList();
        switch (op.ToLowerInvariant())
        {
            case "stringequals":
                return values.Any(v => string.Equals(v, actual, StringComparison.Ordinal));
            case "stringnotequals":
                return !values.Any(v => string.Equals(v, actual, StringComparison.Ordinal));
            case "stringequalsignorecase":
                return values.Any(v => string.Equals(v, actual, StringComparison.OrdinalIgnoreCase));
            case "stringnotequalsignorecase":
                return !values.Any(v => string.Equals(v, actual, StringComparison.OrdinalIgnoreCase));
            case "stringlike":
            case "arnlike":
            case "arnequals":
                return patterns.Any(v => Like(v, actual, ignoreCase: false));
            case "stringnotlike":
            case "arnnotlike":
            case "arnnotequals":
                return !patterns.Any(v => Like(v, actual, ignoreCase: false));
            case "bool":
                return values.Any(v => string.Equals(v, actual, StringComparison.OrdinalIgnoreCase));
            case "numericequals":
            case "numericnotequals":
            case "numericlessthan":
            case "numericlessthanequals":
            case "numericgreaterthan":
            case "numericgreaterthanequals":
                return Numeric(op.ToLowerInvariant(), actual, values);
            default:
                return null;
        }
    }

    private static bool? Numeric(string op, string actual, List<string> values)
    {
        if (!double.TryParse(actual, NumberStyles.Float, CultureInfo.InvariantCulture, out double a))
        {
            return false;
        }

        var numbers = values.Select(v => double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double n) ? (double?)n : null).Where(n => n is not null).Select(n => n!.Value).ToList();
        return op switch
        {
            "numericequals" => numbers.Any(n => a == n),
            "numericnotequals" => !numbers.Any(n => a == n),
            "numericlessthan" => numbers.Any(n => a < n),
            "numericlessthanequals" => numbers.Any(n => a <= n),
            "numericgreaterthan" => numbers.Any(n => a > n),
            _ => numbers.Any(n => a >= n),
        };
    }

    // A '*' or '?' that a policy variable (or the ${*} / ${?} escapes) puts into a pattern is a literal character, not
    // a wildcard: Substitute marks it with these private-use characters and Like() matches them literally.
    private const char LiteralStar = '\uE000';
    private const char LiteralQuestion = '\uE001';

    /// <summary>Replaces ${var} with its value (null when a variable is not set); ${*} ${?} ${$} are literal characters.</summary>
    private static string? Substitute(string text, IReadOnlyDictionary<string, string> context)
    {
        if (text.IndexOf("${", StringComparison.Ordinal) < 0)
        {
            return text;
        }

        var sb = new StringBuilder(text.Length);
        int i = 0;
        while (i < text.Length)
        {
            int start = text.IndexOf("${", i, StringComparison.Ordinal);
            int end = start < 0 ? -1 : text.IndexOf('}', start + 2);
            if (start < 0 || end < 0)
            {
                sb.Append(text, i, text.Length - i);
                break;
            }

            sb.Append(text, i, start - i);
            string variable = text.Substring(start + 2, end - start - 2);
            if (variable is "*" or "?" or "$")
            {
                sb.Append(Literal(variable));
            }
            else if (TryContext(context, variable, out string value))
            {
                sb.Append(Literal(value));
            }
            else
            {
                return null;
            }

            i = end + 1;
        }

        return sb.ToString();
    }

    private static string Literal(string value) => value.Replace('*', LiteralStar).Replace('?', LiteralQuestion);

    private static bool TryContext(IReadOnlyDictionary<string, string> context, string key, out string value)
    {
        foreach (var pair in context)
        {
            if (string.Equals(pair.Key, key, StringComparison.OrdinalIgnoreCase))
            {
                value = pair.Value;
                return true;
            }
        }

        value = string.Empty;
        return false;
    }

    private static IEnumerable<JsonElement> Statements(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("Statement", out var statements))
        {
            yield break;
        }

        if (statements.ValueKind == JsonValueKind.Array)
        {
            foreach (var s in statements.EnumerateArray())
            {
                yield return s;
            }
        }
        else
        {
            yield return statements;
        }
    }

    private static IEnumerable<string> Strings(JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.String)
        {
            yield return value.GetString()!;
        }
        else if (value.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in value.EnumerateArray())
            {
                if (item.ValueKind == JsonValueKind.String)
                {
                    yield return item.GetString()!;
                }
                else if (item.ValueKind is JsonValueKind.True or JsonValueKind.False or JsonValueKind.Number)
                {
                    yield return item.GetRawText();
                }
            }
        }
        else if (value.ValueKind is JsonValueKind.True or JsonValueKind.False or JsonValueKind.Number)
        {
            yield return value.GetRawText();
        }
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static bool Same(char pattern, char value, bool ignoreCase) =>
        pattern == value || (pattern == LiteralStar && value == '*') || (pattern == LiteralQuestion && value == '?') ||
        (ignoreCase && char.ToUpperInvariant(pattern) == char.ToUpperInvariant(value));
}
