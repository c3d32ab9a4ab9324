using System;
using System.Collections.Generic;
using System.Linq;
using EngineCredentials = ZymAws.Engine.DeviceCredentials;

namespace ZymAws.Provisioning;

/// <summary>
/// Temporary AWS credentials a device got from the credentials provider (Get-ZymAwsCredential). SecretAccessKey and
/// SessionToken are secrets: the default view and ToString() leave them out; scripts read them by name.
/// </summary>
public sealed class AwsDeviceCredential
{
    internal AwsDeviceCredential(EngineCredentials.TemporaryCredentials credentials)
    {
        AccessKeyId = credentials.AccessKeyId;
        SecretAccessKey = credentials.SecretAccessKey;
        SessionToken = credentials.SessionToken;
        Expiration = credentials.Expiration.UtcDateTime;
        Region = credentials.Region;
        RoleAlias = credentials.RoleAlias;
        ThingName = credentials.ThingName;
        Endpoint = credentials.Endpoint;
        FromCache = credentials.FromCache;
        ObtainedAt = credentials.ObtainedAt.UtcDateTime;
    }

    public string AccessKeyId { get; }

    /// <summary>Secret.</summary>
    public string SecretAccessKey { get; }

    /// <summary>Secret.</summary>
    public string SessionToken { get; }

    /// <summary>When AWS stops accepting them (UTC).</summary>
    public DateTime Expiration { get; }

    public string? Region { get; }

    public string? RoleAlias { get; }

    public string? ThingName { get; }

    /// <summary>The credentials-provider host they came from.</summary>
    public string? Endpoint { get; }

    /// <summary>Whether they came from the cache rather than a new request.</summary>
    public bool FromCache { get; }

    /// <summary>When they were fetched (UTC).</summary>
    public DateTime ObtainedAt { get; }

    /// <summary>The access key id only.</summary>
    public override string ToString() => AccessKeyId;
}

/// <summary>One check of the credentials provider, as Test-ZymDevice reports it.</summary>
public sealed class DeviceCheck
{
    internal DeviceCheck(EngineCredentials.CredentialCheckResult result)
    {
        Check = result.Check.ToString();
        Outcome = result.Outcome.ToString();
        Detail = result.Detail;
        HttpStatus = result.Refusal?.HttpStatus;
        Message = result.Refusal?.Message;
    }

    /// <summary>Endpoint, Certificate, CertificateAuthority, ThingName, Policy, RoleAlias, Role, Duration.</summary>
    public string Check { get; }

    /// <summary>Passed, Failed, Skipped or NotApplicable.</summary>
    public string Outcome { get; }

    /// <summary>What was found.</summary>
    public string Detail { get; }

    /// <summary>The status AWS answers when this check fails (null: refused in the TLS handshake, or passed).</summary>
    public int? HttpStatus { get; }

    /// <summary>The message AWS answers when this check fails.</summary>
    public string? Message { get; }

    public override string ToString() => $"{Check}: {Outcome}";
}

/// <summary>
/// Would this device get credentials (Test-ZymDevice)? Ready, the first failing check with the status and message the
/// credentials provider would answer and what to do about it, and every check.
/// </summary>
public sealed class DeviceReadinessReport
{
    internal DeviceReadinessReport(EngineCredentials.DeviceReadiness readiness)
    {
        ThingName = readiness.ThingName;
        CertificateId = readiness.CertificateId;
        RoleAlias = readiness.RoleAlias;
        Endpoint = readiness.RequestedHost;
        Ready = readiness.Ready;
        var failure = readiness.Decision.FirstFailure;
        FailedCheck = failure?.Check.ToString();
        Reason = failure?.Detail;
        HttpStatus = failure?.Refusal?.HttpStatus;
        ErrorType = failure?.Refusal?.ErrorType;
        Message = failure?.Refusal is null ? null : failure.Refusal.InHandshake ? "(refused in the TLS handshake)" : failure.Refusal.Message;
        Fix = failure?.Refusal?.Fix;
        Checks = Joined.List(readiness.Decision.Checks.Select(c => new DeviceCheck(c)));
    }

    public string? ThingName { get; }

    public string? CertificateId { get; }

    public string RoleAlias { get; }

    /// <summary>The credentials-provider host the device asks.</summary>
    public string? Endpoint { get; }

    /// <summary>True when the credentials provider would hand out credentials.</summary>
    public bool Ready { get; }

    /// <summary>The check the credentials provider answers with, or null when ready.</summary>
    public string? FailedCheck { get; }

    /// <summary>What that check found.</summary>
    public string? Reason { get; }

    /// <summary>The HTTP status AWS would answer (null when it refuses in the TLS handshake).</summary>
    public int? HttpStatus { get; }

    /// <summary>The x-amzn-ErrorType AWS would send.</summary>
    public string? ErrorType { get; }

    /// <summary>The message AWS would send.</summary>
    public string? Message { get; }

    /// <summary>What to do about it.</summary>
    public string? Fix { get; }

    /// <summary>Every check, in the credentials provider's order.</summary>
    public IReadOnlyList<DeviceCheck> Checks { get; }

    public override string ToString() => $"{ThingName}: {(Ready ? "Ready" : "refused (" + FailedCheck + ")")}";
}

/// <summary>A local credentials-provider endpoint started by Start-ZymCredentialEndpoint.</summary>
public sealed class CredentialEndpointServer
{
    private readonly Infrastructure.RecentLog _log;

    internal CredentialEndpointServer(int id, EngineCredentials.LocalCredentialEndpoint endpoint, string serverCaCertificatePath, Infrastructure.RecentLog log)
    {
        Id = id;
        Engine = endpoint;
        ServerCaCertificatePath = serverCaCertificatePath;
        _log = log;
    }

    internal EngineCredentials.LocalCredentialEndpoint Engine { get; }

    /// <summary>Its number in this session (Stop-ZymCredentialEndpoint -Id).</summary>
    public int Id { get; }

    /// <summary>https://&lt;Host&gt;:&lt;Port&gt; (connect to 127.0.0.1:&lt;Port&gt;).</summary>
    public string Url => Engine.Url;

    /// <summary>The credentials-provider host it serves: send it as SNI (what devices ask).</summary>
    public string Host => Engine.Host;

    public int Port => Engine.Port;

    /// <summary>"127.0.0.1:&lt;Port&gt;", for -ConnectAddress and curl --resolve.</summary>
    public string ConnectAddress => "127.0.0.1:" + Engine.Port;

    /// <summary>The CA its server certificate chains to (-ServerCaCertificate).</summary>
    public string ServerCaCertificatePath { get; }

    /// <summary>The control plane it judges against (the -EndpointUrl it was started with), or AWS.</summary>
    public string ControlPlane => Engine.BackendEndpoint ?? "AWS";

    public int RequestCount => Engine.RequestCount;

    public int ServedCount => Engine.ServedCount;

    public int RefusedCount => Engine.RefusedCount;

    public int HandshakeRefusalCount => Engine.HandshakeRefusalCount;

    /// <summary>False once stopped.</summary>
    public bool Running { get; internal set; } = true;

    /// <summary>What it did lately: every request judged (which check refused it and why), handshakes refused. No secret.</summary>
    public IReadOnlyList<string> Log => Joined.List(_log.Lines);

    public override string ToString() => Url;
}

/// <summary>A profile in the AWS shared config that gets its credentials from the device (Install-ZymCredentialProcess).</summary>
public sealed class CredentialProcessProfile
{
    internal CredentialProcessProfile(string profileName, string configPath, string? region, string credentialProcess, bool native, bool changed)
    {
        ProfileName = profileName;
        ConfigPath = configPath;
        Region = region;
        CredentialProcess = credentialProcess;
        Native = native;
        Changed = changed;
    }

    public string ProfileName { get; }

    /// <summary>The shared config file written.</summary>
    public string ConfigPath { get; }

    public string? Region { get; }

    /// <summary>The credential_process command line.</summary>
    public string CredentialProcess { get; }

    /// <summary>True when it runs the native zymaws-credential helper, false when it runs the module through pwsh.</summary>
    public bool Native { get; }

    /// <summary>False when the profile already said exactly this.</summary>
    public bool Changed { get; }

    public override string ToString() => ProfileName;
}

/// <summary>The device certificate and server trust anchor put where Get-ZymAwsCredential looks (Install-ZymDeviceCertificate).</summary>
public sealed class InstalledDeviceCertificate
{
    internal InstalledDeviceCertificate(string certificatePath, string? serverCaCertificatePath, string? thingName, string? roleAlias, string? endpoint, string? region)
    {
        CertificatePath = certificatePath;
        ServerCaCertificatePath = serverCaCertificatePath;
        ThingName = thingName;
        RoleAlias = roleAlias;
        Endpoint = endpoint;
        Region = region;
    }

    public string CertificatePath { get; }

    public string? ServerCaCertificatePath { get; }

    public string? ThingName { get; }

    public string? RoleAlias { get; }

    /// <summary>The credentials-provider host the certificate's subject names.</summary>
    public string? Endpoint { get; }

    public string? Region { get; }

    public override string ToString() => CertificatePath;
}
