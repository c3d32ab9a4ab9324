using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using ZymAws.Engine;
using ZymAws.Engine.DeviceCredentials;
using ZymAws.Engine.DeviceCredentials.Tls;
using ZymAws.Engine.Diagnostics;

namespace ZymAws.CredentialHelper;

/// <summary>How to start a <see cref="CredentialServer"/>.</summary>
internal sealed class CredentialServerOptions
{
    /// <summary>The loopback port; 0 picks a free one.</summary>
    public int Port { get; init; } = 9911;

    /// <summary>The name listed under /latest/meta-data/iam/security-credentials/ (the role alias by default).</summary>
    public string RoleName { get; init; } = "zymaws-device";

    /// <summary>The region /latest/meta-data/placement/region answers, when known.</summary>
    public string? Region { get; init; }

    /// <summary>Whether the instance metadata (IMDSv2) protocol is served besides the container one.</summary>
    public bool Imds { get; init; } = true;

    /// <summary>The AWS_CONTAINER_AUTHORIZATION_TOKEN to require; null generates one.</summary>
    public string? AuthorizationToken { get; init; }

    /// <summary>Connections handled at once.</summary>
    public int MaxConnections { get; init; } = 32;

    /// <summary>Time a client has to send its request.</summary>
    public TimeSpan ClientTimeout { get; init; } = TimeSpan.FromSeconds(5);
}

/// <summary>
/// The device's credentials on loopback for SDKs that run without a profile, in two protocols:
/// <list type="bullet">
/// <item>container credentials (ECS; what the Greengrass token exchange service serves): GET <see cref="ContainerPath"/>
/// with <c>Authorization: &lt;token&gt;</c> — the SDKs read AWS_CONTAINER_CREDENTIALS_FULL_URI and
/// AWS_CONTAINER_AUTHORIZATION_TOKEN; a request without the token is refused;</item>
/// <item>instance metadata, IMDSv2 only (what the Roles Anywhere helper's serve speaks): PUT /latest/api/token with a TTL
/// header, then GET /latest/meta-data/iam/security-credentials/ and …/&lt;role&gt; with that session token — the SDKs
/// read AWS_EC2_METADATA_SERVICE_ENDPOINT.</item>
/// </list>
/// It listens on 127.0.0.1 only, answers only requests whose Host is the loopback address (no DNS rebinding), refuses a
/// token PUT that carries X-Forwarded-For (as EC2 does), and hands out only credentials with more than five minutes left
/// (<see cref="CredentialSupply"/>); when there are none, it answers an error with the reason, which the SDK reports.
/// </summary>
internal sealed class CredentialServer : IDisposable
{
    public const string ContainerPath = "/credentials";
    public const string TokenPath = "/latest/api/token";
    public const string CredentialsListPath = "/latest/meta-data/iam/security-credentials/";
    public const string RegionPath = "/latest/meta-data/placement/region";
    public const string TokenTtlHeader = "X-aws-ec2-metadata-token-ttl-seconds";
    public const string TokenHeader = "X-aws-ec2-metadata-token";
    public const int MaxTokenTtlSeconds = 21600;

    private readonly CredentialSupply _supply;
    private readonly CredentialServerOptions _options;
    private readonly IEngineLog _log;
    private readonly TcpListener _listener;
    private readonly SemaphoreSlim _slots;
    private readonly byte[] _authorization;
    private readonly byte[] _sessionKey = RandomNumberGenerator.GetBytes(32);
    private readonly CancellationTokenSource _stopping = new();
    private int _requests;
    private int _served;
    private int _unauthorized;
    private int _failed;

    private CredentialServer(CredentialSupply supply, CredentialServerOptions options, IEngineLog log)
    {
        _supply = supply;
        _options = options;
        _log = log;
        _slots = new SemaphoreSlim(Math.Max(1, options.MaxConnections));
        AuthorizationToken = options.AuthorizationToken ?? Base64Url(RandomNumberGenerator.GetBytes(32));
        _authorization = Encoding.UTF8.GetBytes(AuthorizationToken);
        _listener = new TcpListener(IPAddress.Loopback, options.Port);
        _listener.Start(128);
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
    }

    public int Port { get; }

    /// <summary>AWS_CONTAINER_AUTHORIZATION_TOKEN: a secret; whoever has it gets the device's credentials.</summary>
    public string AuthorizationToken { get; }

    /// <summary>AWS_CONTAINER_CREDENTIALS_FULL_URI.</summary>
    public string ContainerCredentialsUri => $"http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}{ContainerPath}";

    /// <summary>AWS_EC2_METADATA_SERVICE_ENDPOINT.</summary>
    public string MetadataEndpoint => $"http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}/";

    /// <summary>Requests read.</summary>
    public int RequestCount => Volatile.Read(ref _requests);

    /// <summary>Answers that carried credentials.</summary>
    public int ServedCount => Volatile.Read(ref _served);

    /// <summary>Requests refused for a missing or wrong token (or a foreign Host).</summary>
    public int UnauthorizedCount => Volatile.Read(ref _unauthorized);

    /// <summary>Credential requests answered with an error because there were no usable credentials.</summary>
    public int FailedCount => Volatile.Read(ref _failed);

    /// <summary>The variables an SDK needs, as KEY=VALUE lines (a systemd EnvironmentFile, or `set -a; . file`).</summary>
    public string EnvironmentText
    {
        get
        {
            var sb = new StringBuilder();
            sb.Append("AWS_CONTAINER_CREDENTIALS_FULL_URI=").Append(ContainerCredentialsUri).Append('\n');
            sb.Append("AWS_CONTAINER_AUTHORIZATION_TOKEN=").Append(AuthorizationToken).Append('\n');
            if (_options.Imds)
            {
                sb.Append("AWS_EC2_METADATA_SERVICE_ENDPOINT=").Append(MetadataEndpoint).Append('\n');
            }

            return sb.ToString();
        }
    }

    /// <summary>Starts listening on 127.0.0.1.</summary>
    /// <exception cref="ZymException">CredentialServerPortUnavailable.</exception>
    public static CredentialServer Start(CredentialSupply supply, CredentialServerOptions options, IEngineLog log)
    {
        try
        {
            return new CredentialServer(supply, options, log);
        }
        catch (SocketException e)
        {
            throw new ZymException("CredentialServerPortUnavailable", ZymErrorCategory.ResourceUnavailable,
                $"Cannot listen on 127.0.0.1:{options.Port}: {e.Message}. Give another --port (0 picks a free one).", options.Port, e);
        }
    }

    /// <summary>Accepts connections until <paramref name="cancellationToken"/> or <see cref="Dispose"/>.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopping.Token);
        var token = linked.Token;
        using var registration = token.Register(() => _listener.Stop());
        var connections = new List<Task>();
        while (!token.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                await _slots.WaitAsync(token).ConfigureAwait(false);
                socket = await _listener.AcceptSocketAsync(token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException && token.IsCancellationRequested)
            {
                break;
            }
            catch (SocketException e)
            {
                _slots.Release();
                _log.Debug($"accept failed: {e.Message}");
                continue;
            }

            connections.RemoveAll(t => t.IsCompleted);
            connections.Add(Task.Run(() => ServeConnectionAsync(socket, token), CancellationToken.None));
        }

        await Task.WhenAll(connections).ConfigureAwait(false);
    }

    public void Dispose()
    {
        if (!_stopping.IsCancellationRequested)
        {
            _stopping.Cancel();
            _listener.Stop();
        }
    }

    private async Task ServeConnectionAsync(Socket socket, CancellationToken cancellationToken)
    {
        try
        {
            using var network = new NetworkStream(socket, ownsSocket: true);
            socket.NoDelay = true;
            socket.ReceiveTimeout = (int)_options.ClientTimeout.TotalMilliseconds;
            socket.SendTimeout = (int)_options.ClientTimeout.TotalMilliseconds;
            Http1.Head? head;
            try
            {
                head = Http1.ReadHead(new BufferedStream(network, 1024));
            }
            catch (Exception e) when (e is IOException or InvalidDataException or SocketException)
            {
                _log.Debug($"a request could not be read: {e.Message}");
                return;
            }

            if (head is null)
            {
                return;
            }

            Interlocked.Increment(ref _requests);
            var answer = await AnswerAsync(head, cancellationToken).ConfigureAwait(false);
            var headers = new List<KeyValuePair<string, string>>
            {
                new("Content-Type", answer.ContentType),
                new("Cache-Control", "no-store"),
            };
            headers.AddRange(answer.Headers);
            try
            {
                Http1.WriteResponse(network, answer.Status, answer.Reason, headers, Encoding.UTF8.GetBytes(answer.Body));
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
            {
                _log.Debug($"an answer could not be sent: {e.Message}");
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping: the connection goes with the server.
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _log.Warning($"a connection failed: {e.GetType().Name}: {e.Message}");
        }
        finally
        {
            _slots.Release();
        }
    }

    /// <summary>The answer to one request (the whole protocol; for tests too).</summary>
    internal async Task<Answer> AnswerAsync(Http1.Head head, CancellationToken cancellationToken)
    {
        var parts = head.StartLine.Split(' ');
        if (parts.Length != 3 || !parts[2].StartsWith("HTTP/1.", StringComparison.Ordinal))
        {
            return Error(400, "Bad Request", "BadRequest", "Not an HTTP/1.x request line.");
        }

        string method = parts[0];
        string path = parts[1];
        int query = path.IndexOf('?');
        if (query >= 0)
        {
            path = path.Substring(0, query);
        }

        if (!IsLoopbackHost(head["Host"]))
        {
            Interlocked.Increment(ref _unauthorized);
            return Error(403, "Forbidden", "HostNotAllowed", $"This endpoint answers requests to 127.0.0.1:{Port} only.");
        }

        if (path == ContainerPath)
        {
            if (method != "GET")
            {
                return MethodNotAllowed("GET");
            }

            if (!Authorized(head["Authorization"]))
            {
                Interlocked.Increment(ref _unauthorized);
                return Error(401, "Unauthorized", "AuthorizationTokenInvalid",
                    "The Authorization header must carry the token zymaws-credential serve printed as AWS_CONTAINER_AUTHORIZATION_TOKEN.");
            }

            return await CredentialsAsync(c => c.ToContainerCredentialsJson(), cancellationToken).ConfigureAwait(false);
        }

        if (!_options.Imds || !path.StartsWith("/latest/", StringComparison.Ordinal))
        {
            return Error(404, "Not Found", "NotFound", $"Nothing is served at {path}.");
        }

        if (path == TokenPath)
        {
            return method == "PUT" ? IssueSessionToken(head) : MethodNotAllowed("PUT");
        }

        if (method != "GET")
        {
            return MethodNotAllowed("GET");
        }

        if (!ValidSessionToken(head[TokenHeader]))
        {
            // IMDSv2 only: a GET without a session token (IMDSv1) is refused as EC2 refuses it when tokens are required.
            Interlocked.Increment(ref _unauthorized);
            return new Answer(401, "Unauthorized", "text/plain", string.Empty);
        }

        if (path is CredentialsListPath or "/latest/meta-data/iam/security-credentials")
        {
            return Text(_options.RoleName);
        }

        if (path.StartsWith(CredentialsListPath, StringComparison.Ordinal))
        {
            string role = Uri.UnescapeDataString(path.Substring(CredentialsListPath.Length).TrimEnd('/'));
            return role == _options.RoleName
                ? await CredentialsAsync(c => c.ToInstanceMetadataJson(), cancellationToken).ConfigureAwait(false)
                : Error(404, "Not Found", "NotFound", $"No role '{role}' here; the role is '{_options.RoleName}'.");
        }

        if (path == RegionPath && _options.Region is not null)
        {
            return Text(_options.Region);
        }

        return Error(404, "Not Found", "NotFound", $"Nothing is served at {path}.");
    }

    private async Task<Answer> CredentialsAsync(Func<TemporaryCredentials, string> format, CancellationToken cancellationToken)
    {
        try
        {
            var credentials = await _supply.GetAsync(cancellationToken).ConfigureAwait(false);
            Interlocked.Increment(ref _served);
            return new Answer(200, "OK", "application/json", format(credentials));
        }
        catch (ZymException e)
        {
            Interlocked.Increment(ref _failed);
            int status = ExitCodes.For(e) switch
            {
                ExitCodes.Refused => 403,
                ExitCodes.Unavailable => 503,
                _ => 500,
            };
            _log.Warning($"no credentials to serve: {ExitCodes.Describe(e)}");
            return Error(status, status switch { 403 => "Forbidden", 503 => "Service Unavailable", _ => "Internal Server Error" }, e.ErrorId, ExitCodes.InCommandLineTerms(e.Message));
        }
    }

    private Answer IssueSessionToken(Http1.Head head)
    {
        if (head["X-Forwarded-For"] is not null)
        {
            Interlocked.Increment(ref _unauthorized);
            return new Answer(403, "Forbidden", "text/plain", string.Empty);
        }

        if (!int.TryParse(head[TokenTtlHeader], NumberStyles.None, CultureInfo.InvariantCulture, out int ttl) || ttl < 1 || ttl > MaxTokenTtlSeconds)
        {
            return new Answer(400, "Bad Request", "text/plain", string.Empty);
        }

        return new Answer(200, "OK", "text/plain", SessionToken(DateTimeOffset.UtcNow.AddSeconds(ttl)))
        {
            Headers = new[] { new KeyValuePair<string, string>(TokenTtlHeader, ttl.ToString(CultureInfo.InvariantCulture)) },
        };
    }

    /// <summary>
    /// An IMDSv2 session token that needs no table: its expiry (Unix seconds) and an HMAC of it under a key made at start,
    /// so a token is good for this process only, until its TTL.
    /// </summary>
    internal string SessionToken(DateTimeOffset expires)
    {
        var bytes = new byte[8 + 32];
        long seconds = expires.ToUnixTimeSeconds();
        for (int i = 0; i < 8; i++)
        {
            bytes[i] = (byte)(seconds >> (56 - (8 * i)));
        }

        HMACSHA256.HashData(_sessionKey, bytes.AsSpan(0, 8), bytes.AsSpan(8));
        return Base64Url(bytes);
    }

    private bool ValidSessionToken(string? token)
    {
        byte[] bytes;
        try
        {
            bytes = token is null ? Array.Empty<byte>() : FromBase64Url(token);
        }
        catch (FormatException)
        {
            return false;
        }

        if (bytes.Length != 40)
        {
            return false;
        }

        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(_sessionKey, bytes.AsSpan(0, 8), mac);
        if (!CryptographicOperations.FixedTimeEquals(mac, bytes.AsSpan(8)))
        {
            return false;
        }

        long seconds = 0;
        for (int i = 0; i < 8; i++)
        {
            seconds = (seconds << 8) | bytes[i];
        }

        return DateTimeOffset.UtcNow.ToUnixTimeSeconds() < seconds;
    }

    private bool Authorized(string? header) =>
        header is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(header), _authorization);

    private bool IsLoopbackHost(string? host)
    {
        if (host is null)
        {
            return false;
        }

        string port = Port.ToString(CultureInfo.InvariantCulture);
        return host is "127.0.0.1" or "localhost" || host == "127.0.0.1:" + port || host == "localhost:" + port;
    }

    private static Answer MethodNotAllowed(string allowed) =>
        Error(405, "Method Not Allowed", "MethodNotAllowed", $"Use {allowed}.") with { Headers = new[] { new KeyValuePair<string, string>("Allow", allowed) } };

    private static Answer Text(string text) => new(200, "OK", "text/plain", text);

    /// <summary>An error answer: {"Code": ..., "Message": ...}, which the SDKs print in their error.</summary>
    private static Answer Error(int status, string reason, string code, string message) => new(status, reason, "application/json", TemporaryCredentials.Json(w =>
    {
        w.WriteString("Code", code);
        w.WriteString("Message", message);
    }));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] FromBase64Url(string text)
    {
        string padded = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(padded + new string('=', (4 - (padded.Length % 4)) % 4));
    }

    /// <summary>One HTTP answer.</summary>
    internal sealed record Answer(int Status, string Reason, string ContentType, string Body)
    {
        public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = Array.Empty<KeyValuePair<string, string>>();
    }
}
