using System;
using System.Collections;
using System.Globalization;
using ZymAws.Engine;
using ZymAws.Engine.Aws;

namespace ZymAws.Provisioning.Infrastructure;

/// <summary>
/// -RateLimit (fixed per-operation limits) and -NoRateLimit (no client-side limit) → the engine's
/// <see cref="AwsClientSettings"/>. Operations without an explicit limit adapt (the engine's rule).
/// </summary>
internal static class RateLimitParameters
{
    public static AwsClientSettings Settings(Hashtable? rateLimit, bool noRateLimit)
    {
        var settings = new AwsClientSettings();
        if (noRateLimit)
        {
            if (rateLimit is { Count: > 0 })
            {
                throw new ZymException("RateLimitConflict", ZymErrorCategory.InvalidArgument,
                    "-NoRateLimit turns every client-side limit off; it cannot be combined with -RateLimit.", null);
            }

            settings.RateLimitingEnabled = false;
            return settings;
        }

        foreach (var entry in PSValues.Entries(rateLimit))
        {
            double rate;
            try
            {
                rate = Convert.ToDouble(entry.Value, CultureInfo.InvariantCulture);
            }
            catch (Exception e) when (e is FormatException or InvalidCastException or OverflowException)
            {
                throw new ZymException("RateLimitInvalid", ZymErrorCategory.InvalidArgument,
                    $"-RateLimit '{entry.Key}' must be a number of calls per second (0 = no limit); got '{entry.Value}'.", entry.Key);
            }

            settings.RateLimits[entry.Key] = rate;
        }

        return settings;
    }
}
