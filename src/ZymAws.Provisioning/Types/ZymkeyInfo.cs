using System.Collections.Generic;

namespace ZymAws.Provisioning;

/// <summary>What the Zymkey says about itself.</summary>
public sealed class ZymkeyInfo
{
    public string Model { get; set; } = string.Empty;

    public string FirmwareVersion { get; set; } = string.Empty;

    /// <summary>The device's serial number, as opaque text.</summary>
    public string SerialNumber { get; set; } = string.Empty;

    /// <summary>Slots holding keys, where the device can say (HSM6 / SCM); empty otherwise.</summary>
    public IReadOnlyList<int> AllocatedSlots
    {
        get => _allocatedSlots;
        set => _allocatedSlots = Joined.List(value);
    }

    private JoinedList<int> _allocatedSlots = Joined.List<int>(null);

    /// <summary>How many key slots the device has, where it can say.</summary>
    public int? MaxKeySlots { get; set; }

    /// <summary>The libzk_app_utils file in use.</summary>
    public string LibraryPath { get; set; } = string.Empty;

    public override string ToString() => $"{Model} {SerialNumber}";
}
