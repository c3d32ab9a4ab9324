using System.Collections.Generic;

namespace ZymAws.Provisioning;

/// <summary>A device's stable unique id, usable as its AWS IoT thing name.</summary>
public sealed class DeviceIdentity
{
    public DeviceIdentity(string deviceId, string zymkeySerial, IReadOnlyList<string> sources, string recipe)
    {
        DeviceId = deviceId;
        ZymkeySerial = zymkeySerial;
        Sources = Joined.List(sources);
        Recipe = recipe;
    }

    /// <summary>"zym-" and 32 hex characters.</summary>
    public string DeviceId { get; }

    /// <summary>The same value, named so that it binds to -ThingName down the pipeline.</summary>
    public string ThingName => DeviceId;

    public string ZymkeySerial { get; }

    /// <summary>Which identifiers went into the hash (names only).</summary>
    public IReadOnlyList<string> Sources { get; }

    /// <summary>The recipe version, e.g. zym-device-id/v1.</summary>
    public string Recipe { get; }

    public override string ToString() => DeviceId;
}
