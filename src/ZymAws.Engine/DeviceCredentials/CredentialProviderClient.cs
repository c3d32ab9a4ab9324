using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Org.BouncyCastle.Tls;
using Org.BouncyCastle.Tls.Crypto;
using Org.BouncyCastle.Tls.Crypto.Impl.BC;
using ZymAws.Engine.DeviceCredentials.Tls;
using ZymAws.Engine.Diagnostics;
using ZymAws.Engine.Keys;
using ZymAws.Engine.Pki;

namespace ZymAws.Engine.DeviceCredentials;

/// <summary>One device's request to the credentials provider.</summary>
public sealed class DeviceCredentialRequest
{
    /// <param name="certificateChain">The device certificate (DER) first, then any intermediates to send.</param>
    /// <param name="key">The device's key; it signs the handshake wherever it lives.</param>
    /// <param name="endpointHost">The credentials-provider host: TLS SNI, the Host header, and the name the server must prove.</param>
    /// <param name="roleAlias">The alias to ask for.</param>
    public DeviceCredentialRequest(IReadOnlyList<byte[]> certificateChain, IDeviceKey key, string endpointHost, string roleAlias)
    {
        if (certificateChain is null || certificateChain.Count == 0)
        {
            throw new ArgumentException("The device certificate is required.", nameof(certificateChain));
        }

        CertificateChain = certificateChain;
        Key = key ?? throw new ArgumentNullException(nameof(key));
        EndpointHost = endpointHost ?? throw new ArgumentNullException(nameof(endpointHost));
        RoleAlias = roleAlias ?? throw new ArgumentNullException(nameof(roleAlias));
    }

    public IReadOnlyList<byte[]> CertificateChain { get; }

    public IDeviceKey Key { get; }

    public string EndpointHost { get; }

    /// <summary>The endpoint's port (443 on AWS).</summary>
    public int Port { get; init; } = 443;

    public string RoleAlias { get; }

    /// <summary>The x-amzn-iot-thingname header, or null to send none.</summary>
    public string? ThingName { get; init; }

    /// <summary>Connect here instead (a local endpoint, a proxy) while still sending and verifying <see cref="EndpointHost"/>.</summary>
    public string? ConnectHost { get; init; }

    /// <summary>The port to connect to with <see cref="ConnectHost"/> (default: <see cref="Port"/>).</summary>
    public int? ConnectPort { get; init; }

    /// <summary>What the server's certificate must chain to.</summary>
    public ServerTrust ServerTrust { get; init; } = ServerTrust.System;

    /// <summary>Carried into the result.</summary>
    public string? Region { get; init; }
}

/// <summary>Retries and timeouts of <see cref="CredentialProviderClient"/>.</summary>
public sealed class CredentialProviderClientSettings
{
    /// <summary>Attempts per request for 429, 5xx and lost connections (a refusal is never retried). Default 4.</summary>
    public int MaxAttempts { get; set; } = 4;

    /// <summary>Backoff base (full jitter, doubling). Default 200 ms.</summary>
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Backoff cap. Default 5 s.</summary>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Connect + handshake + answer, per attempt. Default 15 s.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(15);
}

/// <summary>
/// The device's side of the AWS IoT credentials provider: GET /role-aliases/&lt;alias&gt;/credentials over mutual TLS
/// (BouncyCastle's TLS client; the device key signs the handshake, so a Zymkey key never leaves the Zymkey), SNI and
/// Host = the endpoint host, the server verified against <see cref="ServerTrust"/>, the thing name header when given.
/// 429, 5xx and lost connections are retried; a refusal (4xx, or the certificate refused in the handshake) is reported
/// with the rule's check and fix.
/// </summary>
public static class CredentialProviderClient
{
    private const int MaxBody = 64 * 1024;
    private static readonly ThreadLocal<Random> s_random = new(() => new Random(Guid.NewGuid().GetHashCode()));

    /// <summary>Fetches credentials.</summary>
    /// <exception cref="CredentialProviderException">A refusal, an untrusted server, an unreachable endpoint, a bad answer.</exception>
    /// <exception cref="ZymException">CredentialKeyMismatch when the key is not the certificate's.</exception>
    public static async Task<TemporaryCredentials> FetchAsync(DeviceCredentialRequest request, CredentialProviderClientSettings? settings = null, IEngineLog? log = null, CancellationToken cancellationToken = default)
    {
        if (request is null)
        {
            throw new ArgumentNullException(nameof(request));
        }

        settings ??= new CredentialProviderClientSettings();
        log ??= NullEngineLog.Instance;
        CheckKeyMatchesCertificate(request);
        string target = request.ThingName ?? request.RoleAlias;
        for (int attempt = 1; ; attempt++)
        {
            var started = DateTimeOffset.UtcNow;
            try
            {
                var credentials = await AttemptAsync(request, settings, cancellationToken).ConfigureAwait(false);
                log.Verbose($"Credentials provider {request.EndpointHost}: 200 for role alias '{request.RoleAlias}'{Thing(request)} in {(DateTimeOffset.UtcNow - started).TotalMilliseconds:0} ms; credentials {credentials.AccessKeyId} until {credentials.Expiration.UtcDateTime:u}.");
                return credentials;
            }
            catch (CredentialProviderException e) when (IsRetryable(e) && attempt < settings.MaxAttempts && !cancellationToken.IsCancellationRequested)
            {
                var delay = Backoff(settings, attempt);
                log.Verbose($"Credentials provider {request.EndpointHost}: attempt {attempt} failed ({e.Message}); retrying in {delay.TotalMilliseconds:0} ms.");
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            }
            catch (CredentialProviderException e)
            {
                throw attempt == 1 ? e : new CredentialProviderException(e.ErrorId, e.Category, e.Message + $" ({attempt} attempts)", e.Target, e.InnerException)
                {
                    HttpStatus = e.HttpStatus,
                    ErrorType = e.ErrorType,
                    EndpointMessage = e.EndpointMessage,
                    TlsAlert = e.TlsAlert,
                    Refusal = e.Refusal,
                    Attempts = attempt,
                };
            }
        }

        static string Thing(DeviceCredentialRequest r) => r.ThingName is null ? string.Empty : $", thing '{r.ThingName}'";
    }

    /// <summary>The HTTP request the device sends (no secret in it).</summary>
    internal static byte[] BuildRequest(DeviceCredentialRequest request)
    {
        var sb = new StringBuilder();
        sb.Append("GET /role-aliases/").Append(Uri.EscapeDataString(request.RoleAlias)).Append("/credentials HTTP/1.1\r\n");
        sb.Append("Host: ").Append(request.EndpointHost).Append(request.Port == 443 ? string.Empty : ":" + request.Port.ToString(CultureInfo.InvariantCulture)).Append("\r\n");
        if (request.ThingName is not null)
        {
            sb.Append("x-amzn-iot-thingname: ").Append(request.ThingName).Append("\r\n");
        }

        sb.Append("User-Agent: ZymAwsProvisioning/").Append(typeof(CredentialProviderClient).Assembly.GetName().Version?.ToString(3)).Append("\r\n");
        sb.Append("Accept: application/json\r\nConnection: close\r\n\r\n");
        return Encoding.ASCII.GetBytes(sb.ToString());
    }

    /// <summary>Reads a 200 body: {"credentials":{"accessKeyId","secretAccessKey","sessionToken","expiration"}}.</summary>
    internal static TemporaryCredentials ParseCredentials(byte[] body, DeviceCredentialRequest request)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            var c = doc.RootElement.GetProperty("credentials");
            string Str(string name) => c.GetProperty(name).GetString() ?? throw new InvalidDataException(name + " is null");
            var expiration = DateTimeOffset.Parse(Str("expiration"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
            return new TemporaryCredentials(Str("accessKeyId"), Str("secretAccessKey"), Str("sessionToken"), expiration)
            {
                Region = request.Region,
                RoleAlias = request.RoleAlias,
                ThingName = request.ThingName,
                Endpoint = request.EndpointHost,
            };
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or InvalidDataException or FormatException)
        {
            // Never echo the body: it may hold a secret.
            throw new CredentialProviderException("CredentialResponseInvalid", ZymErrorCategory.InvalidResult,
                $"The credentials provider {request.EndpointHost} answered 200 without usable credentials ({e.GetType().Name}).", request.EndpointHost);
        }
    }

    private static async Task<TemporaryCredentials> AttemptAsync(DeviceCredentialRequest request, CredentialProviderClientSettings settings, CancellationToken cancellationToken)
    {
        string host = request.ConnectHost ?? request.EndpointHost;
        int port = request.ConnectPort ?? request.Port;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(settings.AttemptTimeout);
        using var tcp = new TcpClient { NoDelay = true };
        using (timeout.Token.Register(() => tcp.Dispose()))
        {
            try
            {
                await tcp.ConnectAsync(host, port).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or IOException)
            {
                cancellationToken.ThrowIfCancellationRequested();
                throw Unreachable(request, host, port, timeout.IsCancellationRequested ? "timed out" : e.Message, e);
            }

            // BouncyCastle's TLS is blocking: run it off the caller's thread; the registration above closes the socket
            // on cancellation or timeout, which ends any blocked read.
            return await Task.Run(() => Exchange(request, tcp.GetStream(), host, port, timeout, cancellationToken), CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static TemporaryCredentials Exchange(DeviceCredentialRequest request, NetworkStream network, string host, int port, CancellationTokenSource timeout, CancellationToken cancellationToken)
    {
        var client = new CredentialTlsClient(new BcTlsCrypto(), request);
        var protocol = new TlsClientProtocol(network);
        Http1.Head? head;
        byte[] body;
        try
        {
            protocol.Connect(client);
            var stream = protocol.Stream;
            var bytes = BuildRequest(request);
            stream.Write(bytes, 0, bytes.Length);
            stream.Flush();
            head = Http1.ReadHead(stream);
            body = head is null ? Array.Empty<byte>() : Http1.ReadBody(stream, head, MaxBody);
        }
        catch (Exception e) when (e is TlsException or IOException or ObjectDisposedException or SocketException or InvalidDataException)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (client.ServerProblem is not null)
            {
                throw new CredentialProviderException("CredentialServerUntrusted", ZymErrorCategory.SecurityError,
                    $"The credentials provider at {host}:{port} could not be trusted as {request.EndpointHost}: {client.ServerProblem}. " +
                    $"Give the right trust anchor (-ServerCaCertificate; Amazon Root CA 1/3 on AWS) or the right endpoint; the module never skips this check.",
                    request.EndpointHost, e);
            }

            if (client.ClientProblem is not null)
            {
                throw new CredentialProviderException("CredentialClientAuthenticationUnsupported", ZymErrorCategory.AuthenticationError,
                    $"The credentials provider at {host}:{port} asked for a client certificate the device key cannot sign for: {client.ClientProblem}.", request.EndpointHost, e);
            }

            if (FindAlert(e) is { } alert)
            {
                throw HandshakeRefused(request, host, port, alert, e);
            }

            // The device key failed to sign (a Zymkey error, say): that error, as it is.
            for (Exception? x = e.InnerException; x is not null; x = x.InnerException)
            {
                if (x is ZymException keyFailure)
                {
                    System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(keyFailure).Throw();
                }
            }

            if (e is TlsFatalAlert local && !timeout.IsCancellationRequested)
            {
                // Raised on this side: a protocol failure that retrying will not fix.
                throw new CredentialProviderException("CredentialHandshakeFailed", ZymErrorCategory.ProtocolError,
                    $"The TLS handshake with the credentials provider at {host}:{port} failed on the device's side ({AlertDescription.GetText(local.AlertDescription)}): {local.InnerException?.Message ?? local.Message}",
                    request.EndpointHost, e);
            }

            throw Unreachable(request, host, port, timeout.IsCancellationRequested ? "timed out" : e.Message, e);
        }
        finally
        {
            try
            {
                protocol.Close();
            }
            catch (Exception)
            {
                // Closing a connection that already failed: nothing more to learn.
            }
        }

        if (head is null)
        {
            throw Unreachable(request, host, port, "the connection closed without an answer", null);
        }

        int status = StatusOf(head);
        if (status == 200)
        {
            return ParseCredentials(body, request);
        }

        throw Refused(request, status, head["x-amzn-ErrorType"], MessageOf(body));
    }

    private static CredentialProviderException Refused(DeviceCredentialRequest request, int status, string? errorType, string? message)
    {
        var refusal = CredentialRefusal.FromHttp(status, message);
        string answer = $"{status}{(message is null ? string.Empty : " \"" + message + "\"")}{(errorType is null ? string.Empty : $" ({errorType})")}";
        if (refusal is not null)
        {
            string also = refusal.Check == CredentialCheck.Endpoint
                ? " AWS gives the same answer for a certificate it does not know or that is not ACTIVE."
                : string.Empty;
            return new CredentialProviderException(refusal.ErrorId, CategoryOf(status), $"The credentials provider {request.EndpointHost} refused: {answer}. {refusal.Fix}{also} Test-ZymDevice shows every check.", request.ThingName ?? request.RoleAlias)
            {
                HttpStatus = status,
                ErrorType = errorType,
                EndpointMessage = message,
                Refusal = refusal,
            };
        }

        bool busy = status == 429 || status >= 500;
        return new CredentialProviderException(busy ? "CredentialProviderUnavailable" : "CredentialRequestFailed", busy ? ZymErrorCategory.ResourceUnavailable : CategoryOf(status),
            $"The credentials provider {request.EndpointHost} answered {answer}.", request.ThingName ?? request.RoleAlias)
        {
            HttpStatus = status,
            ErrorType = errorType,
            EndpointMessage = message,
        };
    }

    private static CredentialProviderException HandshakeRefused(DeviceCredentialRequest request, string host, int port, short alert, Exception inner)
    {
        string name = AlertDescription.GetName(alert);
        var refusal = CredentialRefusal.For(CredentialCheck.Certificate);
        return new CredentialProviderException(refusal.ErrorId, ZymErrorCategory.AuthenticationError,
            $"The credentials provider at {host}:{port} refused the device certificate in the TLS handshake (alert {name}): the account does not know it, " +
            $"it is INACTIVE, REVOKED or expired, or its CA is not ACTIVE. {refusal.Fix} {CredentialRefusal.For(CredentialCheck.CertificateAuthority).Fix} Test-ZymDevice shows which.",
            request.ThingName ?? request.RoleAlias, inner)
        {
            TlsAlert = name,
            Refusal = refusal,
        };
    }

    private static CredentialProviderException Unreachable(DeviceCredentialRequest request, string host, int port, string why, Exception? inner) => new(
        "CredentialEndpointUnreachable", ZymErrorCategory.ConnectionError,
        $"Could not get an answer from the credentials provider at {host}:{port}{(host == request.EndpointHost ? string.Empty : $" (as {request.EndpointHost})")}: {why}.",
        request.EndpointHost, inner);

    private static short? FindAlert(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            if (x is TlsFatalAlertReceived received)
            {
                return received.AlertDescription;
            }
        }

        return null;
    }

    private static bool IsRetryable(CredentialProviderException e) =>
        e.ErrorId is "CredentialEndpointUnreachable" or "CredentialProviderUnavailable";

    private static TimeSpan Backoff(CredentialProviderClientSettings settings, int attempt)
    {
        double cap = Math.Min(settings.MaxDelay.TotalMilliseconds, settings.BaseDelay.TotalMilliseconds * Math.Pow(2, attempt - 1));
        return TimeSpan.FromMilliseconds(s_random.Value!.NextDouble() * cap);
    }

    private static int StatusOf(Http1.Head head)
    {
        var parts = head.StartLine.Split(' ');
        return parts.Length >= 2 && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int status)
            ? status
            : throw new CredentialProviderException("CredentialResponseInvalid", ZymErrorCategory.InvalidResult, "The credentials provider answered something that is not HTTP.", null);
    }

    private static string? MessageOf(byte[] body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            return doc.RootElement.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
        }
        catch (JsonException)
        {
            string text = Encoding.UTF8.GetString(body).Trim();
            return text.Length == 0 ? null : text.Length > 200 ? text.Substring(0, 200) + "…" : text;
        }
    }

    private static ZymErrorCategory CategoryOf(int status) => status switch
    {
        403 => ZymErrorCategory.PermissionDenied,
        404 => ZymErrorCategory.ObjectNotFound,
        429 => ZymErrorCategory.LimitsExceeded,
        >= 500 => ZymErrorCategory.ResourceUnavailable,
        _ => ZymErrorCategory.InvalidOperation,
    };

    internal static void CheckKeyMatchesCertificate(DeviceCredentialRequest request)
    {
        var certificate = CertificateFacts.Parse(request.CertificateChain[0]);
        var deviceKey = PublicKeyFacts.From(Org.BouncyCastle.Asn1.X509.SubjectPublicKeyInfo.GetInstance(request.Key.GetSubjectPublicKeyInfo()));
        if (certificate.Key is null || !certificate.Key.SameKeyAs(deviceKey))
        {
            throw new ZymException("CredentialKeyMismatch", ZymErrorCategory.InvalidArgument,
                $"The device key ({request.Key.Description}) is not the key of certificate {certificate.Subject}: the handshake could only fail. " +
                "Give the key the certificate was issued for (-KeyPath, or the Zymkey -Slot whose key signed the CSR).",
                request.ThingName ?? certificate.Subject);
        }
    }

    /// <summary>BouncyCastle TLS client: SNI, versions, suites, the server check and the device key as client credentials.</summary>
    private sealed class CredentialTlsClient : DefaultTlsClient
    {
        private static readonly int[] s_suites =
        {
            CipherSuite.TLS_AES_128_GCM_SHA256,
            CipherSuite.TLS_AES_256_GCM_SHA384,
            CipherSuite.TLS_CHACHA20_POLY1305_SHA256,
            CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
            CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
            CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
            CipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
            CipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
            CipherSuite.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        };

        private readonly DeviceCredentialRequest _request;

        public CredentialTlsClient(TlsCrypto crypto, DeviceCredentialRequest request)
            : base(crypto)
        {
            _request = request;
        }

        public string? ServerProblem { get; private set; }

        public string? ClientProblem { get; private set; }

        public override TlsAuthentication GetAuthentication() => new Authentication(this);

        protected override int[] GetSupportedCipherSuites() => TlsUtilities.GetSupportedCipherSuites(Crypto, s_suites);

        protected override ProtocolVersion[] GetSupportedVersions() => DeviceKeyTlsSigner.SupportsTls13(_request.Key)
            ? ProtocolVersion.TLSv13.DownTo(ProtocolVersion.TLSv12)
            : ProtocolVersion.TLSv12.Only();

        protected override IList<ServerName> GetSniServerNames() =>
            new List<ServerName> { new(NameType.host_name, Encoding.ASCII.GetBytes(_request.EndpointHost)) };

        private sealed class Authentication : TlsAuthentication
        {
            private readonly CredentialTlsClient _owner;

            public Authentication(CredentialTlsClient owner) => _owner = owner;

            public void NotifyServerCertificate(TlsServerCertificate serverCertificate)
            {
                var chain = serverCertificate.Certificate.GetCertificateList().Select(c => c.GetEncoded()).ToList();
                string? problem = _owner._request.ServerTrust.Verify(chain, _owner._request.EndpointHost);
                if (problem is not null)
                {
                    _owner.ServerProblem = problem;
                    throw new TlsFatalAlert(AlertDescription.bad_certificate, problem);
                }
            }

            public TlsCredentials? GetClientCredentials(CertificateRequest certificateRequest)
            {
                var context = _owner.m_context;
                var key = _owner._request.Key;
                var scheme = DeviceKeyTlsSigner.SchemeFor(key);
                var offered = certificateRequest.SupportedSignatureAlgorithms;
                if (offered is not null && !offered.Any(a => a.Hash == scheme.Hash && a.Signature == scheme.Signature))
                {
                    _owner.ClientProblem = $"it accepts none of the signatures a {key.Algorithm} key makes here ({SignatureAlgorithm.GetText(scheme.Signature)} with SHA-256)";
                    throw new TlsFatalAlert(AlertDescription.handshake_failure, _owner.ClientProblem);
                }

                var crypto = context.Crypto;
                var certificates = _owner._request.CertificateChain.Select(der => crypto.CreateCertificate(der)).ToArray();
                var certificate = TlsUtilities.IsTlsV13(context)
                    ? new Certificate(certificateRequest.GetCertificateRequestContext(), certificates.Select(c => new CertificateEntry(c, null)).ToArray())
                    : new Certificate(certificates);
                return new DefaultTlsCredentialedSigner(new TlsCryptoParameters(context), new DeviceKeyTlsSigner(key), certificate, scheme);
            }
        }
    }
}
