using System;
using System.IO;
using System.Management.Automation;
using ZymAws.Engine;

namespace ZymAws.Provisioning.Infrastructure;

/// <summary>Turns engine exceptions into ErrorRecords: id, category and the item the error is about.</summary>
public static class ErrorRecords
{
    public static ErrorRecord From(Exception exception, object? target)
    {
        if (exception is AggregateException { InnerExceptions.Count: 1 } aggregate)
        {
            exception = aggregate.InnerExceptions[0];
        }

        return exception switch
        {
            ZymException zym => new ErrorRecord(zym, zym.ErrorId, Map(zym.Category), zym.Target ?? target),
            ArgumentException => new ErrorRecord(exception, "InvalidArgument", ErrorCategory.InvalidArgument, target),
            FileNotFoundException or DirectoryNotFoundException => new ErrorRecord(exception, "FileNotFound", ErrorCategory.ObjectNotFound, target),
            ItemNotFoundException => new ErrorRecord(exception, "PathNotFound", ErrorCategory.ObjectNotFound, target),
            UnauthorizedAccessException => new ErrorRecord(exception, "AccessDenied", ErrorCategory.PermissionDenied, target),
            IOException => new ErrorRecord(exception, "IOError", ErrorCategory.WriteError, target),
            TimeoutException => new ErrorRecord(exception, "OperationTimeout", ErrorCategory.OperationTimeout, target),
            OperationCanceledException => new ErrorRecord(exception, "OperationStopped", ErrorCategory.OperationStopped, target),
            _ => new ErrorRecord(exception, "UnexpectedError", ErrorCategory.NotSpecified, target),
        };
    }

    /// <summary>A record for a bad argument found by the cmdlet itself.</summary>
    public static ErrorRecord InvalidArgument(string errorId, string message, object? target) =>
        new(new ArgumentException(message), errorId, ErrorCategory.InvalidArgument, target);

    internal static ErrorCategory Map(ZymErrorCategory category) =>
        Enum.TryParse<ErrorCategory>(category.ToString(), out var mapped) ? mapped : ErrorCategory.NotSpecified;
}
