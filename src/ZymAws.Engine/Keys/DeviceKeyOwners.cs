using System;
using System.Collections.Generic;

namespace ZymAws.Engine.Keys;

/// <summary>
/// One key, one device, within a command (New-ZymDeviceCsr over a pipeline): the first thing name that uses a key owns
/// it, and another thing name asking for the same key is refused. Two devices on one key cannot be told apart by AWS
/// IoT or the credentials provider: either can present the other's certificate, a leak of one is a leak of both, and
/// Disable-ZymDevice on one leaves the key working for the other. Asking again for the same thing (a new CSR for the same
/// device) is fine. Thread-safe.
/// </summary>
public sealed class DeviceKeyOwners
{
    private readonly Dictionary<string, string> _owners = new(StringComparer.Ordinal);

    /// <summary>
    /// Claims <paramref name="key"/> (a <see cref="DeviceKeySpec.Describe"/> of a resolved spec: "Software key /full/path",
    /// "Zymkey slot 0") for <paramref name="thingName"/>.
    /// </summary>
    /// <exception cref="ZymException">DeviceKeyShared (InvalidOperation; Target = <paramref name="target"/>) when another thing owns it.</exception>
    public void Claim(string key, string thingName, object? target)
    {
        lock (_owners)
        {
            if (!_owners.TryGetValue(key, out string? owner))
            {
                _owners[key] = thingName;
                return;
            }

            if (!string.Equals(owner, thingName, StringComparison.Ordinal))
            {
                throw new ZymException("DeviceKeyShared", ZymErrorCategory.InvalidOperation,
                    $"'{thingName}' would share its key ({key}) with '{owner}': two devices on one key can act as each other, and silencing one would not silence the key. " +
                    "Give each device its own key (a KeyPath column per row, or -KeyPath per device); no CSR was made for it.", target);
            }
        }
    }
}
