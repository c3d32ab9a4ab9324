using System.Collections.Generic;

namespace ZymAws.Zymkey;

/// <summary>What a Zymkey says about itself.</summary>
public sealed record ZymkeyDeviceInfo
{
    /// <summary>Model string from <c>zkGetModelNumberString</c>, e.g. "ZYMKEY4i" or "HSM6".</summary>
    public string Model { get; init; } = string.Empty;

    /// <summary>Firmware version from <c>zkGetFirmwareVersionString</c>.</summary>
    public string FirmwareVersion { get; init; } = string.Empty;

    /// <summary>Serial number from <c>zkGetSerialNumberString</c> (opaque text; its format is undocumented).</summary>
    public string SerialNumber { get; init; } = string.Empty;

    /// <summary>
    /// Allocated (non-foreign) key slots, or null when the device cannot say: a Zymkey 4i / HSM4 (fixed
    /// slots 0, 1, 2) or a library without <c>zkGetAllocSlotsList</c>.
    /// </summary>
    public IReadOnlyList<int>? AllocatedSlots { get; init; }

    /// <summary>The key store's capacity (<c>max_num_keys</c>) when <see cref="AllocatedSlots"/> is known.</summary>
    public int? MaxKeySlots { get; init; }

    /// <summary>The library file (or loader name) that answered.</summary>
    public string LibraryPath { get; init; } = string.Empty;

    /// <summary>Whether the model string names an HSM6 or SCM (which have a key store and more curves).</summary>
    public bool IsHsm6Family => ZymkeyDevice.IsHsm6Model(Model);
}
