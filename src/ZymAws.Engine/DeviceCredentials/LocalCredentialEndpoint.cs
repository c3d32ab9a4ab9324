using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Tls;
using Org.BouncyCastle.Tls.Crypto;
using Org.BouncyCastle.Tls.Crypto.Impl.BC;
using ZymAws.Engine.Aws;
using ZymAws.Engine.DeviceCredentials.Tls;
using ZymAws.Engine.Diagnostics;
using ZymAws.Engine.Keys;
using ZymAws.Engine.Pki;

namespace ZymAws.Engine.DeviceCredentials;

/// <summary>How to start a <see cref="LocalCredentialEndpoint"/>.</summary>
public sealed class LocalCredentialEndpointOptions
{
    public LocalCredentialEndpointOptions(string hostName)
    {
        HostName = hostName ?? throw new ArgumentNullException(nameof(hostName));
    }

    /// <summary>The credentials-provider host it serves: the TLS SNI it expects and the name in its certificate.</summary>
    public string HostName { get; }

    /// <summary>The port on loopback; 0 picks a free one.</summary>
    public int Port { get; init; }

    /// <summary>Connections handled at once. Default 32.</summary>
    public int MaxConcurrentConnections { get; init; } = 32;

    /// <summary>Time a client has to finish the handshake and send its request. Default 15 s.</summary>
    public TimeSpan ClientTimeout { get; init; } = TimeSpan.FromSeconds(15);
}

/// <summary>
/// A credentials-provider endpoint on loopback that behaves like AWS's: GET /role-aliases/&lt;alias&gt;/credentials over
/// mutual TLS (TLS 1.2, a client certificate required), judged by <see cref="CredentialRule"/> against the control plane
/// it is given (moto in tests and the demo; AWS works too), credentials from that backend's STS AssumeRole for the alias's
/// duration, and every refusal with AWS's status, x-amzn-ErrorType and message. A certificate the account does not know,
/// that is not ACTIVE, expired, or whose CA is not ACTIVE is refused in the TLS handshake. The server certificate comes
/// from a CA made at start (<see cref="ServerCaCertificatePem"/>), so clients verify it for real.
/// </summary>
public sealed class LocalCredentialEndpoint : IDisposable
{
    private readonly AwsSession _backend;
    private readonly LocalCredentialEndpointOptions _options;
    private readonly IEngineLog _log;
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stopping = new();
    private readonly SemaphoreSlim _slots;
    private readonly SoftwareDeviceKey _serverKey;
    private readonly byte[][] _serverChain;
    private readonly Task _acceptLoop;
    private readonly List<Task> _connections = new();
    private int _requests;
    private int _served;
    private int _refused;
    private int _handshakeRefusals;

    private LocalCredentialEndpoint(AwsSession backend, LocalCredentialEndpointOptions options, IEngineLog log)
    {
        _backend = backend;
        _options = options;
        _log = log;
        _slots = new SemaphoreSlim(Math.Max(1, options.MaxConcurrentConnections));
        using (var ca = CaSigner.Create("CN=ZymAws local credentials-provider CA,O=ZymAwsProvisioning rehearsal", DeviceKeyAlgorithm.EcP256, validityDays: 30))
        {
            _serverKey = SoftwareDeviceKey.Generate();
            // As AWS's own certificate, a wildcard for every prefix of the region: a device asking another account's
            // prefix gets through TLS and is refused by SNI (403), not by its server check.
            var names = new List<string> { options.HostName };
            if (TryParseHost(options.HostName) is { Region: { } region })
            {
                names.Add("*" + CredentialEndpointName.Format(string.Empty, region));
            }

            names.Add("localhost");
            names.Add("127.0.0.1");
            _serverChain = new[] { ca.IssueServerCertificate(_serverKey.GetSubjectPublicKeyInfo(), names, validityDays: 30), ca.Certificate.GetDer() };
            ServerCaCertificatePem = ca.CertificatePem;
        }

        _listener = new TcpListener(IPAddress.Loopback, options.Port);
        _listener.Start(128);
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    /// <summary>The host it serves (send it as SNI and Host).</summary>
    public string Host => _options.HostName;

    /// <summary>The loopback port it listens on.</summary>
    public int Port { get; }

    /// <summary>https://&lt;Host&gt;:&lt;Port&gt; (connect to 127.0.0.1:&lt;Port&gt;).</summary>
    public string Url => $"https://{Host}:{Port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The CA its server certificate chains to: what a client trusts for the rehearsal (-ServerCaCertificate).</summary>
    public string ServerCaCertificatePem { get; }

    /// <summary>The control plane it judges against.</summary>
    public string? BackendEndpoint => _backend.EndpointUrl;

    /// <summary>HTTP requests read (handshakes refused do not count).</summary>
    public int RequestCount => Volatile.Read(ref _requests);

    /// <summary>Requests answered with credentials.</summary>
    public int ServedCount => Volatile.Read(ref _served);

    /// <summary>Requests answered with a refusal.</summary>
    public int RefusedCount => Volatile.Read(ref _refused);

    /// <summary>Handshakes refused because of the client certificate.</summary>
    public int HandshakeRefusalCount => Volatile.Read(ref _handshakeRefusals);

    /// <summary>Starts listening on loopback. The session is used for every judgement and every AssumeRole; the caller keeps owning it.</summary>
    public static LocalCredentialEndpoint Start(AwsSession backend, LocalCredentialEndpointOptions options, IEngineLog? log = null)
    {
        if (backend is null)
        {
            throw new ArgumentNullException(nameof(backend));
        }

        if (options is null)
        {
            throw new ArgumentNullException(nameof(options));
        }

        try
        {
            return new LocalCredentialEndpoint(backend, options, log ?? NullEngineLog.Instance);
        }
        catch (SocketException e)
        {
            throw new ZymException("CredentialEndpointPortUnavailable", ZymErrorCategory.ResourceUnavailable,
                $"Cannot listen on 127.0.0.1:{options.Port}: {e.Message}", options.Port, e);
        }
    }

    /// <summary>Stops listening and waits (briefly) for connections in progress.</summary>
    public void Dispose()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        _stopping.Cancel();
        _listener.Stop();
        Task[] pending;
        lock (_connections)
        {
            pending = _connections.ToArray();
        }

        try
        {
            Task.WaitAll(pending.Append(_acceptLoop).ToArray(), TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // Connections end with the listener; their failures were logged.
        }

        _serverKey.Dispose();
        _stopping.Dispose();
    }

    /// <inheritdoc />
    public override string ToString() => $"{Url} (judging against {BackendEndpoint ?? "AWS"})";

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync().ConfigureAwait(false);
            }
            catch (Exception) when (_stopping.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException e)
            {
                _log.Debug($"Local credentials endpoint: accept failed: {e.Message}");
                continue;
            }

            await _slots.WaitAsync().ConfigureAwait(false);
            var task = Task.Factory.StartNew(() => Serve(client), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            lock (_connections)
            {
                _connections.RemoveAll(t => t.IsCompleted);
                _connections.Add(task);
            }
        }
    }

    private void Serve(TcpClient client)
    {
        using var stopRegistration = _stopping.Token.Register(() => client.Dispose());
        using var timeout = new Timer(_ => client.Dispose(), null, _options.ClientTimeout, Timeout.InfiniteTimeSpan);
        var server = new EndpointTlsServer(this);
        var protocol = new TlsServerProtocol(client.GetStream());
        try
        {
            protocol.Accept(server);
            timeout.Change(_options.ClientTimeout, Timeout.InfiniteTimeSpan);
            var head = Http1.ReadHead(protocol.Stream);
            if (head is null)
            {
                return;
            }

            Interlocked.Increment(ref _requests);
            timeout.Change(Timeout.Infinite, Timeout.Infinite);
            Answer(protocol.Stream, head, server);
        }
        catch (Exception e) when (e is TlsException or IOException or ObjectDisposedException or SocketException or InvalidDataException)
        {
            if (server.CertificateRefusal is not null)
            {
                Interlocked.Increment(ref _handshakeRefusals);
            }

            _log.Debug($"Local credentials endpoint: connection ended: {server.CertificateRefusal?.Detail ?? e.Message}");
        }
        catch (Exception e)
        {
            _log.Warning($"Local credentials endpoint: {e.GetType().Name}: {e.Message}");
        }
        finally
        {
            try
            {
                protocol.Close();
            }
            catch (Exception)
            {
                // The peer is gone already.
            }

            client.Dispose();
            _slots.Release();
        }
    }

    private void Answer(Stream stream, Http1.Head head, EndpointTlsServer server)
    {
        string requestId = Guid.NewGuid().ToString();
        var parts = head.StartLine.Split(' ');
        string path = parts.Length >= 2 ? parts[1] : string.Empty;
        const string prefix = "/role-aliases/";
        const string suffix = "/credentials";
        if (parts.Length < 3 || parts[0] != "GET" || !path.StartsWith(prefix, StringComparison.Ordinal) || !path.EndsWith(suffix, StringComparison.Ordinal) || path.Length <= prefix.Length + suffix.Length)
        {
            Interlocked.Increment(ref _refused);
            Write(stream, 404, "Not Found", "ResourceNotFoundException", requestId, "{\"message\":\"Not Found\"}");
            return;
        }

        string alias = Uri.UnescapeDataString(path.Substring(prefix.Length, path.Length - prefix.Length - suffix.Length));
        string? thing = head["x-amzn-iot-thingname"];
        thing = string.IsNullOrEmpty(thing) ? null : thing;
        var certificate = CertificateFacts.Parse(server.ClientCertificate!);
        var query = CredentialQuery.For(certificate, alias);
        query.ThingName = thing;
        query.RequestedHost = server.ServerName;
        query.EndpointHost = Host;
        var facts = CredentialFactsReader.ReadAsync(_backend, query, _stopping.Token).GetAwaiter().GetResult();
        var decision = CredentialRule.Evaluate(facts);
        string who = $"certificate {certificate.CertificateId.Substring(0, 12)}…, alias '{alias}'" + (thing is null ? string.Empty : $", thing '{thing}'");
        if (!decision.Allowed)
        {
            var failure = decision.FirstFailure!;

            // The certificate passed the handshake a moment ago; a change since then reads, as on AWS, as an invalid certificate.
            var refusal = failure.Refusal!.InHandshake ? CredentialRefusal.For(CredentialCheck.Endpoint) : failure.Refusal;
            Interlocked.Increment(ref _refused);
            _log.Verbose($"Local credentials endpoint: {who}: {refusal.HttpStatus} {refusal.Message} ({failure.Check}: {failure.Detail}).");
            Write(stream, refusal.HttpStatus!.Value, Reason(refusal.HttpStatus.Value), refusal.ErrorType, requestId, refusal.ToJsonBody());
            return;
        }

        StsAssumedRole assumed;
        try
        {
            assumed = _backend.Sts.AssumeRoleAsync(new StsAssumeRoleRequest(decision.RoleArn!, certificate.CertificateId) { DurationSeconds = decision.DurationSeconds }, _stopping.Token)
                .GetAwaiter().GetResult();
        }
        catch (AwsServiceException e)
        {
            var refusal = CredentialRefusal.For(CredentialCheck.Role);
            Interlocked.Increment(ref _refused);
            _log.Verbose($"Local credentials endpoint: {who}: STS AssumeRole failed ({e.ErrorCode}); answering {refusal.HttpStatus}.");
            Write(stream, refusal.HttpStatus!.Value, Reason(refusal.HttpStatus.Value), refusal.ErrorType, requestId, refusal.ToJsonBody());
            return;
        }

        string body = JsonSerializer.Serialize(new
        {
            credentials = new
            {
                accessKeyId = assumed.AccessKeyId,
                secretAccessKey = assumed.SecretAccessKey,
                sessionToken = assumed.SessionToken,
                expiration = assumed.Expiration.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            },
        });
        Interlocked.Increment(ref _served);
        _log.Verbose($"Local credentials endpoint: {who}: 200, {assumed.AccessKeyId} until {assumed.Expiration.UtcDateTime:u}.");
        Write(stream, 200, "OK", null, requestId, body);
    }

    private static void Write(Stream stream, int status, string reason, string? errorType, string requestId, string body)
    {
        var headers = new List<KeyValuePair<string, string>>
        {
            new("Content-Type", "application/json"),
            new("x-amzn-RequestId", requestId),
        };
        if (errorType is not null)
        {
            headers.Add(new KeyValuePair<string, string>("x-amzn-ErrorType", errorType));
        }

        Http1.WriteResponse(stream, status, reason, headers, Encoding.UTF8.GetBytes(body));
    }

    private static string Reason(int status) => status switch
    {
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        _ => "Error",
    };

    private static CredentialEndpointName? TryParseHost(string host)
    {
        try
        {
            return CredentialEndpointName.Parse(host);
        }
        catch (ZymException)
        {
            return null;
        }
    }

    /// <summary>Judges the client certificate during the handshake, as AWS does.</summary>
    private CredentialCheckResult? JudgeCertificate(byte[] der)
    {
        var certificate = CertificateFacts.Parse(der);
        var facts = CredentialFactsReader.ReadCertificateAsync(_backend, certificate.CertificateId, _stopping.Token).GetAwaiter().GetResult();
        return CredentialRule.CertificateChecks(facts, certificate.CertificateId, DateTimeOffset.UtcNow).FirstOrDefault(c => c.Outcome == CheckOutcome.Failed);
    }

    private sealed class EndpointTlsServer : DefaultTlsServer
    {
        private static readonly int[] s_suites =
        {
            CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
            CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
            CipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        };

        private readonly LocalCredentialEndpoint _owner;

        public EndpointTlsServer(LocalCredentialEndpoint owner)
            : base(new BcTlsCrypto())
        {
            _owner = owner;
        }

        /// <summary>The SNI host name the client sent, or null.</summary>
        public string? ServerName { get; private set; }

        /// <summary>The client's certificate (DER), once received.</summary>
        public byte[]? ClientCertificate { get; private set; }

        /// <summary>Why the certificate was refused in the handshake, if it was.</summary>
        public CredentialCheckResult? CertificateRefusal { get; private set; }

        // AWS's endpoint speaks TLS 1.2 (../shared/reference/aws-iot.md).
        protected override ProtocolVersion[] GetSupportedVersions() => ProtocolVersion.TLSv12.Only();

        protected override int[] GetSupportedCipherSuites() => TlsUtilities.GetSupportedCipherSuites(Crypto, s_suites);

        public override void ProcessClientExtensions(IDictionary<int, byte[]> clientExtensions)
        {
            base.ProcessClientExtensions(clientExtensions);
            var names = TlsExtensionsUtilities.GetServerNameExtensionClient(clientExtensions);
            var host = names?.FirstOrDefault(n => n.NameType == NameType.host_name);
            ServerName = host is null ? null : Encoding.ASCII.GetString(host.NameData);
        }

        public override TlsCredentials GetCredentials() => GetECDsaSignerCredentials();

        protected override TlsCredentialedSigner GetECDsaSignerCredentials()
        {
            var crypto = (BcTlsCrypto)Crypto;
            var certificate = new Certificate(_owner._serverChain.Select(der => crypto.CreateCertificate(der)).ToArray());
            return new BcDefaultTlsCredentialedSigner(new TlsCryptoParameters(m_context), crypto, (AsymmetricKeyParameter)_owner._serverKey.PrivateKey, certificate,
                SignatureAndHashAlgorithm.GetInstance(HashAlgorithm.sha256, SignatureAlgorithm.ecdsa));
        }

        public override CertificateRequest GetCertificateRequest()
        {
            var algorithms = TlsUtilities.GetDefaultSupportedSignatureAlgorithms(m_context);
            return new CertificateRequest(new[] { ClientCertificateType.ecdsa_sign, ClientCertificateType.rsa_sign }, algorithms, null);
        }

        public override void NotifyClientCertificate(Certificate clientCertificate)
        {
            if (clientCertificate is null || clientCertificate.IsEmpty)
            {
                // Mutual TLS is required.
                throw new TlsFatalAlert(AlertDescription.handshake_failure, "A client certificate is required.");
            }

            byte[] der = clientCertificate.GetCertificateAt(0).GetEncoded();
            var refusal = _owner.JudgeCertificate(der);
            if (refusal is not null)
            {
                CertificateRefusal = refusal;
                bool revoked = refusal.Detail.IndexOf("REVOKED", StringComparison.Ordinal) >= 0;
                bool expired = refusal.Detail.IndexOf("expired", StringComparison.Ordinal) >= 0;
                throw new TlsFatalAlert(revoked ? AlertDescription.certificate_revoked : expired ? AlertDescription.certificate_expired : AlertDescription.certificate_unknown, refusal.Detail);
            }

            ClientCertificate = der;
        }
    }
}
