using System.IO.Compression;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace ZymAws.QuotaProxy;

/// <summary>
/// Names the AWS operation of a request as AWS's own front end would: IoT (REST-JSON) by method and path, matched
/// against the requestUri templates of botocore's IoT service model; IAM and STS (Query protocol) by the Action= of
/// the form body, the service from the SigV4 credential scope.
/// </summary>
public sealed class OperationRouter
{
    private readonly List<Route> _routes = new();

    private OperationRouter()
    {
    }

    public int RouteCount => _routes.Count;

    /// <summary>Reads the IoT routes from botocore's service model (service-2.json or service-2.json.gz).</summary>
    public static OperationRouter FromBotocoreModel(string path)
    {
        using var file = File.OpenRead(path);
        using Stream stream = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GZipStream(file, CompressionMode.Decompress) : file;
        using var model = JsonDocument.Parse(stream);
        var router = new OperationRouter();
        foreach (var operation in model.RootElement.GetProperty("operations").EnumerateObject())
        {
            var http = operation.Value.GetProperty("http");
            string method = http.GetProperty("method").GetString()!;
            string uri = http.GetProperty("requestUri").GetString()!;
            router._routes.Add(Route.Parse(operation.Name, method, uri));
        }

        // Most specific first: more literal characters win ("/cacertificate/registrationcode" before "/cacertificate/{id}").
        router._routes.Sort((a, b) => b.Literal.CompareTo(a.Literal));
        return router;
    }

    /// <summary>Finds botocore's IoT model through the installed python3 (the AWS CLI's botocore).</summary>
    public static string FindBotocoreIotModel()
    {
        var start = new System.Diagnostics.ProcessStartInfo("python3")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("import botocore,os;print(os.path.dirname(botocore.__file__))");
        using var process = System.Diagnostics.Process.Start(start) ?? throw new InvalidOperationException("python3 did not start.");
        string dir = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        if (process.ExitCode != 0 || dir.Length == 0)
        {
            throw new InvalidOperationException("botocore not found through python3; pass --iot-model <service-2.json.gz>.");
        }

        var candidates = Directory.GetDirectories(Path.Combine(dir, "data", "iot")).OrderByDescending(d => d, StringComparer.Ordinal);
        foreach (var version in candidates)
        {
            foreach (var name in new[] { "service-2.json.gz", "service-2.json" })
            {
                string path = Path.Combine(version, name);
                if (File.Exists(path))
                {
                    return path;
                }
            }
        }

        throw new InvalidOperationException($"No IoT service model under {dir}/data/iot.");
    }

    /// <summary>"iot:CreateThing", "iam:CreateRole", "sts:GetCallerIdentity"; null for what is not an AWS call (moto's own API).</summary>
    public string? Identify(string method, string path, string? authorization, string? contentType, ReadOnlySpan<byte> body)
    {
        if (path.StartsWith("/moto-api", StringComparison.Ordinal))
        {
            return null;
        }

        string? scopeService = ScopeService(authorization);
        if (method == "POST" && contentType is not null && contentType.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase))
        {
            string? action = FormValue(body, "Action");
            if (action is not null)
            {
                return (scopeService is "sts" ? "sts" : scopeService ?? "iam") + ":" + action;
            }
        }

        foreach (var route in _routes)
        {
            if (route.Method == method && route.Pattern.IsMatch(path))
            {
                return "iot:" + route.Operation;
            }
        }

        return (scopeService ?? "iot") + ":Unknown";
    }

    private static string? ScopeService(string? authorization)
    {
        // AWS4-HMAC-SHA256 Credential=AKID/20261202/us-east-1/iot/aws4_request, SignedHeaders=..., Signature=...
        if (authorization is null)
        {
            return null;
        }

        int at = authorization.IndexOf("Credential=", StringComparison.Ordinal);
        if (at < 0)
        {
            return null;
        }

        var parts = authorization.Substring(at + 11).Split(',')[0].Split('/');
        return parts.Length >= 5 ? parts[3].ToLowerInvariant() : null;
    }

    private static string? FormValue(ReadOnlySpan<byte> body, string name)
    {
        foreach (var pair in System.Text.Encoding.ASCII.GetString(body).Split('&'))
        {
            int eq = pair.IndexOf('=');
            if (eq > 0 && Uri.UnescapeDataString(pair[..eq]) == name)
            {
                return Uri.UnescapeDataString(pair[(eq + 1)..].Replace('+', ' '));
            }
        }

        return null;
    }

    private sealed record Route(string Operation, string Method, Regex Pattern, int Literal)
    {
        public static Route Parse(string operation, string method, string requestUri)
        {
            string path = requestUri.Split('?')[0];
            var regex = new System.Text.StringBuilder("^");
            int literal = 0;
            foreach (Match part in Regex.Matches(path, @"\{[^}]+\}|[^{]+"))
            {
                if (part.Value.StartsWith('{'))
                {
                    regex.Append(part.Value.EndsWith("+}", StringComparison.Ordinal) ? ".+" : "[^/]+");
                }
                else
                {
                    regex.Append(Regex.Escape(part.Value));
                    literal += part.Value.Length;
                }
            }

            regex.Append("/?$");
            return new Route(operation, method, new Regex(regex.ToString(), RegexOptions.CultureInvariant), literal);
        }
    }
}
