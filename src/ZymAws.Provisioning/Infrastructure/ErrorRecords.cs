using System;
using System.IO;
using System.Management.Automation;
using ZymAws.Engine;

namespace ZymAws.Provisioning.Infrastructure;

/// <summary>Turns engine exceptions into ErrorRecords: id, category and the item the error is about.</summary>
public static class ErrorRecords
{
    /// <summary>
    /// The record for an exception about <paramref name="target"/>, the item the user gave; when that is null, the
    /// engine's own target. An engine object never reaches the user (its type lives in the module's load context):
    /// it is replaced by its text.
    /// </summary>
    public static ErrorRecord From(Exception exception, object? target)
    {
        if (exception is AggregateException { InnerExceptions.Count: 1 } aggregate)
        {
            exception = aggregate.InnerExceptions[0];
        }

        return exception switch
        {
            ZymException zym => new ErrorRecord(zym, zym.ErrorId, Map(zym.Category), Visible(target ?? zym.Target)),
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

    private static readonly string[] s_isolatedNamespaces = { "ZymAws.Engine", "ZymAws.Zymkey", "Amazon", "Org.BouncyCastle" };

    private static object? Visible(object? target)
    {
        var ns = target?.GetType().Namespace;
        foreach (var prefix in s_isolatedNamespaces)
        {
            if (ns is not null && ns.StartsWith(prefix, StringComparison.Ordinal))
            {
                return target!.ToString();
            }
        }

        return target;
    }

    internal static ErrorCategory Map(ZymErrorCategory category) =>
        Enum.TryParse<ErrorCategory>(category.ToString(), out var mapped) ? mapped : ErrorCategory.NotSpecified;
}
