using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Xunit;
using ZymAws.Engine.Aws;

namespace ZymAws.Engine.Tests.Infrastructure;

/// <summary>
/// A real moto_server on a free loopback port, shared by every test class in <see cref="MotoCollection"/>.
/// Started once, stopped (this process only) on dispose. Tests use unique resource names so they need not reset;
/// <see cref="ResetAsync"/> wipes all state when a test really needs an empty account.
/// </summary>
public class MotoServer : IAsyncLifetime
{
    /// <summary>moto's fixed fake account.</summary>
    public const string AccountId = "123456789012";

    /// <summary>The region tests use.</summary>
    public const string Region = "us-east-1";

    /// <summary>Fake credentials (moto ignores signatures unless told otherwise).</summary>
    public const string AccessKey = "testing";

    /// <summary>Fake secret; distinctive so tests can search logs for it.</summary>
    public const string SecretKey = "testing-secret-0123456789abcdef";

    private static readonly HttpClient s_http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly IReadOnlyDictionary<string, string> _environment;
    private Process? _process;

    public MotoServer()
        : this(new Dictionary<string, string>())
    {
    }

    /// <summary>For derived fixtures that need moto started with extra environment (e.g. INITIAL_NO_AUTH_ACTION_COUNT).</summary>
    protected MotoServer(IReadOnlyDictionary<string, string> environment)
    {
        _environment = environment;
    }

    public int Port { get; private set; }

    /// <summary>The repository's moto launcher, found by walking up from the test assembly to ZymAws.sln.</summary>
    public static string LauncherPath { get; } = FindLauncher();

    private static string FindLauncher()
    {
        for (var dir = new System.IO.DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (System.IO.File.Exists(System.IO.Path.Combine(dir.FullName, "ZymAws.sln")))
            {
                return System.IO.Path.Combine(dir.FullName, "tools", "moto_server.py");
            }
        }

        throw new InvalidOperationException("Cannot find the repository root (ZymAws.sln) above " + AppContext.BaseDirectory);
    }

    /// <summary>e.g. "http://127.0.0.1:41234".</summary>
    public string EndpointUrl => $"http://127.0.0.1:{Port}";

    public async Task InitializeAsync()
    {
        Exception? last = null;
        for (int attempt = 0; attempt < 3; attempt++)
        {
            Port = FreePort();
            // tools/moto_server.py: moto_server with AWS's certificate ids (SHA-256 of the DER).
            var start = new ProcessStartInfo("python3")
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            foreach (string arg in new[] { LauncherPath, "-H", "127.0.0.1", "-p", Port.ToString() })
            {
                start.ArgumentList.Add(arg);
            }

            foreach (var pair in _environment)
            {
                start.Environment[pair.Key] = pair.Value;
            }

            _process = Process.Start(start) ?? throw new InvalidOperationException("moto_server did not start.");
            _process.OutputDataReceived += (_, _) => { };
            _process.ErrorDataReceived += (_, _) => { };
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
            try
            {
                await WaitUntilAnsweringAsync(TimeSpan.FromSeconds(30));
                return;
            }
            catch (Exception ex)
            {
                last = ex;
                Stop();
            }
        }

        throw new InvalidOperationException("moto_server did not answer on 127.0.0.1.", last);
    }

    public Task DisposeAsync()
    {
        Stop();
        return Task.CompletedTask;
    }

    /// <summary>Wipes every resource in moto (POST /moto-api/reset).</summary>
    public async Task ResetAsync()
    {
        using var response = await s_http.PostAsync(EndpointUrl + "/moto-api/reset", null);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Connection options pointing at this moto with fake literal credentials (the process environment is not touched).</summary>
    public AwsConnectionOptions ConnectionOptions(string? region = Region)
    {
        return new AwsConnectionOptions
        {
            AccessKey = AccessKey,
            SecretKey = SecretKey,
            Region = region,
            EndpointUrl = EndpointUrl,
            GetEnvironmentVariable = _ => null,
        };
    }

    /// <summary>A session on this moto with short retry delays.</summary>
    public AwsSession CreateSession(Diagnostics.IEngineLog? log = null, AwsClientSettings? settings = null)
    {
        settings ??= new AwsClientSettings { BaseDelay = TimeSpan.FromMilliseconds(10), MaxDelay = TimeSpan.FromMilliseconds(200), RateLimitingEnabled = false };
        return AwsSession.Create(ConnectionOptions(), settings, log ?? Diagnostics.NullEngineLog.Instance);
    }

    /// <summary>Environment for a child process (the AWS CLI) that should talk to this moto.</summary>
    public IReadOnlyDictionary<string, string> ClientEnvironment()
    {
        return new Dictionary<string, string>
        {
            ["AWS_ACCESS_KEY_ID"] = AccessKey,
            ["AWS_SECRET_ACCESS_KEY"] = SecretKey,
            ["AWS_DEFAULT_REGION"] = Region,
            ["AWS_REGION"] = Region,
            ["AWS_EC2_METADATA_DISABLED"] = "true",
            ["AWS_CONFIG_FILE"] = "/dev/null",
            ["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null",
        };
    }

    private async Task WaitUntilAnsweringAsync(TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            if (_process is null || _process.HasExited)
            {
                throw new InvalidOperationException($"moto_server exited with code {_process?.ExitCode}.");
            }

            try
            {
                using var response = await s_http.GetAsync(EndpointUrl + "/moto-api/data.json");
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

        throw new TimeoutException($"moto_server did not answer within {timeout.TotalSeconds} s.");
    }

    private void Stop()
    {
        var process = _process;
        _process = null;
        if (process is null)
        {
            return;
        }

        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
        }
        finally
        {
            process.Dispose();
        }
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}

/// <summary>Test classes that use the shared moto: <c>[Collection(MotoCollection.Name)]</c> and take a <see cref="MotoServer"/>.</summary>
[CollectionDefinition(Name)]
public sealed class MotoCollection : ICollectionFixture<MotoServer>
{
    public const string Name = "moto";
}
