using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Text.Json;

namespace ZymAws.Engine.Aws.Internal;

/// <summary>Builds "?a=1&amp;b=2" with RFC 3986 escaping, skipping null values.</summary>
internal sealed class QueryBuilder
{
    private readonly StringBuilder _text = new();

    public QueryBuilder Add(string name, string? value)
    {
        if (value is not null)
        {
            _text.Append(_text.Length == 0 ? '?' : '&').Append(Uri.EscapeDataString(name)).Append('=').Append(Uri.EscapeDataString(value));
        }

        return this;
    }

    public QueryBuilder Add(string name, bool? value) => Add(name, value is null ? null : value.Value ? "true" : "false");

    public QueryBuilder Add(string name, long? value) => Add(name, value?.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public override string ToString() => _text.ToString();
}

/// <summary>Writes a small JSON object body.</summary>
internal static class JsonBody
{
    public static byte[] Write(Action<Utf8JsonWriter> members)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            members(writer);
            writer.WriteEndObject();
        }

        return stream.ToArray();
    }

    public static void Opt(this Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }

    public static void Opt(this Utf8JsonWriter writer, string name, int? value)
    {
        if (value is not null)
        {
            writer.WriteNumber(name, value.Value);
        }
    }

    public static void Opt(this Utf8JsonWriter writer, string name, IReadOnlyDictionary<string, string>? map)
    {
        if (map is null)
        {
            return;
        }

        writer.WriteStartObject(name);
        foreach (var pair in map)
        {
            writer.WriteString(pair.Key, pair.Value);
        }

        writer.WriteEndObject();
    }
}

/// <summary>Builds application/x-www-form-urlencoded bodies for the Query protocol (IAM, STS).</summary>
internal sealed class FormBuilder
{
    private readonly StringBuilder _text = new();

    public FormBuilder(string action, string version)
    {
        Add("Action", action);
        Add("Version", version);
    }

    public FormBuilder Add(string name, string? value)
    {
        if (value is not null)
        {
            if (_text.Length > 0)
            {
                _text.Append('&');
            }

            _text.Append(Uri.EscapeDataString(name)).Append('=').Append(Uri.EscapeDataString(value));
        }

        return this;
    }

    public FormBuilder Add(string name, int? value) => Add(name, value?.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public byte[] ToBytes() => Encoding.UTF8.GetBytes(_text.ToString());
}

/// <summary>Follows NextToken/marker pages, with a guard against a service that repeats a token.</summary>
internal static class Pager
{
    public static async System.Threading.Tasks.Task<IReadOnlyList<T>> AllAsync<T>(string operation, Func<string?, System.Threading.Tasks.Task<AwsPage<T>>> fetch)
    {
        var all = new List<T>();
        await EachAsync(operation, fetch, page =>
        {
            all.AddRange(page);
            return System.Threading.Tasks.Task.CompletedTask;
        }).ConfigureAwait(false);
        return all;
    }

    /// <summary>Hands each page to <paramref name="onPage"/> as it arrives (nothing is kept: a listing of any size in constant memory).</summary>
    /// <returns>How many pages were read.</returns>
    public static async System.Threading.Tasks.Task<int> EachAsync<T>(string operation, Func<string?, System.Threading.Tasks.Task<AwsPage<T>>> fetch, Func<IReadOnlyList<T>, System.Threading.Tasks.Task> onPage)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        string? token = null;
        int pages = 0;
        long items = 0;
        do
        {
            var page = await fetch(token).ConfigureAwait(false);
            pages++;
            items += page.Items.Count;
            await onPage(page.Items).ConfigureAwait(false);
            token = string.IsNullOrEmpty(page.NextToken) ? null : page.NextToken;
            if (token is not null && !seen.Add(token))
            {
                throw new ZymException("AwsPaginationLoop", ZymErrorCategory.InvalidResult,
                    $"{operation} returned the same page token twice; stopped after {items} items.", operation);
            }
        }
        while (token is not null);
        return pages;
    }
}
