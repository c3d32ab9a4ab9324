using System.Globalization;
using System.Text.Json;
using ZymAws.QuotaProxy;

// ZymAws.QuotaProxy --upstream http://127.0.0.1:5000 [--port 0] [--host 127.0.0.1] [--quota-scale 5]
//   [--quota iot:CreateThing=5 ...] [--default-quota 10] [--burst-seconds 1] [--iot-model service-2.json.gz]
//   [--stats-file stats.json] [--parent-pid N]
// Prints "Listening on <url>" once ready; on exit (Ctrl+C, SIGTERM, the parent process gone) prints the counters as
// one JSON line ("Stats: {...}") and writes them to --stats-file.
static int Usage(string message)
{
    Console.Error.WriteLine(message);
    Console.Error.WriteLine("usage: ZymAws.QuotaProxy --upstream <url> [--port N] [--host H] [--quota-scale X] [--quota svc:Op=R]... [--default-quota R] [--burst-seconds S] [--iot-model path] [--stats-file path] [--parent-pid N]");
    return 2;
}

Uri? upstream = null;
int port = 0;
string host = "127.0.0.1";
double scale = 1, defaultQuota = AwsDefaultQuotas.Default, burstSeconds = 1;
string? model = null, statsFile = null;
int? parentPid = null;
var quotas = new Dictionary<string, double>(StringComparer.OrdinalIgnoreCase);
try
{
    for (int i = 0; i < args.Length; i++)
    {
        string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
        double Number() => double.Parse(Next(), CultureInfo.InvariantCulture);
        switch (args[i])
        {
            case "--upstream": upstream = new Uri(Next()); break;
            case "--port": port = int.Parse(Next(), CultureInfo.InvariantCulture); break;
            case "--host": host = Next(); break;
            case "--quota-scale": scale = Number(); break;
            case "--default-quota": defaultQuota = Number(); break;
            case "--burst-seconds": burstSeconds = Number(); break;
            case "--iot-model": model = Next(); break;
            case "--stats-file": statsFile = Next(); break;
            case "--parent-pid": parentPid = int.Parse(Next(), CultureInfo.InvariantCulture); break;
            case "--quota":
                var pair = Next().Split('=', 2);
                if (pair.Length != 2)
                {
                    return Usage("--quota takes service:Operation=rate");
                }

                quotas[pair[0]] = double.Parse(pair[1], CultureInfo.InvariantCulture);
                break;
            default: return Usage($"unknown argument {args[i]}");
        }
    }
}
catch (Exception e) when (e is FormatException or ArgumentException or UriFormatException)
{
    return Usage(e.Message);
}

if (upstream is null)
{
    return Usage("--upstream is required");
}

if (scale <= 0)
{
    return Usage("--quota-scale must be positive");
}

var options = new QuotaProxyOptions
{
    Upstream = upstream,
    Host = host,
    Port = port,
    QuotaScale = scale,
    DefaultQuota = defaultQuota,
    BurstSeconds = burstSeconds,
    IotModelPath = model,
};
foreach (var q in quotas)
{
    options.Quotas[q.Key] = q.Value;
}

await using var proxy = await QuotaProxyServer.StartAsync(options);
Console.Out.WriteLine($"Listening on {proxy.Url}");
Console.Out.Flush();

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, ctx => { ctx.Cancel = true; stop.Cancel(); });
if (parentPid is int pid)
{
    _ = Task.Run(async () =>
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                using var parent = System.Diagnostics.Process.GetProcessById(pid);
                if (parent.HasExited)
                {
                    break;
                }
            }
            catch (ArgumentException)
            {
                break;
            }

            await Task.Delay(1000).ConfigureAwait(false);
        }

        stop.Cancel();
    });
}

try
{
    await Task.Delay(Timeout.Infinite, stop.Token);
}
catch (OperationCanceledException)
{
}

string stats = JsonSerializer.Serialize(proxy.Stats(), new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.CamelCase });
Console.Out.WriteLine("Stats: " + stats);
if (statsFile is not null)
{
    File.WriteAllText(statsFile, stats);
}

return 0;
