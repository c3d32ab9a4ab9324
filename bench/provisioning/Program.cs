// Devices per second for a batch against a fresh moto_server: the engine (FleetProvisioner) at a few throttle
// limits, the seed's flow (one AWS CLI process per call), and a bare botocore loop with the same concurrency.
// moto has no quotas, so the engine's rate limiter is off: this measures the engine, not AWS's limits.
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using ZymAws.Engine.Aws;
using ZymAws.Engine.Diagnostics;
using ZymAws.Engine.Provisioning;

int devices = IntArg("--devices", 500);
int seedDevices = IntArg("--seed-devices", 5);
int[] throttles = (Arg("--throttles") ?? "1,4,16").Split(',').Select(t => int.Parse(t, CultureInfo.InvariantCulture)).ToArray();
string here = AppContext.BaseDirectory;
string script = Arg("--botocore-script") ?? Path.Combine(here, "botocore_floor.py");
const string Policy = "bench-policy";

string work = Directory.CreateTempSubdirectory("zymaws-bench-").FullName;
int port = FreePort();
string endpoint = $"http://127.0.0.1:{port}";
using var moto = Process.Start(new ProcessStartInfo("moto_server", $"-H 127.0.0.1 -p {port}") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false })!;
moto.OutputDataReceived += (_, _) => { };
moto.ErrorDataReceived += (_, _) => { };
moto.BeginOutputReadLine();
moto.BeginErrorReadLine();
var http = new HttpClient();
string caPem = string.Empty;
var pems = new string[devices];
try
{
    await WaitForMotoAsync();
    Console.WriteLine($"moto_server on {endpoint}; {devices} devices; throttle limits {string.Join(", ", throttles)}; {Environment.ProcessorCount} cores");

    // Certificates: one CA, a device certificate per device (also written out for the other clients).
    using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    var caRequest = new CertificateRequest("CN=Bench CA", caKey, HashAlgorithmName.SHA256);
    caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
    using var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
    caPem = ca.ExportCertificatePem() + "\n";
    File.WriteAllText(Path.Combine(work, "ca.pem"), caPem);
    for (int i = 0; i < devices; i++)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN=bench-{i:D4}", key, HashAlgorithmName.SHA256);
        using var cert = request.Create(ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(10), RandomNumberGenerator.GetBytes(12));
        pems[i] = cert.ExportCertificatePem() + "\n";
        File.WriteAllText(Path.Combine(work, $"device-{i:D4}.pem"), pems[i]);
    }

    var rows = new List<(string Client, int Concurrency, int Devices, double Seconds)>();

    // Warm-up (JIT, connection pool), not measured.
    await FreshAccountAsync();
    await EngineAsync(Math.Min(20, devices), 4, "warm", journal: false);

    foreach (int throttle in throttles)
    {
        await FreshAccountAsync();
        rows.Add(("engine", throttle, devices, await EngineAsync(devices, throttle, "eng", journal: false)));
    }

    await FreshAccountAsync();
    rows.Add(("engine+journal", throttles.Max(), devices, await EngineAsync(devices, throttles.Max(), "engj", journal: true)));

    foreach (int throttle in throttles)
    {
        await FreshAccountAsync();
        rows.Add(("botocore", throttle, devices, await BotocoreAsync(devices, throttle)));
    }

    await FreshAccountAsync();
    rows.Add(("seed (aws CLI)", 1, seedDevices, await SeedFlowAsync(seedDevices)));

    Console.WriteLine();
    Console.WriteLine($"{"client",-16} {"concurrency",11} {"devices",8} {"seconds",9} {"devices/s",10}");
    foreach (var row in rows)
    {
        Console.WriteLine($"{row.Client,-16} {row.Concurrency,11} {row.Devices,8} {row.Seconds,9:F2} {row.Devices / row.Seconds,10:F1}");
    }

    double seedRate = rows.Single(r => r.Client.StartsWith("seed")).Devices / rows.Single(r => r.Client.StartsWith("seed")).Seconds;
    Console.WriteLine();
    Console.WriteLine($"seed flow: {1 / seedRate:F2} s per device (extrapolated from {seedDevices} devices)");
    foreach (int throttle in throttles)
    {
        var engine = rows.Single(r => r.Client == "engine" && r.Concurrency == throttle);
        var boto = rows.Single(r => r.Client == "botocore" && r.Concurrency == throttle);
        double engineRate = engine.Devices / engine.Seconds;
        double botoRate = boto.Devices / boto.Seconds;
        Console.WriteLine($"throttle {throttle,2}: engine {engineRate,7:F1}/s = {engineRate / seedRate,5:F0}x the seed's flow (target >= 100x); botocore floor {botoRate,7:F1}/s; engine time / floor time = {botoRate / engineRate:F2} (target <= 1.5)");
    }
}
finally
{
    try
    {
        moto.Kill(entireProcessTree: true);
    }
    catch (InvalidOperationException)
    {
    }

    Directory.Delete(work, recursive: true);
}

async Task<double> EngineAsync(int count, int throttle, string prefix, bool journal)
{
    var settings = new AwsClientSettings { RateLimitingEnabled = false, BaseDelay = TimeSpan.FromMilliseconds(20) };
    var connection = new AwsConnectionOptions { AccessKey = "testing", SecretKey = "testing-secret", Region = "us-east-1", EndpointUrl = endpoint, GetEnvironmentVariable = _ => null };
    using var session = AwsSession.Create(connection, settings, NullEngineLog.Instance);
    var options = new FleetProvisioningOptions
    {
        Mode = CertificateRegistrationMode.WithCa,
        CaCertificatePem = caPem,
        PolicyName = Policy,
        ThrottleLimit = throttle,
        JournalPath = journal ? Path.Combine(work, $"journal-{prefix}-{throttle}.jsonl") : null,
    };
    var requests = Enumerable.Range(0, count).Select(i => new DeviceProvisioningRequest($"{prefix}-{i:D4}") { CertificatePem = pems[i] }).ToList();
    var clock = Stopwatch.StartNew();
    var summary = await new FleetProvisioner(session, options).RunAsync(requests);
    double seconds = clock.Elapsed.TotalSeconds;
    if (summary.Provisioned != count)
    {
        throw new InvalidOperationException($"engine: {summary}");
    }

    return seconds;
}

async Task<double> BotocoreAsync(int count, int threads)
{
    var result = await RunAsync("python3", new[] { script, "--endpoint", endpoint, "--dir", work, "--devices", count.ToString(CultureInfo.InvariantCulture), "--threads", threads.ToString(CultureInfo.InvariantCulture), "--policy", Policy });
    using var doc = JsonDocument.Parse(result.Trim().Split('\n')[^1]);
    return doc.RootElement.GetProperty("seconds").GetDouble();
}

// The seed's provision-device.sh, made non-interactive: one AWS CLI process per call.
async Task<double> SeedFlowAsync(int count)
{
    var clock = Stopwatch.StartNew();
    for (int i = 0; i < count; i++)
    {
        string thing = $"seed-{i:D4}";
        string registered = await AwsAsync("iot", "register-certificate", "--certificate-pem", $"file://{Path.Combine(work, $"device-{i:D4}.pem")}",
            "--ca-certificate-pem", $"file://{Path.Combine(work, "ca.pem")}", "--set-as-active");
        string arn = JsonDocument.Parse(registered).RootElement.GetProperty("certificateArn").GetString()!;
        await AwsAsync("iot", "create-thing", "--thing-name", thing);
        await AwsAsync("iot", "attach-thing-principal", "--thing-name", thing, "--principal", arn);
        await AwsAsync("iot", "get-policy", "--policy-name", Policy);
        await AwsAsync("iot", "attach-policy", "--policy-name", Policy, "--target", arn);
    }

    return clock.Elapsed.TotalSeconds;
}

Task<string> AwsAsync(params string[] args) => RunAsync("aws", new[] { "--endpoint-url", endpoint, "--region", "us-east-1", "--output", "json" }.Concat(args).ToArray());

async Task<string> RunAsync(string file, string[] args)
{
    var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
    foreach (string arg in args)
    {
        start.ArgumentList.Add(arg);
    }

    start.Environment["AWS_ACCESS_KEY_ID"] = "testing";
    start.Environment["AWS_SECRET_ACCESS_KEY"] = "testing-secret";
    start.Environment["AWS_CONFIG_FILE"] = "/dev/null";
    start.Environment["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null";
    start.Environment["AWS_EC2_METADATA_DISABLED"] = "true";
    using var process = Process.Start(start)!;
    var stdout = process.StandardOutput.ReadToEndAsync();
    var stderr = process.StandardError.ReadToEndAsync();
    using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
    await process.WaitForExitAsync(timeout.Token);
    if (process.ExitCode != 0)
    {
        throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed: {await stderr}");
    }

    return await stdout;
}

async Task FreshAccountAsync()
{
    using (var reset = await http.PostAsync(endpoint + "/moto-api/reset", null))
    {
        reset.EnsureSuccessStatusCode();
    }

    var connection = new AwsConnectionOptions { AccessKey = "testing", SecretKey = "testing-secret", Region = "us-east-1", EndpointUrl = endpoint, GetEnvironmentVariable = _ => null };
    using var session = AwsSession.Create(connection, new AwsClientSettings { RateLimitingEnabled = false }, NullEngineLog.Instance);
    await session.Iot.RegisterCaCertificateAsync(new IotRegisterCaCertificateRequest(caPem) { SetAsActive = true });
    await session.Iot.CreatePolicyAsync(Policy, """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iot:Connect","Resource":"*"}]}""");
}

async Task WaitForMotoAsync()
{
    for (int i = 0; i < 150; i++)
    {
        try
        {
            using var response = await http.GetAsync(endpoint + "/moto-api/data.json");
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return;
            }
        }
        catch (HttpRequestException)
        {
        }

        await Task.Delay(200);
    }

    throw new TimeoutException("moto_server did not start.");
}

static int FreePort()
{
    var listener = new TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    int port = ((IPEndPoint)listener.LocalEndpoint).Port;
    listener.Stop();
    return port;
}

string? Arg(string name)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

int IntArg(string name, int fallback) => Arg(name) is string v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
