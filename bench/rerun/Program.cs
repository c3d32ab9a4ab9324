// Re-run and memory at scale (issue 12, part B), against tools/moto_server.py with client-side rate limiting off
// (moto has no quotas: this measures the engine, and the calls it makes).
//   rerun:  provision N devices (streamed, as the cmdlet feeds them), re-run the same N (reconcile Auto), re-run them
//           again with reconcile Never (every device checked with its own calls, as before reconcile): time and AWS calls.
//   memory: provision N devices streamed, certificates made on the fly (nothing per device kept by the bench), with a
//           journal; then resume from that journal (every device answered by it): peak working set of the process and
//           the largest managed heap seen, per phase. One size per process.
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ZymAws.Engine.Aws;
using ZymAws.Engine.Diagnostics;
using ZymAws.Engine.Provisioning;

string mode = args.Contains("memory") ? "memory" : "rerun";
int devices = IntArg("--devices", 2000);
int throttle = IntArg("--throttle", 16);
string launcher = Arg("--launcher") ?? Path.Combine(AppContext.BaseDirectory, "moto_server.py");
const string Policy = "bench-policy";

string work = Directory.CreateTempSubdirectory("zymaws-rerun-").FullName;
int port = FreePort();
string endpoint = $"http://127.0.0.1:{port}";
using var moto = Process.Start(new ProcessStartInfo("python3", $"{launcher} -H 127.0.0.1 -p {port}") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false })!;
moto.OutputDataReceived += (_, _) => { };
moto.ErrorDataReceived += (_, _) => { };
moto.BeginOutputReadLine();
moto.BeginErrorReadLine();
using var http = new HttpClient();
using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
var caRequest = new CertificateRequest("CN=Rerun Bench CA", caKey, HashAlgorithmName.SHA256);
caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
using var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
string caPem = ca.ExportCertificatePem() + "\n";
try
{
    await WaitForMotoAsync();
    await FreshAccountAsync();
    Console.WriteLine($"tools/moto_server.py on {endpoint}; mode {mode}; {devices} devices; throttle {throttle}; {Environment.ProcessorCount} cores; load {File.ReadAllText("/proc/loadavg").Trim()}");
    if (mode == "memory")
    {
        await MemoryAsync();
    }
    else
    {
        await RerunAsync();
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

async Task RerunAsync()
{
    // The same certificates in every run: made once (2,000 PEMs are about 1.5 MB).
    var pems = Enumerable.Range(0, devices).Select(i => IssuePem($"rr-{i:D6}")).ToArray();
    IEnumerable<DeviceProvisioningRequest> Requests() => pems.Select((pem, i) => new DeviceProvisioningRequest($"rr-{i:D6}") { CertificatePem = pem });

    var first = await RunAsync(Requests(), ReconcileMode.Auto, null);
    var rerun = await RunAsync(Requests(), ReconcileMode.Auto, null);
    var never = await RunAsync(Requests(), ReconcileMode.Never, null);
    if (first.Summary.Provisioned != devices || rerun.Summary.FromListing != devices || never.Summary.AlreadyProvisioned != devices)
    {
        throw new InvalidOperationException($"unexpected: first {first.Summary}; rerun {rerun.Summary}; never {never.Summary}");
    }

    Console.WriteLine();
    Console.WriteLine($"{"run",-34} {"seconds",8} {"devices/s",10} {"AWS calls",10} {"calls/device",13}");
    foreach (var (name, r) in new[] { ("first run", first), ("re-run, reconcile Auto (default)", rerun), ("re-run, reconcile Never (before)", never) })
    {
        Console.WriteLine($"{name,-34} {r.Seconds,8:F2} {devices / r.Seconds,10:F1} {r.Calls,10} {(double)r.Calls / devices,13:F3}");
    }

    Console.WriteLine();
    Console.WriteLine($"re-run vs first run: {first.Seconds / rerun.Seconds:F1}x faster (target >= 10x); {(double)rerun.Calls / devices:F3} calls per device (target <= 0.1); " +
        $"vs a re-run checked device by device: {never.Seconds / rerun.Seconds:F1}x faster, {never.Calls / Math.Max(1, rerun.Calls)}x fewer calls");
}

async Task MemoryAsync()
{
    string journal = Path.Combine(work, "journal.jsonl");
    string certificates = Path.Combine(work, "certificates.txt");

    // First run: each certificate made on the fly and appended to a file (one line each), so the resume gets the same
    // certificates without the bench holding any of them in memory.
    IEnumerable<DeviceProvisioningRequest> NewRequests()
    {
        using var file = new StreamWriter(certificates);
        for (int i = 0; i < devices; i++)
        {
            string name = $"mem-{i:D6}";
            string pem = IssuePem(name);
            file.WriteLine(pem.Replace("\n", "|", StringComparison.Ordinal));
            yield return new DeviceProvisioningRequest(name) { CertificatePem = pem };
        }
    }

    IEnumerable<DeviceProvisioningRequest> SameRequests()
    {
        int i = 0;
        foreach (string line in File.ReadLines(certificates))
        {
            yield return new DeviceProvisioningRequest($"mem-{i++:D6}") { CertificatePem = line.Replace("|", "\n", StringComparison.Ordinal) };
        }
    }

    var first = await RunAsync(NewRequests(), ReconcileMode.Auto, journal);
    long firstPeak = PeakWorkingSet();
    var resumed = await RunAsync(SameRequests(), ReconcileMode.Auto, journal);
    // Under a loaded machine a device may time out and be rolled back (or not fully); the resume finishes it. What must
    // hold is that the resume ends with every device provisioned.
    Console.WriteLine($"first run: {first.Summary}");
    Console.WriteLine($"resumed:   {resumed.Summary}");
    if (resumed.Summary.Provisioned + resumed.Summary.AlreadyProvisioned != devices)
    {
        throw new InvalidOperationException($"unexpected: first {first.Summary}; resumed {resumed.Summary}");
    }

    GC.Collect();
    GC.WaitForPendingFinalizers();
    GC.Collect();
    Console.WriteLine();
    Console.WriteLine($"{"devices",8} {"first run s",12} {"peak WS MB (first run)",23} {"max heap MB (first)",20} {"resume s",9} {"max heap MB (resume)",21} {"peak WS MB (process)",21} {"heap after MB",14} {"journal MB",11}");
    Console.WriteLine($"{devices,8} {first.Seconds,12:F1} {firstPeak / 1048576.0,23:F1} {first.MaxHeap / 1048576.0,20:F1} {resumed.Seconds,9:F1} {resumed.MaxHeap / 1048576.0,21:F1} {PeakWorkingSet() / 1048576.0,21:F1} {GC.GetTotalMemory(true) / 1048576.0,14:F1} {new FileInfo(journal).Length / 1048576.0,11:F1}");
}

// One streamed run, as Invoke-ZymDeviceProvisioning feeds it (StartAsync, AddAsync per device, CompleteAsync); results counted, not kept.
async Task<(FleetProvisioningSummary Summary, double Seconds, long Calls, long MaxHeap)> RunAsync(IEnumerable<DeviceProvisioningRequest> requests, ReconcileMode reconcile, string? journal)
{
    var connection = new AwsConnectionOptions { AccessKey = "testing", SecretKey = "testing-secret", Region = "us-east-1", EndpointUrl = endpoint, GetEnvironmentVariable = _ => null };
    using var session = AwsSession.Create(connection, new AwsClientSettings { RateLimitingEnabled = false, BaseDelay = TimeSpan.FromMilliseconds(20) }, NullEngineLog.Instance);
    var options = new FleetProvisioningOptions
    {
        Mode = CertificateRegistrationMode.WithCa,
        CaCertificatePem = caPem,
        PolicyName = Policy,
        ThrottleLimit = throttle,
        Reconcile = reconcile,
        JournalPath = journal,
        DeviceCompleted = _ => Task.CompletedTask,
    };
    long maxHeap = 0;
    using var sampling = new CancellationTokenSource();
    var sampler = Task.Run(async () =>
    {
        while (!sampling.IsCancellationRequested)
        {
            maxHeap = Math.Max(maxHeap, GC.GetTotalMemory(false));
            try
            {
                await Task.Delay(100, sampling.Token);
            }
            catch (OperationCanceledException)
            {
            }
        }
    });
    var clock = Stopwatch.StartNew();
    using var run = await new FleetProvisioner(session, options).StartAsync();
    foreach (var request in requests)
    {
        await run.AddAsync(request);
    }

    var summary = await run.CompleteAsync();
    double seconds = clock.Elapsed.TotalSeconds;
    sampling.Cancel();
    await sampler;
    return (summary, seconds, session.CallCount, maxHeap);
}

string IssuePem(string name)
{
    using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
    using var cert = request.Create(ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(10), RandomNumberGenerator.GetBytes(12));
    return cert.ExportCertificatePem() + "\n";
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
    for (int i = 0; i < 300; i++)
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

    throw new InvalidOperationException("moto_server did not start.");
}

// VmHWM: the process's peak resident set (Linux).
static long PeakWorkingSet()
{
    foreach (string line in File.ReadLines("/proc/self/status"))
    {
        if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
        {
            return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        }
    }

    return Process.GetCurrentProcess().PeakWorkingSet64;
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
