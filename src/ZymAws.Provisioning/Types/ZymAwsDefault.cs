using System.Collections.Generic;

namespace ZymAws.Provisioning;

/// <summary>One of the session's defaults for the module (Set-ZymAwsDefault), as $PSDefaultParameterValues holds it.</summary>
public sealed class ZymAwsDefault
{
    internal ZymAwsDefault(string name, object? value, IReadOnlyList<string> commands, int entries)
    {
        Name = name;
        Value = value;
        Commands = Joined.List(commands);
        Entries = entries;
    }

    /// <summary>The parameter: Region, ProfileName, EndpointUrl or CertificateAuthority.</summary>
    public string Name { get; }

    /// <summary>The value the module's cmdlets get when the parameter is not given.</summary>
    public object? Value { get; }

    /// <summary>The cmdlets it applies to.</summary>
    public IReadOnlyList<string> Commands { get; }

    /// <summary>How many of those have the entry now (fewer than Commands when some were removed by hand).</summary>
    public int Entries { get; }

    public override string ToString() => $"{Name} = {Value}";
}
