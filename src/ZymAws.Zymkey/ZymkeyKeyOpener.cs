using System;
using ZymAws.Engine.Diagnostics;
using ZymAws.Engine.Keys;

namespace ZymAws.Zymkey;

/// <summary>
/// Opens Zymkey slot keys for <see cref="DeviceKeySpec.Open"/>: one lease on the process-wide Zymkey context, taken on
/// first use and released on dispose, shared by every key it opens.
/// </summary>
public sealed class ZymkeyKeyOpener : IZymkeyKeyOpener, IDisposable
{
    private readonly ZymkeyOptions _options;
    private readonly IEngineLog? _log;
    private readonly object _lock = new();
    private ZymkeyDevice? _device;

    /// <summary>Where to find libzk_app_utils (default: <see cref="ZymkeyOptions.Default"/>).</summary>
    public ZymkeyKeyOpener(ZymkeyOptions? options = null, IEngineLog? log = null)
    {
        _options = options ?? ZymkeyOptions.Default;
        _log = log;
    }

    /// <inheritdoc />
    public IDeviceKey OpenKey(int slot)
    {
        lock (_lock)
        {
            _device ??= ZymkeyDevice.Open(_options, _log);
            return new ZymkeyDeviceKey(_device, slot);
        }
    }

    /// <summary>Releases the Zymkey lease, if one was taken.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            _device?.Dispose();
            _device = null;
        }
    }
}
