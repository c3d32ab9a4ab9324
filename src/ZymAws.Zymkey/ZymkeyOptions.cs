using System;
using System.Collections.Generic;

namespace ZymAws.Zymkey;

/// <summary>
/// Where to find <c>libzk_app_utils.so</c>. The loader tries, in order: <see cref="LibraryPath"/> (a file, or
/// a folder holding <see cref="LibraryFileName"/>), <see cref="LibraryFileName"/> in each of
/// <see cref="SearchDirectories"/>, then the bare file name through the system loader (ld.so cache,
/// LD_LIBRARY_PATH) when <see cref="SearchLoaderPath"/> is set.
/// </summary>
public sealed record ZymkeyOptions
{
    /// <summary>The environment variable read when <see cref="LibraryPath"/> is null.</summary>
    public const string LibraryPathVariable = "ZYMKEY_LIBRARY_PATH";

    /// <summary>The library's file name.</summary>
    public const string LibraryFileName = "libzk_app_utils.so";

    /// <summary>The defaults: ZYMKEY_LIBRARY_PATH, then /usr/lib, /usr/local/lib, then the system loader.</summary>
    public static ZymkeyOptions Default { get; } = new();

    /// <summary>
    /// A library file or a folder that holds one, tried first. Null (the default) reads the
    /// ZYMKEY_LIBRARY_PATH environment variable; an empty string means no override at all.
    /// </summary>
    public string? LibraryPath { get; init; }

    /// <summary>Folders searched for <see cref="LibraryFileName"/> after the override.</summary>
    public IReadOnlyList<string> SearchDirectories { get; init; } = new[] { "/usr/lib", "/usr/local/lib" };

    /// <summary>Whether to finally ask the system loader for the bare file name.</summary>
    public bool SearchLoaderPath { get; init; } = true;

    /// <summary>The override in effect: <see cref="LibraryPath"/>, else the environment variable; null if none.</summary>
    public string? EffectiveLibraryPath
    {
        get
        {
            var value = LibraryPath ?? Environment.GetEnvironmentVariable(LibraryPathVariable);
            return string.IsNullOrWhiteSpace(value) ? null : value!.Trim();
        }
    }
}
