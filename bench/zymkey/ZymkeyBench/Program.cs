using System;
using System.Diagnostics;
using System.Globalization;
using ZymAws.Zymkey;

// Usage: ZymkeyBench <libzk_app_utils.so> <signatures>
// Prints "raw <count> <seconds> <sig/s> <us/sig>" (ZymkeyDevice.GenerateSignature: the P/Invoke call, lock,
// copy and free) and "key ..." (ZymkeyDeviceKey.SignSha256Digest: the same plus r||s -> DER).
if (args.Length < 2 || !int.TryParse(args[1], out var count) || count <= 0 || count > 10_000_000)
{
    Console.Error.WriteLine("usage: ZymkeyBench <libzk_app_utils.so> <signatures 1..10000000>");
    return 2;
}

var options = new ZymkeyOptions { LibraryPath = args[0], SearchDirectories = Array.Empty<string>(), SearchLoaderPath = false };
using var device = ZymkeyDevice.Open(options);
using var key = new ZymkeyDeviceKey(device, 0);
var digest = new byte[32];

// Warm-up: loads the slot key, JITs (tiered compilation) every path measured below.
for (var i = 0; i < 2000; i++)
{
    digest[0] = (byte)i;
    _ = device.GenerateSignature(0, digest);
    _ = key.SignSha256Digest(digest);
}

Report("raw", count, () =>
{
    for (var i = 0; i < count; i++)
    {
        digest[0] = (byte)i;
        digest[1] = (byte)(i >> 8);
        _ = device.GenerateSignature(0, digest);
    }
});
Report("key", count, () =>
{
    for (var i = 0; i < count; i++)
    {
        digest[0] = (byte)i;
        digest[1] = (byte)(i >> 8);
        _ = key.SignSha256Digest(digest);
    }
});
return 0;

static void Report(string name, int count, Action loop)
{
    var watch = Stopwatch.StartNew();
    loop();
    var seconds = watch.Elapsed.TotalSeconds;
    Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "{0} {1} {2:F6} {3:F1} {4:F3}",
        name, count, seconds, count / seconds, seconds * 1e6 / count));
}
