using System;
using System.Collections.Generic;
using System.IO;
using System.Text.RegularExpressions;

namespace ZymAws.Zymkey;

/// <summary>
/// The values a <see cref="DeviceId"/> is computed from. Any may be null (absent); at least one must be
/// present. Values are normalised by <see cref="DeviceId.Compute"/> (see there).
/// </summary>
public sealed record DeviceIdInputs
{
    /// <summary>The Zymkey's serial number (zkGetSerialNumberString).</summary>
    public string? ZymkeySerial { get; init; }

    /// <summary>The contents of /etc/machine-id.</summary>
    public string? MachineId { get; init; }

    /// <summary>The Raspberry Pi CPU serial (/proc/cpuinfo "Serial", or the device-tree serial-number).</summary>
    public string? CpuSerial { get; init; }

    /// <summary>Optional extra name/value pairs (e.g. a site or asset tag); order does not matter.</summary>
    public IReadOnlyDictionary<string, string>? Extra { get; init; }

    /// <summary>
    /// Reads the host's identifiers: <see cref="MachineId"/> from the machine-id file, <see cref="CpuSerial"/>
    /// from the "Serial" line of cpuinfo, else from the device-tree serial-number file. A missing or
    /// unreadable file leaves its value absent.
    /// </summary>
    public static DeviceIdInputs FromHost(string? zymkeySerial, DeviceIdHostPaths? paths = null, IReadOnlyDictionary<string, string>? extra = null)
    {
        paths ??= DeviceIdHostPaths.Default;
        var machineId = ReadText(paths.MachineId);
        var cpuSerial = CpuSerialFromCpuInfo(ReadText(paths.CpuInfo)) ?? ReadText(paths.DeviceTreeSerial);
        return new DeviceIdInputs
        {
            ZymkeySerial = zymkeySerial,
            MachineId = machineId,
            CpuSerial = cpuSerial,
            Extra = extra,
        };
    }

    internal static string? CpuSerialFromCpuInfo(string? cpuInfo)
    {
        if (cpuInfo is null)
        {
            return null;
        }

        var match = Regex.Match(cpuInfo, @"^Serial\s*:\s*(\S+)\s*$", RegexOptions.Multiline | RegexOptions.CultureInvariant);
        return match.Success ? match.Groups[1].Value : null;
    }

    private static string? ReadText(string? path)
    {
        if (string.IsNullOrEmpty(path))
        {
            return null;
        }

        try
        {
            return File.Exists(path) ? File.ReadAllText(path) : null;
        }
        catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
        {
            return null;
        }
    }
}
