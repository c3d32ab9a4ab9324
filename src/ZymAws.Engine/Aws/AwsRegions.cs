using System;
using System.Collections.Generic;
using System.Linq;
using Amazon;

namespace ZymAws.Engine.Aws;

/// <summary>The regions AWSSDK.Core's endpoint data knows (every partition), for validation and tab completion.</summary>
public static class AwsRegions
{
    private static readonly Lazy<string[]> s_all = new(() => RegionEndpoint.EnumerableAllRegions
        .Select(r => r.SystemName)
        .Where(n => !string.IsNullOrEmpty(n))
        .Distinct(StringComparer.OrdinalIgnoreCase)
        .OrderBy(n => n, StringComparer.Ordinal)
        .ToArray());

    /// <summary>Every region's system name, e.g. "eu-west-1".</summary>
    public static IReadOnlyList<string> All => s_all.Value;

    public static bool IsKnown(string region) => All.Contains(region, StringComparer.OrdinalIgnoreCase);

    /// <summary>The error for a region no AWS partition has (AwsRegionUnknown), naming the nearest real one.</summary>
    public static ZymException Unknown(string region, string origin)
    {
        string? nearest = Nearest(region);
        return new ZymException("AwsRegionUnknown", ZymErrorCategory.InvalidArgument,
            $"'{region}' (from {origin}) is not an AWS region" + (nearest is null ? "." : $"; did you mean '{nearest}'?"), region);
    }

    /// <summary>The known region nearest to a mistyped one (edit distance at most 3), or null.</summary>
    public static string? Nearest(string region)
    {
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (string candidate in All)
        {
            int d = Distance(region.ToLowerInvariant(), candidate);
            if (d < bestDistance)
            {
                bestDistance = d;
                best = candidate;
            }
        }

        return bestDistance <= 3 ? best : null;
    }

    // Optimal string alignment distance: a transposition ("wset" for "west") counts as one edit.
    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (int j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }
}
