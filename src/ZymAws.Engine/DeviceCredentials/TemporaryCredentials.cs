using System;
using System.Globalization;
using System.Text.Json;

namespace ZymAws.Engine.DeviceCredentials;

/// <summary>
/// Temporary AWS credentials the credentials provider handed a device. <see cref="SecretAccessKey"/> and
/// <see cref="SessionToken"/> are secrets: <see cref="ToString"/> leaves them out; never log them.
/// </summary>
public sealed class TemporaryCredentials
{
    public TemporaryCredentials(string accessKeyId, string secretAccessKey, string sessionToken, DateTimeOffset expiration)
    {
        AccessKeyId = accessKeyId;
        SecretAccessKey = secretAccessKey;
        SessionToken = sessionToken;
        Expiration = expiration;
    }

    public string AccessKeyId { get; }

    /// <summary>Secret.</summary>
    public string SecretAccessKey { get; }

    /// <summary>Secret.</summary>
    public string SessionToken { get; }

    /// <summary>When AWS stops accepting them.</summary>
    public DateTimeOffset Expiration { get; }

    /// <summary>The region the device works in (the certificate's L=, or as given).</summary>
    public string? Region { get; init; }

    public string? RoleAlias { get; init; }

    public string? ThingName { get; init; }

    /// <summary>The credentials-provider host they came from.</summary>
    public string? Endpoint { get; init; }

    /// <summary>When they were fetched.</summary>
    public DateTimeOffset ObtainedAt { get; init; } = DateTimeOffset.UtcNow;

    /// <summary>Whether they came from a cache rather than a new request.</summary>
    public bool FromCache { get; init; }

    /// <summary>Whether they are still good for at least <paramref name="margin"/> from <paramref name="now"/>.</summary>
    public bool IsFreshFor(TimeSpan margin, DateTimeOffset now) => Expiration - margin > now;

    /// <summary>The AWS CLI / SDK credential_process output: Version 1 with the real expiry.</summary>
    public string ToCredentialProcessJson() => JsonSerializer.Serialize(new
    {
        Version = 1,
        AccessKeyId,
        SecretAccessKey,
        SessionToken,
        Expiration = Expiration.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
    });

    /// <summary>A copy marked as served from a cache.</summary>
    public TemporaryCredentials AsCached() => new(AccessKeyId, SecretAccessKey, SessionToken, Expiration)
    {
        Region = Region,
        RoleAlias = RoleAlias,
        ThingName = ThingName,
        Endpoint = Endpoint,
        ObtainedAt = ObtainedAt,
        FromCache = true,
    };

    /// <summary>Secret-free.</summary>
    public override string ToString() => $"{AccessKeyId} (until {Expiration.UtcDateTime:u})";
}
