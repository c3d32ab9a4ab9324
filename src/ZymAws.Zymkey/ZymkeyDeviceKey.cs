using System;
using ZymAws.Engine.Diagnostics;
using ZymAws.Engine.Keys;
using ZymAws.Zymkey.Internal;

namespace ZymAws.Zymkey;

/// <summary>
/// A NIST P-256 key in a Zymkey slot, as an <see cref="IDeviceKey"/>: the private key never leaves the
/// device. The public key is read from the device once and cached; each signature is made by the device
/// (raw r‖s, returned DER-encoded).
/// </summary>
public sealed class ZymkeyDeviceKey : IDeviceKey
{
    private readonly bool _ownsDevice;
    private readonly object _publicKeyLock = new();
    private byte[]? _spki;

    /// <summary>
    /// Opens the Zymkey (a lease on the process-wide context, see <see cref="ZymkeyDevice.Open"/>) and uses
    /// the key in <paramref name="slot"/> (0 is the factory key every Zymkey has). Dispose to release it.
    /// </summary>
    public ZymkeyDeviceKey(int slot = 0, ZymkeyOptions? options = null, IEngineLog? log = null)
        : this(CheckSlot(slot), ZymkeyDevice.Open(options, log), ownsDevice: true)
    {
    }

    /// <summary>Uses the key in <paramref name="slot"/> of an open device; the caller keeps owning the device.</summary>
    public ZymkeyDeviceKey(ZymkeyDevice device, int slot)
        : this(CheckSlot(slot), device ?? throw new ArgumentNullException(nameof(device)), ownsDevice: false)
    {
    }

    private ZymkeyDeviceKey(int slot, ZymkeyDevice device, bool ownsDevice)
    {
        Slot = slot;
        Device = device;
        _ownsDevice = ownsDevice;
    }

    /// <summary>The slot number.</summary>
    public int Slot { get; }

    /// <summary>The device the key lives in.</summary>
    public ZymkeyDevice Device { get; }

    /// <inheritdoc />
    public string Description => ZymkeyDevice.SlotTarget(Slot);

    /// <inheritdoc />
    public DeviceKeyAlgorithm Algorithm => DeviceKeyAlgorithm.EcP256;

    /// <summary>
    /// The slot's public key as DER SubjectPublicKeyInfo (P-256). Read from the device on first use, then
    /// cached; a slot holding another curve raises "ZymkeyKeyNotP256".
    /// </summary>
    public byte[] GetSubjectPublicKeyInfo()
    {
        lock (_publicKeyLock)
        {
            _spki ??= P256Encoding.RawPublicKeyToSpki(Device.ExportPublicKey(Slot), Description);
            return (byte[])_spki.Clone();
        }
    }

    /// <summary>Signs a 32-byte SHA-256 digest in the device; returns a DER Ecdsa-Sig-Value.</summary>
    public byte[] SignSha256Digest(byte[] digest)
        => P256Encoding.RawSignatureToDer(Device.GenerateSignature(Slot, digest), Description);

    /// <summary>Releases the device lease if this key opened it.</summary>
    public void Dispose()
    {
        if (_ownsDevice)
        {
            Device.Dispose();
        }
    }

    /// <inheritdoc />
    public override string ToString() => Description;

    private static int CheckSlot(int slot)
    {
        if (slot < 0)
        {
            throw new ZymkeyException("ZymkeySlotInvalid", Engine.ZymErrorCategory.InvalidArgument,
                $"A Zymkey slot number cannot be negative; got {slot}.", slot);
        }

        return slot;
    }
}
