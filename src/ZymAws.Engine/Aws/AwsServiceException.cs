using System;

namespace ZymAws.Engine.Aws;

/// <summary>
/// An AWS call that failed: the service said no (ErrorCode from the service), or no usable answer came back
/// after every attempt (ErrorCode "RequestTimeout" or "ConnectionFailure", no <see cref="StatusCode"/>).
/// <see cref="ZymException.ErrorId"/> is the service prefix plus the code without "Exception",
/// e.g. "IotResourceAlreadyExists", "IamNoSuchEntity", "StsAccessDenied".
/// <see cref="OutcomeUnknown"/> says whether the call may nevertheless have taken effect.
/// </summary>
public sealed class AwsServiceException : ZymException
{
    /// <summary>Creates the exception; the message and category are derived from the parts.</summary>
    public AwsServiceException(
        string service,
        string operation,
        string errorCode,
        string? awsMessage,
        string? requestId,
        int? statusCode,
        object? target,
        string? resourceId = null,
        string? resourceArn = null,
        int attempts = 1,
        Exception? inner = null,
        bool outcomeUnknown = false)
        : base(
            BuildErrorId(service, errorCode),
            MapCategory(errorCode, statusCode),
            BuildMessage(service, operation, errorCode, awsMessage, requestId, statusCode, target, resourceId, attempts, outcomeUnknown),
            target,
            inner)
    {
        Service = service;
        Operation = operation;
        ErrorCode = errorCode;
        AwsMessage = awsMessage;
        RequestId = requestId;
        StatusCode = statusCode;
        ResourceId = resourceId;
        ResourceArn = resourceArn;
        Attempts = attempts;
        OutcomeUnknown = outcomeUnknown;
    }

    /// <summary>"iot", "iam" or "sts".</summary>
    public string Service { get; }

    /// <summary>The API operation, e.g. "RegisterCertificate".</summary>
    public string Operation { get; }

    /// <summary>The code as AWS sent it, e.g. "ResourceAlreadyExistsException", "NoSuchEntity", "Throttling".</summary>
    public string ErrorCode { get; }

    /// <summary>The service's own message, if any.</summary>
    public string? AwsMessage { get; }

    /// <summary>The request id (x-amzn-RequestId / RequestId), for AWS support.</summary>
    public string? RequestId { get; }

    /// <summary>The HTTP status, or null when no response arrived.</summary>
    public int? StatusCode { get; }

    /// <summary>For ResourceAlreadyExists: the id of the existing resource (e.g. the certificate id).</summary>
    public string? ResourceId { get; }

    /// <summary>For ResourceAlreadyExists: the ARN of the existing resource.</summary>
    public string? ResourceArn { get; }

    /// <summary>How many attempts were made.</summary>
    public int Attempts { get; }

    /// <summary>
    /// True when an attempt may have reached AWS and been acted on without its answer reaching the module (a connection
    /// lost after the request was sent, an attempt timeout, a 5xx). Whatever a later attempt was told (a throttle, a
    /// conflict), the call may have taken effect: only asking AWS settles it. False: AWS refused every attempt outright,
    /// or none was sent.
    /// </summary>
    public bool OutcomeUnknown { get; }

    /// <summary>The code without a trailing "Exception" (e.g. "ResourceAlreadyExists").</summary>
    public string NormalizedCode => Normalize(ErrorCode);

    /// <summary>Whether AWS said the resource already exists (IoT ResourceAlreadyExists, IAM EntityAlreadyExists).</summary>
    public bool IsAlreadyExists => Category == ZymErrorCategory.ResourceExists;

    /// <summary>Whether AWS said the resource does not exist.</summary>
    public bool IsNotFound => Category == ZymErrorCategory.ObjectNotFound;

    internal static string Normalize(string code)
    {
        return code.EndsWith("Exception", StringComparison.Ordinal) && code.Length > "Exception".Length
            ? code.Substring(0, code.Length - "Exception".Length)
            : code;
    }

    internal static string ServiceDisplayName(string service)
    {
        switch (service)
        {
            case "iot":
                return "IoT";
            case "iam":
                return "IAM";
            case "sts":
                return "STS";
            default:
                return service;
        }
    }

    private static string BuildErrorId(string service, string code)
    {
        string prefix = service.Length == 0 ? "Aws" : char.ToUpperInvariant(service[0]) + service.Substring(1).ToLowerInvariant();
        return prefix + Normalize(code);
    }

    internal static ZymErrorCategory MapCategory(string code, int? statusCode)
    {
        switch (Normalize(code))
        {
            case "ResourceAlreadyExists":
            case "EntityAlreadyExists":
                return ZymErrorCategory.ResourceExists;
            case "ResourceNotFound":
            case "NoSuchEntity":
                return ZymErrorCategory.ObjectNotFound;
            case "Throttling":
            case "Throttled":
            case "TooManyRequests":
            case "RequestLimitExceeded":
            case "LimitExceeded":
            case "PackedPolicyTooLarge":
                return ZymErrorCategory.LimitsExceeded;
            case "AccessDenied":
            case "Unauthorized":
            case "UnauthorizedOperation":
            case "RegionDisabled":
                return ZymErrorCategory.PermissionDenied;
            case "InvalidClientTokenId":
            case "SignatureDoesNotMatch":
            case "ExpiredToken":
            case "IncompleteSignature":
            case "MissingAuthenticationToken":
            case "UnrecognizedClient":
            case "InvalidSignature":
                return ZymErrorCategory.AuthenticationError;
            case "InvalidRequest":
            case "InvalidInput":
            case "MalformedPolicy":
            case "MalformedPolicyDocument":
            case "ValidationError":
            case "Validation":
            case "CertificateValidation":
            case "RegistrationCodeValidation":
            case "InvalidParameterValue":
            case "InvalidParameterCombination":
            case "MissingParameter":
                return ZymErrorCategory.InvalidArgument;
            case "CertificateState":
            case "DeleteConflict":
            case "VersionConflict":
            case "UnmodifiableEntity":
            case "PolicyNotAttachable":
            case "ConcurrentModification":
            case "CertificateConflict":
                return ZymErrorCategory.InvalidOperation;
            case "ServiceUnavailable":
            case "InternalFailure":
            case "InternalError":
            case "ServiceFailure":
                return ZymErrorCategory.ResourceUnavailable;
            case "RequestTimeout":
                return ZymErrorCategory.OperationTimeout;
            case "ConnectionFailure":
                return ZymErrorCategory.ConnectionError;
            case "MalformedResponse":
                return ZymErrorCategory.InvalidResult;
        }

        switch (statusCode)
        {
            case 401:
            case 403:
                return ZymErrorCategory.PermissionDenied;
            case 404:
                return ZymErrorCategory.ObjectNotFound;
            case 409:
                return ZymErrorCategory.InvalidOperation;
            case 429:
                return ZymErrorCategory.LimitsExceeded;
            case >= 500:
                return ZymErrorCategory.ResourceUnavailable;
            case >= 400:
                return ZymErrorCategory.InvalidArgument;
            default:
                return ZymErrorCategory.NotSpecified;
        }
    }

    private static string BuildMessage(string service, string operation, string code, string? awsMessage, string? requestId, int? status, object? target, string? resourceId, int attempts, bool outcomeUnknown)
    {
        string what = $"AWS {ServiceDisplayName(service)} {operation}" + (target is null ? string.Empty : $" for '{target}'");
        string how = status is null ? code : $"{code} (HTTP {status})";
        string text = $"{what} failed: {how}";
        if (!string.IsNullOrEmpty(awsMessage))
        {
            text += ": " + awsMessage;
        }

        if (!string.IsNullOrEmpty(resourceId))
        {
            text += $" [existing resource id {resourceId}]";
        }

        if (attempts > 1)
        {
            text += $" (after {attempts} attempts)";
        }

        if (outcomeUnknown)
        {
            text += " (an attempt may have reached AWS: the call may have taken effect)";
        }

        if (!string.IsNullOrEmpty(requestId))
        {
            text += $" (request id {requestId})";
        }

        return text;
    }
}
