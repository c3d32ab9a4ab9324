using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Net.Http;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.Signing;
using ZymAws.Engine.Diagnostics;

namespace ZymAws.Engine.Aws.Internal;

/// <summary>One HTTP request to an AWS service, before signing.</summary>
internal sealed class AwsHttpRequest
{
    public AwsHttpRequest(string operation, HttpMethod method, string pathAndQuery)
    {
        Operation = operation;
        Method = method;
        PathAndQuery = pathAndQuery;
    }

    public string Operation { get; }

    public HttpMethod Method { get; }

    /// <summary>Path and query, already escaped, starting with "/".</summary>
    public string PathAndQuery { get; }

    /// <summary>The item the call is about, for logs and errors (thing name, certificate id...). Never a secret.</summary>
    public string? Target { get; set; }

    public byte[]? Body { get; set; }

    public string? ContentType { get; set; }

    public Dictionary<string, string> Headers { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// False for calls that must not be repeated after an ambiguous failure (CreateCertificateFromCsr makes a new
    /// certificate each time): those are retried only when AWS said it throttled the request.
    /// </summary>
    public bool Idempotent { get; set; } = true;
}

/// <summary>A successful (2xx) response, fully read.</summary>
internal sealed class AwsHttpResponse
{
    public AwsHttpResponse(int statusCode, byte[] body, string? requestId)
    {
        StatusCode = statusCode;
        Body = body;
        RequestId = requestId;
    }

    public int StatusCode { get; }

    public byte[] Body { get; }

    public string? RequestId { get; }
}

/// <summary>An error response from the service on one attempt; turned into <see cref="AwsServiceException"/> at the end.</summary>
internal sealed class AwsAttemptFailedException : Exception
{
    public AwsAttemptFailedException(int statusCode, AwsErrorInfo error, TimeSpan? retryAfter)
        : base(error.Code)
    {
        StatusCode = statusCode;
        Error = error;
        RetryAfter = retryAfter;
    }

    public int StatusCode { get; }

    public AwsErrorInfo Error { get; }

    public TimeSpan? RetryAfter { get; }
}

/// <summary>
/// Everything between a typed client and the wire: per-operation rate limits, per-attempt timeout, SigV4 signing
/// (AWSSDK.Core's <see cref="AWSSigV4Signer"/>), retries with capped exponential backoff and full jitter, error
/// mapping and one Verbose log line per call (never a body, never a credential header).
/// </summary>
internal sealed class AwsRequestPipeline
{
    private long _calls;

    private static readonly HashSet<string> s_throttlingCodes = new(StringComparer.Ordinal)
    {
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException", "TooManyRequestsException",
        "TooManyRequests", "RequestLimitExceeded", "BandwidthLimitExceeded", "RequestThrottled", "SlowDown",
        "ProvisionedThroughputExceededException", "EC2ThrottledException", "PriorRequestNotComplete", "TransactionInProgressException",
    };

    private static readonly HashSet<string> s_transientCodes = new(StringComparer.Ordinal)
    {
        "RequestTimeout", "RequestTimeoutException", "InternalFailure", "InternalFailureException", "InternalError",
        "ServiceUnavailable", "ServiceUnavailableException", "ServiceFailure", "IDPCommunicationError",
    };

    private readonly AWSCredentials _credentials;
    private readonly AwsClientSettings _settings;
    private readonly IEngineLog _log;
    private readonly HttpClient _http;
    private readonly ConcurrentDictionary<string, OperationRateLimiter?> _limiters = new(StringComparer.OrdinalIgnoreCase);
    private readonly object _randomLock = new();
    private readonly Random _random = new();

    public AwsRequestPipeline(AWSCredentials credentials, AwsClientSettings settings, IEngineLog log, HttpClient http)
    {
        _credentials = credentials;
        _settings = settings;
        _log = log;
        _http = http;
    }

    /// <summary>Sends a request with signing, rate limiting, retries and logging; returns a 2xx response or throws.</summary>
    public Task<AwsHttpResponse> SendAsync(AwsServiceEndpoint endpoint, AwsHttpRequest request, CancellationToken cancellationToken)
    {
        return ExecuteAsync(endpoint.Service, request.Operation, request.Target, request.Idempotent,
            token => SendOnceAsync(endpoint, request, token), cancellationToken,
            response => response.StatusCode.ToString(CultureInfo.InvariantCulture) + " OK");
    }

    /// <summary>
    /// Runs <paramref name="attempt"/> under the same rate limit, timeout, retry and logging rules. The attempt
    /// throws <see cref="AwsAttemptFailedException"/>, <see cref="Amazon.Runtime.AmazonServiceException"/> or a transport
    /// exception on failure.
    /// </summary>
    /// <summary>Operations called through this pipeline so far (each once, however many attempts it took).</summary>
    public long CallCount => Interlocked.Read(ref _calls);

    public async Task<T> ExecuteAsync<T>(string service, string operation, string? target, bool idempotent,
        Func<CancellationToken, Task<T>> attempt, CancellationToken cancellationToken, Func<T, string>? describeSuccess = null)
    {
        Interlocked.Increment(ref _calls);
        var limiter = GetLimiter(service, operation);
        var total = Stopwatch.StartNew();
        TimeSpan throttled = TimeSpan.Zero;
        int maxAttempts = Math.Max(1, _settings.MaxAttempts);

        // Attempts that count against MaxAttempts; a throttle under an adaptive limit does not (it is the limiter's
        // signal to slow down, answered by queueing again at the slower rate), up to MaxThrottledAttempts of them.
        int countedAttempts = 0;
        int absorbedThrottles = 0;
        bool queueFirst = false;

        // Set once an attempt may have reached AWS and been acted on without its answer reaching us: from then on the
        // call's outcome is unknown, whatever later attempts are told (a throttle or conflict answers the retry only).
        bool outcomeUnknown = false;
        for (int attemptNumber = 1; ; attemptNumber++)
        {
            double sentAt = 0;
            if (limiter is not null)
            {
                var lease = await limiter.WaitAsync(queueFirst, cancellationToken).ConfigureAwait(false);
                throttled += lease.Waited;
                sentAt = lease.GrantedAt;
            }

            using var attemptCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            attemptCts.CancelAfter(_settings.AttemptTimeout);
            Failure failure;
            try
            {
                T result = await attempt(attemptCts.Token).ConfigureAwait(false);
                limiter?.OnAnswered(sentAt);
                LogCall(service, operation, target, describeSuccess?.Invoke(result) ?? "OK", total.Elapsed, attemptNumber, throttled, absorbedThrottles);
                return result;
            }
            catch (Exception ex) when (cancellationToken.IsCancellationRequested)
            {
                // Whatever the transport threw while being torn down, the caller cancelled.
                LogCall(service, operation, target, "cancelled", total.Elapsed, attemptNumber, throttled, absorbedThrottles);
                if (ex is OperationCanceledException)
                {
                    throw;
                }

                throw new OperationCanceledException("The AWS call was cancelled.", ex, cancellationToken);
            }
            catch (ZymException)
            {
                // Our own errors (e.g. credentials could not be obtained): not an AWS answer, never retried.
                LogCall(service, operation, target, "failed before sending", total.Elapsed, attemptNumber, throttled, absorbedThrottles);
                throw;
            }
            catch (Exception ex) when (ClassifyOrNull(ex, attemptCts.IsCancellationRequested, idempotent) is Failure classified)
            {
                failure = classified;
            }

            outcomeUnknown |= failure.MayHaveTakenEffect;
            if (limiter is not null)
            {
                if (failure.Throttling)
                {
                    if (limiter.OnThrottled(sentAt))
                    {
                        _log.Debug(string.Format(CultureInfo.InvariantCulture, "AWS {0} {1}: throttled; client-side rate now {2:0.##}/s.", service, operation, limiter.RatePerSecond));
                    }
                }
                else if (failure.Status is not null)
                {
                    // Any other answer still says the service took the call at this rate.
                    limiter.OnAnswered(sentAt);
                }
            }

            if (failure.Throttling && limiter is { IsAdaptive: true } && absorbedThrottles < _settings.MaxThrottledAttempts)
            {
                // The limiter has slowed (or already had, for this congestion): wait for a turn at the head of its queue.
                absorbedThrottles++;
                queueFirst = true;
                _log.Debug($"AWS {service} {operation}{FormatTarget(target)}: attempt {attemptNumber} throttled; queued again under the adaptive rate limit.");
                if (failure.RetryAfter is TimeSpan serverSays && serverSays > TimeSpan.Zero)
                {
                    if (!await DelayAsync(Min(serverSays, _settings.MaxDelay), cancellationToken).ConfigureAwait(false))
                    {
                        LogCall(service, operation, target, "cancelled", total.Elapsed, attemptNumber, throttled, absorbedThrottles);
                        throw new OperationCanceledException(cancellationToken);
                    }
                }

                continue;
            }

            queueFirst = false;
            countedAttempts++;
            if (!failure.Retryable || countedAttempts >= maxAttempts)
            {
                LogCall(service, operation, target, failure.Describe(), total.Elapsed, attemptNumber, throttled, absorbedThrottles);
                throw failure.ToException(service, operation, target, attemptNumber, outcomeUnknown);
            }

            TimeSpan delay = BackoffDelay(countedAttempts, failure.RetryAfter);
            _log.Debug($"AWS {service} {operation}{FormatTarget(target)}: attempt {attemptNumber} got {failure.Describe()}; retrying in {(long)delay.TotalMilliseconds} ms.");
            if (delay > TimeSpan.Zero && !await DelayAsync(delay, cancellationToken).ConfigureAwait(false))
            {
                LogCall(service, operation, target, "cancelled", total.Elapsed, attemptNumber, throttled, absorbedThrottles);
                throw new OperationCanceledException(cancellationToken);
            }
        }
    }

    /// <summary>Each operation's client-side limit as it stands (for the run's summary and benchmarks).</summary>
    public IReadOnlyList<AwsRateLimitState> RateLimitStates()
    {
        var states = new List<AwsRateLimitState>();
        foreach (var entry in _limiters)
        {
            if (entry.Value is OperationRateLimiter limiter)
            {
                var (attempts, throttles, cuts) = limiter.Counts;
                states.Add(new AwsRateLimitState(limiter.Key, limiter.StartRate, limiter.RatePerSecond, limiter.IsAdaptive, attempts, throttles, cuts));
            }
        }

        states.Sort((a, b) => string.CompareOrdinal(a.Operation, b.Operation));
        return states;
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static async Task<bool> DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task<AwsHttpResponse> SendOnceAsync(AwsServiceEndpoint endpoint, AwsHttpRequest request, CancellationToken cancellationToken)
    {
        Uri uri = endpoint.Resolve(request.PathAndQuery);
        var signingRequest = new AWSSigningRequest
        {
            HttpMethod = request.Method,
            RequestUri = uri,
            Content = request.Body ?? Array.Empty<byte>(),
        };
        signingRequest.Headers["Host"] = uri.Authority;
        if (request.ContentType is not null)
        {
            signingRequest.Headers["Content-Type"] = request.ContentType;
        }

        foreach (var header in request.Headers)
        {
            signingRequest.Headers[header.Key] = header.Value;
        }

        var parameters = new AWSSigV4Parameters
        {
            Credentials = _credentials,
            Region = RegionEndpoint.GetBySystemName(endpoint.SigningRegion),
            Service = endpoint.SigningService,
            SignPayload = true,
        };

        AWSSigningResult signed;
        try
        {
            signed = await AWSSigV4Signer.SignAsync(signingRequest, parameters, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException && ex is not ZymException)
        {
            throw new ZymException("AwsCredentialsUnavailable", ZymErrorCategory.AuthenticationError,
                $"Could not obtain AWS credentials to sign {endpoint.Service} {request.Operation}: {ex.GetType().Name}: {ex.Message}", request.Target, ex);
        }

        using var message = new HttpRequestMessage(request.Method, uri);
        if (request.Body is not null)
        {
            message.Content = new ByteArrayContent(request.Body);
            if (request.ContentType is not null)
            {
                message.Content.Headers.TryAddWithoutValidation("Content-Type", request.ContentType);
            }
        }

        foreach (var header in request.Headers)
        {
            message.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        foreach (var header in signed.Headers)
        {
            message.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        using var response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        byte[] body = await ReadBodyAsync(response, cancellationToken).ConfigureAwait(false);
        int status = (int)response.StatusCode;
        if (status >= 200 && status < 300)
        {
            string? requestId = AwsErrorParser.GetHeader(response, "x-amzn-RequestId") ?? AwsErrorParser.GetHeader(response, "x-amz-request-id");
            return new AwsHttpResponse(status, body, requestId);
        }

        var error = AwsErrorParser.Parse(endpoint.ErrorFormat, status, response, body);
        throw new AwsAttemptFailedException(status, error, GetRetryAfter(response));
    }

    private static async Task<byte[]> ReadBodyAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.Content is null)
        {
            return Array.Empty<byte>();
        }

        using var stream = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
        using var buffer = new MemoryStream();
        using (cancellationToken.Register(() => stream.Dispose()))
        {
            await stream.CopyToAsync(buffer, 81920, cancellationToken).ConfigureAwait(false);
        }

        cancellationToken.ThrowIfCancellationRequested();
        return buffer.ToArray();
    }

    private static TimeSpan? GetRetryAfter(HttpResponseMessage response)
    {
        var retryAfter = response.Headers.RetryAfter;
        if (retryAfter?.Delta is TimeSpan delta)
        {
            return delta;
        }

        if (retryAfter?.Date is DateTimeOffset date)
        {
            var wait = date - DateTimeOffset.UtcNow;
            return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }

        return null;
    }

    private OperationRateLimiter? GetLimiter(string service, string operation)
    {
        return _limiters.GetOrAdd(service + ":" + operation, _ =>
        {
            double? rate = _settings.GetRateLimit(service, operation);
            return rate is null ? null : new OperationRateLimiter(service + ":" + operation, rate.Value, _settings.RateLimitBurst, _settings.IsAdaptive(service, operation));
        });
    }

    private TimeSpan BackoffDelay(int attemptNumber, TimeSpan? retryAfter)
    {
        double capMs = _settings.MaxDelay.TotalMilliseconds;
        double ceilingMs = Math.Min(capMs, _settings.BaseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attemptNumber - 1, 30)));
        double jitter;
        lock (_randomLock)
        {
            jitter = _random.NextDouble();
        }

        double delayMs = ceilingMs * jitter;
        if (retryAfter is TimeSpan serverSays)
        {
            delayMs = Math.Max(delayMs, Math.Min(capMs, serverSays.TotalMilliseconds));
        }

        return TimeSpan.FromMilliseconds(delayMs);
    }

    private void LogCall(string service, string operation, string? target, string outcome, TimeSpan elapsed, int attempt, TimeSpan throttled, int absorbedThrottles)
    {
        string waited = throttled >= TimeSpan.FromMilliseconds(1)
            ? string.Format(CultureInfo.InvariantCulture, ", {0} ms waiting for the rate limit", (long)throttled.TotalMilliseconds)
            : string.Empty;
        if (absorbedThrottles > 0)
        {
            waited = string.Format(CultureInfo.InvariantCulture, ", {0} throttled and slowed down{1}", absorbedThrottles, waited);
        }

        _log.Verbose(string.Format(CultureInfo.InvariantCulture, "AWS {0} {1}{2}: {3} in {4} ms (attempt {5}{6}).",
            service, operation, FormatTarget(target), outcome, (long)elapsed.TotalMilliseconds, attempt, waited));
    }

    private static string FormatTarget(string? target) => string.IsNullOrEmpty(target) ? string.Empty : $" '{target}'";

    private static Failure? ClassifyOrNull(Exception ex, bool attemptTimedOut, bool idempotent)
    {
        switch (ex)
        {
            case AwsAttemptFailedException failed:
            {
                bool throttling = IsThrottling(failed.Error.Code) || failed.StatusCode == 429;
                bool transient = failed.StatusCode >= 500 || s_transientCodes.Contains(failed.Error.Code);
                return new Failure(failed.Error.Code, failed.Error.Message, failed.Error.RequestId, failed.StatusCode,
                    failed.Error.ResourceId, failed.Error.ResourceArn, throttling || (transient && idempotent), failed.RetryAfter, ex)
                {
                    MayHaveTakenEffect = failed.StatusCode >= 500,
                    Throttling = throttling,
                };
            }

            case AmazonServiceException sdk when sdk.StatusCode != 0 || !string.IsNullOrEmpty(sdk.ErrorCode):
            {
                string code = string.IsNullOrEmpty(sdk.ErrorCode) ? AwsErrorParser.CodeFromStatus((int)sdk.StatusCode) : sdk.ErrorCode;
                int? status = sdk.StatusCode == 0 ? null : (int)sdk.StatusCode;
                bool throttling = IsThrottling(code) || status == 429;
                bool transient = status >= 500 || s_transientCodes.Contains(code);
                if (status is null && sdk.InnerException is Exception inner && IsTransport(inner))
                {
                    return Transport(inner, idempotent);
                }

                return new Failure(code, sdk.Message, sdk.RequestId, status, null, null, throttling || (transient && idempotent), null, ex)
                {
                    MayHaveTakenEffect = status is null || status >= 500,
                    Throttling = throttling,
                };
            }

            case Exception when attemptTimedOut:
                // The attempt's own timeout fired (the transport may surface it as cancellation, IOException or a disposed stream).
                return new Failure("RequestTimeout", "No complete response within the attempt timeout.", null, null, null, null, idempotent, null, ex)
                {
                    MayHaveTakenEffect = true,
                };

            default:
                return IsTransport(ex) ? Transport(ex, idempotent) : null;
        }
    }

    private static Failure Transport(Exception ex, bool idempotent)
    {
        // A refused connection never reached the service, so even a non-idempotent call may be repeated.
        bool neverSent = FindInner<SocketException>(ex)?.SocketErrorCode is SocketError.ConnectionRefused or SocketError.HostNotFound or SocketError.NetworkUnreachable or SocketError.HostUnreachable;
        return new Failure("ConnectionFailure", $"{Innermost(ex).GetType().Name}: {Innermost(ex).Message}", null, null, null, null,
            idempotent || neverSent, null, ex)
        {
            // Any other lost connection may have carried the whole request to AWS before it broke.
            MayHaveTakenEffect = !neverSent,
        };
    }

    private static bool IsThrottling(string code) => s_throttlingCodes.Contains(code);

    private static bool IsTransport(Exception ex)
    {
        return ex is HttpRequestException || ex is IOException || ex is SocketException ||
            (ex is AmazonServiceException && ex.InnerException is Exception inner && IsTransport(inner)) ||
            (ex is AmazonClientException && ex.InnerException is Exception inner2 && IsTransport(inner2));
    }

    private static T? FindInner<T>(Exception ex)
        where T : Exception
    {
        for (Exception? e = ex; e is not null; e = e.InnerException)
        {
            if (e is T match)
            {
                return match;
            }
        }

        return null;
    }

    private static Exception Innermost(Exception ex)
    {
        var e = ex;
        while (e.InnerException is not null)
        {
            e = e.InnerException;
        }

        return e;
    }

    private sealed class Failure
    {
        public Failure(string code, string? message, string? requestId, int? status, string? resourceId, string? resourceArn, bool retryable, TimeSpan? retryAfter, Exception cause)
        {
            Code = code;
            Message = message;
            RequestId = requestId;
            Status = status;
            ResourceId = resourceId;
            ResourceArn = resourceArn;
            Retryable = retryable;
            RetryAfter = retryAfter;
            Cause = cause;
        }

        public string Code { get; }

        public string? Message { get; }

        public string? RequestId { get; }

        public int? Status { get; }

        public string? ResourceId { get; }

        public string? ResourceArn { get; }

        public bool Retryable { get; }

        public TimeSpan? RetryAfter { get; }

        public Exception Cause { get; }

        /// <summary>
        /// Whether AWS may have received the request and acted on it although no usable answer came back: a connection
        /// lost after it was opened, an attempt timeout, or a 5xx (the service failed while handling it).
        /// </summary>
        public bool MayHaveTakenEffect { get; init; }

        /// <summary>AWS said it throttled this attempt (a throttling code, or 429).</summary>
        public bool Throttling { get; init; }

        public string Describe() => Status is null ? Code : string.Format(CultureInfo.InvariantCulture, "{0} {1}", Status, Code);

        public AwsServiceException ToException(string service, string operation, string? target, int attempts, bool outcomeUnknown)
        {
            // The cause of a service answer is our internal attempt exception: do not chain it.
            Exception? inner = Cause is AwsAttemptFailedException ? null : Cause;
            return new AwsServiceException(service, operation, Code, Message, RequestId, Status, target, ResourceId, ResourceArn, attempts, inner, outcomeUnknown);
        }
    }
}
