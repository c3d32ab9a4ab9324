using System;
using System.Collections.Generic;
using ZymAws.Engine;
using ZymAws.Zymkey.Native;

namespace ZymAws.Zymkey;

/// <summary>
/// An error from the Zymkey or its library. ErrorIds:
/// <list type="bullet">
/// <item>"ZymkeyLibraryNotFound" (NotInstalled): not Linux, or no loadable libzk_app_utils.so;
/// <see cref="TriedPaths"/> and the message list every place tried and why each failed.</item>
/// <item>"ZymkeyCallFailed": a library function returned a negative code; <see cref="FunctionName"/>,
/// <see cref="ReturnCode"/>, <see cref="ErrnoName"/> and <see cref="Meaning"/> say which and why. Category
/// DeviceError, except ETIMEDOUT/ETIME OperationTimeout, EACCES/EPERM PermissionDenied, EBUSY/EAGAIN
/// ResourceBusy, EINVAL InvalidArgument, EOPNOTSUPP/ENOSYS NotImplemented, ECONNREFUSED ConnectionError.</item>
/// <item>"ZymkeyFunctionNotAvailable" (NotImplemented): the installed library lacks an optional function.</item>
/// <item>"ZymkeyResultInvalid" (InvalidResult): the library returned data of the wrong size or shape.</item>
/// <item>"ZymkeyKeyNotP256" (InvalidData): the slot's public key is not a NIST P-256 point.</item>
/// <item>"ZymkeyDigestInvalid", "ZymkeySlotInvalid", "ZymkeyArgumentInvalid" (InvalidArgument): bad input,
/// caught before the library is called.</item>
/// </list>
/// </summary>
public sealed class ZymkeyException : ZymException
{
    /// <summary>Creates an error with no native call details.</summary>
    public ZymkeyException(string errorId, ZymErrorCategory category, string message, object? target = null, Exception? inner = null)
        : base(errorId, category, message, target, inner)
    {
    }

    private ZymkeyException(string errorId, ZymErrorCategory category, string message, object? target, string function, int code)
        : base(errorId, category, message, target)
    {
        FunctionName = function;
        ReturnCode = code;
        (ErrnoName, Meaning) = Errno.Describe(code);
    }

    private ZymkeyException(string message, IReadOnlyList<string> triedPaths)
        : base("ZymkeyLibraryNotFound", ZymErrorCategory.NotInstalled, message, ZymkeyOptions.LibraryFileName)
    {
        TriedPaths = triedPaths;
    }

    /// <summary>The library function that failed, e.g. "zkGenECDSASigFromDigest".</summary>
    public string? FunctionName { get; }

    /// <summary>The negative code it returned, e.g. -110.</summary>
    public int? ReturnCode { get; }

    /// <summary>The errno name of the code, e.g. "ETIMEDOUT" ("E?" if unknown).</summary>
    public string? ErrnoName { get; }

    /// <summary>What the code means, e.g. "device not responding".</summary>
    public string? Meaning { get; }

    /// <summary>For "ZymkeyLibraryNotFound": every candidate tried, each with why it failed.</summary>
    public IReadOnlyList<string> TriedPaths { get; } = Array.Empty<string>();

    internal static ZymkeyException CallFailed(string function, int code, object? target)
    {
        var (name, meaning) = Errno.Describe(code);
        var message = $"{function} failed with {code} ({name}: {meaning})";
        if (target is not null)
        {
            message += $" for {target}";
        }

        message += ".";
        var hint = Errno.Hint(code);
        if (hint is not null)
        {
            message += " " + hint;
        }

        return new ZymkeyException("ZymkeyCallFailed", Errno.Category(code), message, target ?? function, function, code);
    }

    internal static ZymkeyException LibraryNotFound(string message, IReadOnlyList<string> triedPaths) => new(message, triedPaths);
}
