using System;

namespace ZymAws.Engine.DeviceCredentials;

/// <summary>
/// A credentials request that did not give credentials: the endpoint refused (with an HTTP answer or in the TLS
/// handshake), could not be reached, or could not be trusted. <see cref="Refusal"/> names the rule's check when the
/// answer is one of the credentials provider's refusals, with its fix.
/// </summary>
public sealed class CredentialProviderException : ZymException
{
    public CredentialProviderException(string errorId, ZymErrorCategory category, string message, object? target, Exception? inner = null)
        : base(errorId, category, message, target, inner)
    {
    }

    /// <summary>The HTTP status of the answer, or null (TLS refusal, no answer).</summary>
    public int? HttpStatus { get; init; }

    /// <summary>The x-amzn-ErrorType header, when sent.</summary>
    public string? ErrorType { get; init; }

    /// <summary>The answer's message, when sent.</summary>
    public string? EndpointMessage { get; init; }

    /// <summary>The TLS alert the endpoint sent, by name (e.g. "certificate_unknown"), for a handshake refusal.</summary>
    public string? TlsAlert { get; init; }

    /// <summary>The rule's check the refusal reports, when it is one.</summary>
    public CredentialRefusal? Refusal { get; init; }

    /// <summary>Attempts made (several for 429/5xx and lost connections).</summary>
    public int Attempts { get; init; } = 1;
}
