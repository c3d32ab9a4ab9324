using System.Collections.Generic;
using ZymAws.Engine;

namespace ZymAws.Zymkey.Native;

/// <summary>
/// Names and meanings of the negative errno-style codes libzk_app_utils returns (Linux errno numbers), and
/// the error category each maps to.
/// </summary>
internal static class Errno
{
    public const int EPERM = 1;
    public const int EIO = 5;
    public const int EAGAIN = 11;
    public const int ENOMEM = 12;
    public const int EACCES = 13;
    public const int EBUSY = 16;
    public const int ENODEV = 19;
    public const int EINVAL = 22;
    public const int ENOSYS = 38;
    public const int ETIME = 62;
    public const int EOPNOTSUPP = 95;
    public const int ETIMEDOUT = 110;
    public const int ECONNREFUSED = 111;

    private static readonly Dictionary<int, (string Name, string Meaning)> s_table = new()
    {
        [EPERM] = ("EPERM", "operation not permitted"),
        [2] = ("ENOENT", "no such file or directory"),
        [4] = ("EINTR", "interrupted"),
        [EIO] = ("EIO", "input/output error talking to the device"),
        [6] = ("ENXIO", "no such device or address"),
        [9] = ("EBADF", "bad file descriptor"),
        [EAGAIN] = ("EAGAIN", "resource temporarily unavailable"),
        [ENOMEM] = ("ENOMEM", "out of memory"),
        [EACCES] = ("EACCES", "permission denied"),
        [14] = ("EFAULT", "bad address"),
        [EBUSY] = ("EBUSY", "device or resource busy"),
        [ENODEV] = ("ENODEV", "no such device"),
        [EINVAL] = ("EINVAL", "invalid argument (for example a slot the device does not have)"),
        [28] = ("ENOSPC", "no space left (key store full)"),
        [32] = ("EPIPE", "broken pipe"),
        [34] = ("ERANGE", "result out of range"),
        [ENOSYS] = ("ENOSYS", "function not implemented"),
        [61] = ("ENODATA", "no data available"),
        [ETIME] = ("ETIME", "timer expired"),
        [71] = ("EPROTO", "protocol error"),
        [74] = ("EBADMSG", "bad message"),
        [EOPNOTSUPP] = ("EOPNOTSUPP", "operation not supported by this device"),
        [104] = ("ECONNRESET", "connection reset"),
        [107] = ("ENOTCONN", "not connected"),
        [ETIMEDOUT] = ("ETIMEDOUT", "device not responding"),
        [ECONNREFUSED] = ("ECONNREFUSED", "connection refused"),
    };

    /// <summary>Name and meaning of a (negative) return code; unknown codes get "E?" and "unknown error".</summary>
    public static (string Name, string Meaning) Describe(int code)
    {
        var errno = code < 0 ? -code : code;
        return s_table.TryGetValue(errno, out var entry) ? entry : ("E?", "unknown error");
    }

    /// <summary>
    /// The category of a failed call: timeouts are OperationTimeout, EACCES/EPERM PermissionDenied,
    /// EBUSY/EAGAIN ResourceBusy, EINVAL InvalidArgument, EOPNOTSUPP/ENOSYS NotImplemented,
    /// ECONNREFUSED ConnectionError; everything else DeviceError.
    /// </summary>
    public static ZymErrorCategory Category(int code) => (code < 0 ? -code : code) switch
    {
        ETIMEDOUT or ETIME => ZymErrorCategory.OperationTimeout,
        EACCES or EPERM => ZymErrorCategory.PermissionDenied,
        EBUSY or EAGAIN => ZymErrorCategory.ResourceBusy,
        EINVAL => ZymErrorCategory.InvalidArgument,
        EOPNOTSUPP or ENOSYS => ZymErrorCategory.NotImplemented,
        ECONNREFUSED => ZymErrorCategory.ConnectionError,
        _ => ZymErrorCategory.DeviceError,
    };

    /// <summary>A hint for codes that usually mean the device or its service is not there.</summary>
    public static string? Hint(int code) => (code < 0 ? -code : code) switch
    {
        ETIMEDOUT or ETIME or ENODEV or ECONNREFUSED or EIO =>
            "Check that the Zymkey is seated and bound and that the zkifc service is running.",
        _ => null,
    };
}
