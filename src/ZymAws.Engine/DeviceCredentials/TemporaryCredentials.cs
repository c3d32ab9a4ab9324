using System;
using System.Globalization;
using System.IO;
using System.Text;
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
    public string ToCredentialProcessJson() => Json(w =>
    {
        w.WriteNumber("Version", 1);
        w.WriteString("AccessKeyId", AccessKeyId);
        w.WriteString("SecretAccessKey", SecretAccessKey);
        w.WriteString("SessionToken", SessionToken);
        w.WriteString("Expiration", ExpirationText);
    });

    /// <summary>
    /// The container credentials (ECS) answer the SDKs read from AWS_CONTAINER_CREDENTIALS_FULL_URI: AccessKeyId,
    /// SecretAccessKey, Token, Expiration.
    /// </summary>
    public string ToContainerCredentialsJson() => Json(w =>
    {
        w.WriteString("AccessKeyId", AccessKeyId);
        w.WriteString("SecretAccessKey", SecretAccessKey);
        w.WriteString("Token", SessionToken);
        w.WriteString("Expiration", ExpirationText);
    });

    /// <summary>
    /// The instance metadata answer of /latest/meta-data/iam/security-credentials/&lt;role&gt;: Code "Success",
    /// LastUpdated, Type "AWS-HMAC", AccessKeyId, SecretAccessKey, Token, Expiration.
    /// </summary>
    public string ToInstanceMetadataJson() => Json(w =>
    {
        w.WriteString("Code", "Success");
        w.WriteString("LastUpdated", ObtainedAt.UtcDateTime.ToString(ExpirationFormat, CultureInfo.InvariantCulture));
        w.WriteString("Type", "AWS-HMAC");
        w.WriteString("AccessKeyId", AccessKeyId);
        w.WriteString("SecretAccessKey", SecretAccessKey);
        w.WriteString("Token", SessionToken);
        w.WriteString("Expiration", ExpirationText);
    });

    /// <summary>How the AWS formats write a time: UTC to the second, "Z".</summary>
    internal const string ExpirationFormat = "yyyy-MM-ddTHH:mm:ssZ";

    private string ExpirationText => Expiration.UtcDateTime.ToString(ExpirationFormat, CultureInfo.InvariantCulture);

    /// <summary>
    /// One compact JSON object written by <paramref name="members"/>: Utf8JsonWriter rather than reflection-based
    /// serialization, so the same code runs in the trimmed, ahead-of-time compiled zymaws-credential helper.
    /// </summary>
    internal static string Json(Action<Utf8JsonWriter> members)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            members(writer);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

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
