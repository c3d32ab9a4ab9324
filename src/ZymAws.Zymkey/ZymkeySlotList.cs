using System.Collections.Generic;

namespace ZymAws.Zymkey;

/// <summary>What <c>zkGetAllocSlotsList</c> reports: the allocated slots and the key store's capacity.</summary>
/// <param name="MaxKeys">The device's <c>max_num_keys</c>.</param>
/// <param name="Slots">The allocated slot numbers, as the device lists them.</param>
public sealed record ZymkeySlotList(int MaxKeys, IReadOnlyList<int> Slots);
