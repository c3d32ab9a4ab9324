using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using Microsoft.PowerShell.Commands;
using ZymAws.Engine;

namespace ZymAws.Provisioning.Infrastructure;

/// <summary>
/// Paths the user typed, resolved against the current location to file-system paths. Session state is read, so use it
/// on the pipeline thread only. A path on another provider (Env:, Variable:, a registry drive, ...) is refused with
/// PathNotFileSystem rather than read or written as a file of that name.
/// </summary>
public sealed class FileSystemPaths
{
    private readonly SessionState _sessionState;

    /// <summary>Resolves against <paramref name="cmdlet"/>'s session state.</summary>
    public FileSystemPaths(PSCmdlet cmdlet)
    {
        _sessionState = (cmdlet ?? throw new ArgumentNullException(nameof(cmdlet))).SessionState;
    }

    /// <summary>A single path to read, taken literally (no wildcards).</summary>
    /// <exception cref="ItemNotFoundException">Nothing is there.</exception>
    /// <exception cref="ZymException">PathNotFileSystem (InvalidArgument).</exception>
    public string ResolveInputPath(string path)
    {
        var resolved = ResolveLiteral(path);
        return File.Exists(resolved) ? resolved : throw new ItemNotFoundException($"Cannot find path '{path}' because it does not exist.");
    }

    /// <summary>Every file a -Path (wildcards allowed) names, or for -LiteralPath the one file.</summary>
    /// <exception cref="ItemNotFoundException">The path names nothing.</exception>
    /// <exception cref="ZymException">PathNotFileSystem (InvalidArgument).</exception>
    public IReadOnlyList<string> ResolveInputPaths(string path, bool literal)
    {
        if (literal)
        {
            return new[] { ResolveInputPath(path) };
        }

        var resolved = _sessionState.Path.GetResolvedProviderPathFromPSPath(path, out var provider);
        RequireFileSystem(provider, path);
        return resolved.Count > 0 ? resolved : throw new ItemNotFoundException($"Cannot find path '{path}' because it does not exist.");
    }

    /// <summary>
    /// Runs <paramref name="each"/> for every file that -Path (wildcards) or -LiteralPath names; a path that names
    /// nothing (or is not a file-system path) goes to <paramref name="failed"/> with the path as it was typed, and the
    /// others go on.
    /// </summary>
    public void ForEachInputFile(IEnumerable<string> paths, bool literal, Action<string> each, Action<Exception, string> failed)
    {
        foreach (var path in paths)
        {
            IReadOnlyList<string> files;
            try
            {
                files = ResolveInputPaths(path, literal);
            }
            catch (Exception e) when (e is ItemNotFoundException or ZymException)
            {
                failed(e, path);
                continue;
            }

            foreach (var file in files)
            {
                each(file);
            }
        }
    }

    /// <summary>A path to write (it need not exist).</summary>
    /// <exception cref="ZymException">PathNotFileSystem (InvalidArgument).</exception>
    public string ResolveOutputPath(string path) => ResolveLiteral(path);

    private string ResolveLiteral(string path)
    {
        // An absolute Unix path names the file system without a provider lookup (which costs a good part of a cached
        // credential's call). Elsewhere "C:x" or "\x" depend on PowerShell's current drive: ask the provider.
        if (path.Length > 0 && path[0] == '/' && System.IO.Path.DirectorySeparatorChar == '/')
        {
            return System.IO.Path.GetFullPath(path);
        }

        var resolved = _sessionState.Path.GetUnresolvedProviderPathFromPSPath(path, out var provider, out _);
        RequireFileSystem(provider, path);
        return resolved;
    }

    private static void RequireFileSystem(ProviderInfo provider, string path)
    {
        if (provider is not null && provider.ImplementingType != typeof(FileSystemProvider))
        {
            throw new ZymException("PathNotFileSystem", ZymErrorCategory.InvalidArgument,
                $"'{path}' is a {provider.Name} path; give a file-system path.", path);
        }
    }
}
