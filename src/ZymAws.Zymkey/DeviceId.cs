using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using ZymAws.Engine;

namespace ZymAws.Zymkey;

/// <summary>
/// A stable, unique device id usable as an AWS IoT thing name.
/// <para>Recipe (version 1), exactly:</para>
/// <list type="number">
/// <item>Normalise each input: trim whitespace and NUL characters; lower-case <c>MachineId</c> and
/// <c>CpuSerial</c> (hex); keep <c>ZymkeySerial</c> and extra values as they are otherwise. A value that
/// is then empty, or made only of '0' characters, is absent.</item>
/// <item>Build the ordered list of (label, value) pairs: ("recipe", "zym-device-id/v1"), then
/// ("zymkey-serial", ZymkeySerial), ("machine-id", MachineId), ("cpu-serial", CpuSerial) for those present,
/// then ("extra:" + name, value) for each extra, by ordinal order of name.</item>
/// <item>Encode each pair as u32be(byte length of label) ‖ label ‖ u32be(byte length of value) ‖ value, in
/// UTF-8, and concatenate.</item>
/// <item>SHA-256 the result; the id is "zym-" followed by the first 16 bytes of the hash as 32 lower-case
/// hex digits (36 characters, within the thing-name rule 1–128 of [a-zA-Z0-9:_-]).</item>
/// </list>
/// The same inputs always give the same id; any changed input gives a different one (length prefixes make
/// the encoding unambiguous). At least one of the Zymkey serial, machine id, CPU serial or extras must be
/// present.
/// </summary>
public static class DeviceId
{
    /// <summary>The prefix of every id.</summary>
    public const string Prefix = "zym-";

    /// <summary>The recipe version mixed into the hash.</summary>
    public const string Recipe = "zym-device-id/v1";

    private static readonly Regex s_thingName = new("^[a-zA-Z0-9:_-]{1,128}$", RegexOptions.CultureInvariant);

    /// <summary>Computes the id of <paramref name="inputs"/> (see the recipe above).</summary>
    public static string Compute(DeviceIdInputs inputs)
    {
        if (inputs is null)
        {
            throw new ArgumentNullException(nameof(inputs));
        }

        var pairs = Pairs(inputs);
        if (pairs.Count == 0)
        {
            throw new ZymException("DeviceIdInputsMissing", ZymErrorCategory.InvalidData,
                "No device identifier is available: no Zymkey serial, /etc/machine-id, CPU serial or extra value.", "DeviceId");
        }

        using var buffer = new MemoryStream();
        Write(buffer, "recipe", Recipe);
        foreach (var (label, _, value) in pairs)
        {
            Write(buffer, label, value);
        }

        byte[] hash;
        using (var sha = SHA256.Create())
        {
            hash = sha.ComputeHash(buffer.ToArray());
        }

        var id = new StringBuilder(Prefix, Prefix.Length + 32);
        for (var i = 0; i < 16; i++)
        {
            id.Append(hash[i].ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
        }

        return id.ToString();
    }

    /// <summary>
    /// The names of the inputs that go into the hash, by the same rules as <see cref="Compute"/> (an empty or all-zero
    /// value counts as absent): ZymkeySerial, MachineId, CpuSerial, Extra:name. Names only, never values.
    /// </summary>
    public static IReadOnlyList<string> InputsUsed(DeviceIdInputs inputs)
    {
        if (inputs is null)
        {
            throw new ArgumentNullException(nameof(inputs));
        }

        return Pairs(inputs).Select(p => p.Name).ToList();
    }

    /// <summary>Whether a string is a valid AWS IoT thing name (1–128 of [a-zA-Z0-9:_-]).</summary>
    public static bool IsValidThingName(string? name) => name is not null && s_thingName.IsMatch(name);

    /// <summary>The present inputs in recipe order: (label hashed, name shown, normalised value).</summary>
    private static List<(string Label, string Name, string Value)> Pairs(DeviceIdInputs inputs)
    {
        var pairs = new List<(string Label, string Name, string Value)>();
        Add(pairs, "zymkey-serial", "ZymkeySerial", Normalise(inputs.ZymkeySerial, lowerCase: false));
        Add(pairs, "machine-id", "MachineId", Normalise(inputs.MachineId, lowerCase: true));
        Add(pairs, "cpu-serial", "CpuSerial", Normalise(inputs.CpuSerial, lowerCase: true));
        if (inputs.Extra is not null)
        {
            foreach (var entry in inputs.Extra.OrderBy(e => e.Key, StringComparer.Ordinal))
            {
                if (string.IsNullOrWhiteSpace(entry.Key))
                {
                    throw new ZymException("DeviceIdInputInvalid", ZymErrorCategory.InvalidArgument,
                        "An extra device-id value needs a non-empty name.", entry.Key);
                }

                Add(pairs, "extra:" + entry.Key, "Extra:" + entry.Key, Normalise(entry.Value, lowerCase: false));
            }
        }

        return pairs;
    }

    private static string? Normalise(string? value, bool lowerCase)
    {
        if (value is null)
        {
            return null;
        }

        var trimmed = value.Trim().Trim('\0').Trim();
        if (trimmed.Length == 0 || trimmed.All(c => c == '0'))
        {
            return null;
        }

        return lowerCase ? trimmed.ToLowerInvariant() : trimmed;
    }

    private static void Add(List<(string Label, string Name, string Value)> pairs, string label, string name, string? value)
    {
        if (value is not null)
        {
            pairs.Add((label, name, value));
        }
    }

    private static void Write(Stream stream, string label, string value)
    {
        WriteField(stream, Encoding.UTF8.GetBytes(label));
        WriteField(stream, Encoding.UTF8.GetBytes(value));
    }

    private static void WriteField(Stream stream, byte[] bytes)
    {
        var length = bytes.Length;
        stream.WriteByte((byte)(length >> 24));
        stream.WriteByte((byte)(length >> 16));
        stream.WriteByte((byte)(length >> 8));
        stream.WriteByte((byte)length);
        stream.Write(bytes, 0, bytes.Length);
    }
}
