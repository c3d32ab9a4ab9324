// Verify + issue throughput of the engine's CaSigner on one core, against the seed's way
// (sign_csr.sh: one `openssl x509 -req -CA … -CAkey …` process per certificate).
//
//   dotnet run -c Release --project bench/pki -- [--count 2000] [--openssl-sample 50] [--rounds 3]
//                                                 [--backend platform|bc|both] [--no-pin] [--profile]
//
// On Linux the benchmark re-runs itself under `taskset -c 0` so that every thread (JIT, GC, openssl
// children) shares one CPU. It reports wall-clock rates and CPU-time rates: on a shared machine the
// CPU-time figure is the better estimate of what one dedicated core does.
using System.Diagnostics;
using System.Runtime.InteropServices;
using ZymAws.Engine.Keys;
using ZymAws.Engine.Pki;

int count = 2000;
int sample = 50;
int rounds = 3;
bool pin = true;
bool profile = false;
string backend = "both";
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--count": count = int.Parse(args[++i]); break;
        case "--openssl-sample": sample = int.Parse(args[++i]); break;
        case "--rounds": rounds = int.Parse(args[++i]); break;
        case "--no-pin": pin = false; break;
        case "--backend": backend = args[++i]; break;
        case "--profile": profile = true; break;
        default:
            Console.Error.WriteLine($"unknown option {args[i]}");
            return 2;
    }
}

if (pin && OperatingSystem.IsLinux() && Environment.GetEnvironmentVariable("ZYM_BENCH_PINNED") != "1" && File.Exists("/usr/bin/taskset"))
{
    var psi = new ProcessStartInfo("/usr/bin/taskset") { UseShellExecute = false };
    bool viaDotnet = Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet";
    var relaunch = new List<string> { "-c", "0", Environment.ProcessPath! };
    if (viaDotnet)
    {
        relaunch.Add(Environment.GetCommandLineArgs()[0]);
    }

    foreach (var a in relaunch.Concat(args))
    {
        psi.ArgumentList.Add(a);
    }

    psi.Environment["ZYM_BENCH_PINNED"] = "1";
    using var child = Process.Start(psi)!;
    child.WaitForExit();
    return child.ExitCode;
}

string dir = Directory.CreateTempSubdirectory("zym-bench-pki-").FullName;
try
{
    bool pinned = Environment.GetEnvironmentVariable("ZYM_BENCH_PINNED") == "1";
    Console.WriteLine($"PKI benchmark: {count} CSRs (EC P-256 keys), CA EC P-256, {(pinned ? "all threads pinned to CPU 0 (taskset)" : "not pinned")}, " +
        $"{Environment.ProcessorCount} CPU(s) visible, .NET {Environment.Version}, load average {LoadAverage()}");
    using var ca = CaSigner.Create("CN=Bench CA,O=ZymAws", DeviceKeyAlgorithm.EcP256, 3650);
    ca.Save(Path.Combine(dir, "ca.pem"), Path.Combine(dir, "ca.key"), KeyProtection.None);

    // CSRs are made beforehand; only parse + verify + issue is timed.
    var sw = Stopwatch.StartNew();
    var csrPems = new string[count];
    for (int i = 0; i < count; i++)
    {
        using var key = SoftwareDeviceKey.Generate();
        csrPems[i] = SigningRequest.Create(key, new DeviceSubject($"bench-{i:D6}", "BenchPolicy", "us-east-1", "c0ffee1234", "BenchAlias")).Pem;
    }

    Console.WriteLine($"prepared {count} CSRs in {sw.Elapsed.TotalSeconds:F1} s (not timed)");
    if (profile)
    {
        Profile(ca, csrPems);
    }

    var results = new List<(string Name, double Wall, double Cpu)>();
    foreach (bool platform in backend switch { "platform" => new[] { true }, "bc" => new[] { false }, _ => new[] { true, false } })
    {
        PkiCrypto.UsePlatform = platform;
        string name = platform ? "engine, platform ECDSA" : "engine, BouncyCastle ECDSA";
        Run(ca, csrPems, Math.Min(500, count)); // warm-up: JIT tiers, per-thread key objects
        var wall = new List<double>();
        var cpu = new List<double>();
        for (int r = 0; r < rounds; r++)
        {
            GC.Collect();
            var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
            sw.Restart();
            int issued = Run(ca, csrPems, count);
            wall.Add(issued / sw.Elapsed.TotalSeconds);
            cpu.Add(issued / (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds);
        }

        wall.Sort();
        cpu.Sort();
        results.Add((name, wall[^1], cpu[^1]));
        Console.WriteLine($"{name,-28}: {count} parsed+verified+issued per round, {rounds} rounds; wall {string.Join(" / ", wall.Select(w => $"{w:F0}"))} certs/s; " +
            $"per CPU-second {string.Join(" / ", cpu.Select(c => $"{c:F0}"))} certs/s (best: {1e6 / cpu[^1]:F0} µs CPU each)");
    }

    PkiCrypto.UsePlatform = true;

    // The seed's way: one openssl process per certificate, on a sample, extrapolated.
    for (int i = 0; i < sample; i++)
    {
        File.WriteAllText(Path.Combine(dir, $"d{i}.csr"), csrPems[i]);
    }

    double childCpu0 = ChildrenCpuSeconds();
    sw.Restart();
    for (int i = 0; i < sample; i++)
    {
        var psi = new ProcessStartInfo("openssl") { WorkingDirectory = dir, UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { "x509", "-req", "-sha256", "-days", "3650", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-in", $"d{i}.csr", "-out", $"d{i}.crt" })
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        p.StandardOutput.ReadToEnd();
        p.StandardError.ReadToEnd();
        if (!p.WaitForExit(30_000) || p.ExitCode != 0)
        {
            Console.Error.WriteLine($"openssl failed on d{i}.csr");
            return 1;
        }
    }

    double opensslWall = sample / sw.Elapsed.TotalSeconds;
    double childCpu = ChildrenCpuSeconds() - childCpu0;
    double opensslCpu = childCpu > 0 ? sample / childCpu : double.NaN;
    Console.WriteLine($"{"seed's way (openssl x509 -req)",-28}: {sample} certificates; wall {opensslWall:F1} certs/s ({1000 / opensslWall:F1} ms each, {count} would take {count / opensslWall:F0} s); " +
        $"per CPU-second of the openssl processes {opensslCpu:F1} certs/s");
    foreach (var (name, wallRate, cpuRate) in results)
    {
        Console.WriteLine($"ratio {name} / seed's way: {wallRate / opensslWall:F0}x wall-clock, {cpuRate / opensslCpu:F0}x CPU");
    }

    return 0;
}
finally
{
    Directory.Delete(dir, recursive: true);
}

static int Run(CaSigner ca, string[] csrPems, int n)
{
    int issued = 0;
    for (int i = 0; i < n; i++)
    {
        var csr = SigningRequest.Parse(csrPems[i]);
        var cert = ca.IssueDeviceCertificate(csr);
        if (cert.CertificatePem.Length > 0)
        {
            issued++;
        }
    }

    return issued;
}

static string LoadAverage()
{
    try
    {
        return File.ReadAllText("/proc/loadavg").Split(' ')[0];
    }
    catch (IOException)
    {
        return "n/a";
    }
}

static double ChildrenCpuSeconds()
{
    if (!OperatingSystem.IsLinux())
    {
        return 0;
    }

    // struct rusage on 64-bit Linux: ru_utime, ru_stime (timeval = 2 longs each), then 14 longs.
    var usage = new long[18];
    if (Native.getrusage(-1 /* RUSAGE_CHILDREN */, usage) != 0)
    {
        return 0;
    }

    return usage[0] + (usage[1] / 1e6) + usage[2] + (usage[3] / 1e6);
}

static void Profile(CaSigner ca, string[] csrPems)
{
    // CPU time per phase (single thread; with taskset every thread shares one CPU).
    int n = csrPems.Length;
    var parsed = new SigningRequest[n];
    Phase("parse PEM CSR (cold)", n, i => parsed[i] = SigningRequest.Parse(csrPems[i]));
    Phase("parse PEM CSR", n, i => parsed[i] = SigningRequest.Parse(csrPems[i]));
    var ders = csrPems.Select(p => Pem.Decode(p)[0].Data).ToArray();
    Phase("  of which PEM decoding", n, i => Pem.Decode(csrPems[i]));
    Phase("  of which DER parsing", n, i => SigningRequest.Parse(ders[i]));
    Phase("  of which BouncyCastle PKCS#10 parse", n, i => new Org.BouncyCastle.Pkcs.Pkcs10CertificationRequest(ders[i]));
    Phase("verify CSR signature", n, i => parsed[i].Verify());
    var digest = new byte[32];
    using var key = SoftwareDeviceKey.Generate();
    Phase("sign a digest (CA-style key)", n, i => key.SignSha256Digest(digest));
    Phase("issue (signature check cached)", n, i => ca.IssueDeviceCertificate(parsed[i]));
    var certs = new IssuedCertificate[n];
    for (int i = 0; i < n; i++)
    {
        certs[i] = ca.IssueDeviceCertificate(parsed[i]);
    }

    Phase("PEM-encode certificate", n, i => _ = certs[i].CertificatePem);
}

static void Phase(string name, int n, Action<int> action)
{
    var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
    var sw = Stopwatch.StartNew();
    for (int i = 0; i < n; i++)
    {
        action(i);
    }

    double cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalMilliseconds * 1000 / n;
    Console.WriteLine($"  {name,-34} {cpu,8:F1} µs CPU  {sw.Elapsed.TotalMilliseconds * 1000 / n,8:F1} µs wall");
}

internal static class Native
{
    [DllImport("libc", SetLastError = true)]
#pragma warning disable SA1300
    internal static extern int getrusage(int who, long[] usage);
#pragma warning restore SA1300
}
