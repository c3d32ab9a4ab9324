namespace ZymAws.Zymkey;

/// <summary>Where <see cref="DeviceIdInputs.FromHost"/> reads the host's identifiers (injectable for tests).</summary>
public sealed record DeviceIdHostPaths
{
    /// <summary>The standard locations.</summary>
    public static DeviceIdHostPaths Default { get; } = new();

    /// <summary>systemd's machine id (32 hex digits).</summary>
    public string MachineId { get; init; } = "/etc/machine-id";

    /// <summary>CPU information; on a Raspberry Pi it has a "Serial : 10000000abcdef01" line.</summary>
    public string CpuInfo { get; init; } = "/proc/cpuinfo";

    /// <summary>The device-tree serial number (NUL-terminated), used when /proc/cpuinfo has no Serial.</summary>
    public string DeviceTreeSerial { get; init; } = "/sys/firmware/devicetree/base/serial-number";
}
