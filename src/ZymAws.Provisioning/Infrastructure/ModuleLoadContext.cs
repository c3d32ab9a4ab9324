using System;
using System.Collections.Generic;
using System.IO;
using System.Reflection;
using System.Runtime.Loader;

namespace ZymAws.Provisioning.Infrastructure;

/// <summary>
/// The module's own load context (PowerShell 7+). An assembly found in the deps folder loads here, unless the
/// runtime itself ships the same or a newer version (System.Text.Json, System.Memory, ...), in which case the
/// framework's copy is shared. AWSSDK.Core and BouncyCastle are never shipped by the runtime, so they always load
/// here, whatever another module has loaded in the default context.
/// </summary>
internal sealed class ModuleLoadContext : AssemblyLoadContext
{
    private readonly string _directory;
    private readonly Dictionary<string, string> _framework;

    public ModuleLoadContext(string directory)
    {
        _directory = directory;
        _framework = ReadFrameworkAssemblyPaths();
    }

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        if (assemblyName.Name is null)
        {
            return null;
        }

        var path = Path.Combine(_directory, assemblyName.Name + ".dll");
        if (!File.Exists(path))
        {
            return null;
        }

        if (_framework.TryGetValue(assemblyName.Name, out var frameworkPath)
            && VersionOf(frameworkPath) >= (assemblyName.Version ?? new Version(0, 0)))
        {
            return null;
        }

        return LoadFromAssemblyPath(path);
    }

    /// <summary>Simple name to path of every assembly the runtime ships (cheap: no file is opened).</summary>
    private static Dictionary<string, string> ReadFrameworkAssemblyPaths()
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") is string tpa)
        {
            foreach (var file in tpa.Split(Path.PathSeparator))
            {
                if (file.Length > 0)
                {
                    result[Path.GetFileNameWithoutExtension(file)] = file;
                }
            }
        }

        return result;
    }

    private static Version VersionOf(string path)
    {
        try
        {
            return AssemblyName.GetAssemblyName(path).Version ?? new Version(0, 0);
        }
        catch (Exception e) when (e is BadImageFormatException or IOException)
        {
            return new Version(0, 0);
        }
    }
}
