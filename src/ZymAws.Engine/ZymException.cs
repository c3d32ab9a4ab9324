using System;

namespace ZymAws.Engine;

/// <summary>
/// Mirrors System.Management.Automation.ErrorCategory by name (the engine has no PowerShell reference);
/// the cmdlet layer maps one to the other with Enum.Parse.
/// </summary>
public enum ZymErrorCategory
{
    NotSpecified,
    InvalidArgument,
    InvalidData,
    InvalidOperation,
    InvalidResult,
    ObjectNotFound,
    ResourceExists,
    ResourceUnavailable,
    PermissionDenied,
    SecurityError,
    LimitsExceeded,
    ConnectionError,
    OperationTimeout,
    OperationStopped,
    NotInstalled,
    NotImplemented,
    DeviceError,
    ReadError,
    WriteError,
    AuthenticationError,
    ProtocolError,
    InvalidType,
    MetadataError,
    NotEnabled,
    ResourceBusy,
    SyntaxError,
}

/// <summary>
/// Every error the engine raises on purpose. <see cref="ErrorId"/> is NounCondition style
/// (e.g. "CsrSignatureInvalid"); <see cref="Target"/> is the item the error is about.
/// Messages never carry secrets.
/// </summary>
public class ZymException : Exception
{
    public ZymException(string errorId, ZymErrorCategory category, string message, object? target = null, Exception? inner = null)
        : base(message, inner)
    {
        ErrorId = errorId;
        Category = category;
        Target = target;
    }

    public string ErrorId { get; }

    public ZymErrorCategory Category { get; }

    public object? Target { get; }
}
