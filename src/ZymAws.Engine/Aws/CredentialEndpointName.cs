using System;

namespace ZymAws.Engine.Aws;

/// <summary>
/// The one home for credentials-provider endpoint names: "&lt;prefix&gt;.credentials.iot.&lt;region&gt;.amazonaws.com"
/// (".amazonaws.com.cn" in the China regions). The prefix is the account's stable part (the O= of a device subject in
/// the seed layout). Parses a bare prefix, a host, a "host:port" or a URL; formats the host from prefix and region.
/// </summary>
public sealed class CredentialEndpointName : IEquatable<CredentialEndpointName>
{
    private const string Marker = ".credentials.iot.";

    /// <summary>The error id when a value cannot be an endpoint name, or contradicts the region given with it.</summary>
    public const string InvalidErrorId = "CredentialEndpointInvalid";

    private CredentialEndpointName(string prefix, string? region, int? port = null)
    {
        Prefix = prefix;
        Region = region;
        Port = port;
    }

    /// <summary>The account-specific prefix, e.g. "c1a2b3c4d5e6f7".</summary>
    public string Prefix { get; }

    /// <summary>The region, when known (from the host, or given alongside a bare prefix).</summary>
    public string? Region { get; }

    /// <summary>The port a URL or "host:port" named, or null (443).</summary>
    public int? Port { get; }

    /// <summary>The full host name, or null when the region is unknown.</summary>
    public string? Host => Region is null ? null : Format(Prefix, Region);

    /// <summary>"&lt;prefix&gt;.credentials.iot.&lt;region&gt;.amazonaws.com", or ".amazonaws.com.cn" for a cn- region.</summary>
    public static string Format(string prefix, string region) =>
        $"{prefix}{Marker}{region}.{DnsSuffix(region)}";

    /// <summary>The AWS DNS suffix of a region: amazonaws.com.cn in the China partition, else amazonaws.com.</summary>
    public static string DnsSuffix(string region) =>
        region.StartsWith("cn-", StringComparison.OrdinalIgnoreCase) ? "amazonaws.com.cn" : "amazonaws.com";

    /// <summary>
    /// Reads a prefix ("c123"), a host ("c123.credentials.iot.eu-west-1.amazonaws.com"), a "host:port" or a URL. The
    /// region comes from the host, else from <paramref name="region"/>; a host whose region differs from a given
    /// <paramref name="region"/> is an error, since a device with both would ask the wrong endpoint. Null or blank
    /// gives null.
    /// </summary>
    /// <exception cref="ZymException">CredentialEndpointInvalid (InvalidArgument).</exception>
    public static CredentialEndpointName? Parse(string? value, string? region = null)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        string text = value!.Trim();
        string host = text;
        int? port = null;
        if (text.IndexOf("://", StringComparison.Ordinal) > 0)
        {
            if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Host.Length == 0)
            {
                throw Invalid(value, "it is not a valid URL");
            }

            host = uri.Host;
            port = uri.IsDefaultPort ? null : uri.Port;
        }
        else
        {
            int slash = host.IndexOf('/');
            if (slash >= 0)
            {
                host = host.Substring(0, slash);
            }

            int colon = host.LastIndexOf(':');
            if (colon > 0)
            {
                port = int.TryParse(host.Substring(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int p) && p is > 0 and < 65536
                    ? p
                    : throw Invalid(value, "its port is not a number from 1 to 65535");
                host = host.Substring(0, colon);
            }
        }

        host = host.TrimEnd('.');
        string? givenRegion = string.IsNullOrWhiteSpace(region) ? null : region!.Trim();
        int at = host.IndexOf(Marker, StringComparison.OrdinalIgnoreCase);
        if (at < 0)
        {
            if (host.Length == 0 || host.IndexOf('.') >= 0 || !IsLabel(host))
            {
                throw Invalid(value, "it is neither an endpoint prefix nor a host of the form <prefix>.credentials.iot.<region>.amazonaws.com");
            }

            return new CredentialEndpointName(host, givenRegion, port);
        }

        string prefix = host.Substring(0, at);
        string rest = host.Substring(at + Marker.Length);
        int dot = rest.IndexOf('.');
        string hostRegion = dot > 0 ? rest.Substring(0, dot) : rest;
        string suffix = dot > 0 ? rest.Substring(dot + 1) : string.Empty;
        if (!IsLabel(prefix) || hostRegion.Length == 0 || !IsLabel(hostRegion)
            || !string.Equals(suffix, DnsSuffix(hostRegion), StringComparison.OrdinalIgnoreCase))
        {
            throw Invalid(value, "it is not of the form <prefix>.credentials.iot.<region>.amazonaws.com");
        }

        if (givenRegion is not null && !string.Equals(givenRegion, hostRegion, StringComparison.OrdinalIgnoreCase))
        {
            throw Invalid(value, $"its region {hostRegion} differs from the region given with it ({givenRegion})");
        }

        return new CredentialEndpointName(prefix.ToLowerInvariant(), hostRegion.ToLowerInvariant(), port);
    }

    /// <summary>
    /// The endpoint a device asks: the one given (a prefix, host or URL) or its certificate's O= prefix. The region comes
    /// from the given host, else the region given, else the certificate's L=; a given host contradicting a given region
    /// is an error. Null when neither names an endpoint.
    /// </summary>
    public static CredentialEndpointName? ForDevice(string? given, string? givenRegion, string? subjectPrefix, string? subjectRegion)
    {
        var endpoint = Parse(string.IsNullOrWhiteSpace(given) ? subjectPrefix : given, givenRegion);
        return endpoint is null || endpoint.Region is not null || string.IsNullOrWhiteSpace(subjectRegion)
            ? endpoint
            : new CredentialEndpointName(endpoint.Prefix, subjectRegion!.Trim().ToLowerInvariant(), endpoint.Port);
    }

    /// <inheritdoc />
    public bool Equals(CredentialEndpointName? other) => other is not null
        && string.Equals(Prefix, other.Prefix, StringComparison.OrdinalIgnoreCase)
        && string.Equals(Region, other.Region, StringComparison.OrdinalIgnoreCase);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as CredentialEndpointName);

    /// <inheritdoc />
    public override int GetHashCode() => StringComparer.OrdinalIgnoreCase.GetHashCode(Prefix);

    /// <summary>The host when the region is known, else the prefix.</summary>
    public override string ToString() => Host ?? Prefix;

    private static bool IsLabel(string s)
    {
        if (s.Length == 0 || s.Length > 63 || s[0] == '-' || s[s.Length - 1] == '-')
        {
            return false;
        }

        foreach (char c in s)
        {
            if (!(c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '-'))
            {
                return false;
            }
        }

        return true;
    }

    private static ZymException Invalid(string? value, string why) => new(
        InvalidErrorId,
        ZymErrorCategory.InvalidArgument,
        $"'{value}' cannot be used as the credentials-provider endpoint: {why}.",
        value);
}
