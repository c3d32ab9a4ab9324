using System.IO;
using System.Management.Automation;
using ZymAws.Engine.IO;

namespace ZymAws.Provisioning.Infrastructure;

/// <summary>
/// Where a cmdlet's output files go: -OutFile (one item) or -OutDirectory (one file per item, named after it), never
/// both. Paths are resolved when used, on the pipeline thread; files are written by <see cref="PemFile"/>.
/// </summary>
public sealed class OutputFiles
{
    private readonly FileSystemPaths _paths;
    private readonly string? _outFile;
    private readonly string? _outDirectory;
    private readonly string _extension;

    private OutputFiles(FileSystemPaths paths, string? outFile, string? outDirectory, string extension)
    {
        _paths = paths;
        _outFile = outFile;
        _outDirectory = outDirectory;
        _extension = extension;
    }

    /// <summary>True with -OutFile: one item only.</summary>
    public bool IsSingleFile => _outFile is not null;

    /// <summary>
    /// The output files for -OutFile / -OutDirectory, or null when neither is given. Both together fail the whole
    /// command (OutFileAndOutDirectory, a terminating error).
    /// </summary>
    /// <param name="paths">Resolves the paths.</param>
    /// <param name="outFile">-OutFile.</param>
    /// <param name="outDirectory">-OutDirectory.</param>
    /// <param name="extension">The extension of a file in -OutDirectory, e.g. ".pem".</param>
    public static OutputFiles? From(FileSystemPaths paths, string? outFile, string? outDirectory, string extension)
    {
        if (outFile is not null && outDirectory is not null)
        {
            throw Refuse(outFile);
        }

        return outFile is null && outDirectory is null ? null : new OutputFiles(paths, outFile, outDirectory, extension);
    }

    private static System.Exception Refuse(string outFile) => new TerminatingErrorException(
        ErrorRecords.InvalidArgument("OutFileAndOutDirectory", "Give -OutFile (one item) or -OutDirectory (any number), not both.", outFile));

    /// <summary>The file for the item called <paramref name="name"/> (pipeline thread only).</summary>
    public string PathFor(string name) => _outFile is not null
        ? _paths.ResolveOutputPath(_outFile)
        : Path.Combine(_paths.ResolveOutputPath(_outDirectory!), name + _extension);

    /// <summary>Writes an item's PEM to <see cref="PathFor"/>; returns the full path written.</summary>
    public string Write(string name, string pem, bool overwrite) => PemFile.Write(PathFor(name), pem, overwrite);
}
