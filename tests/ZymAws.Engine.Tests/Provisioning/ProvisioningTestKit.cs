using ZymAws.Engine.Aws;
using ZymAws.Engine.Diagnostics;
using ZymAws.Engine.Provisioning;

namespace ZymAws.Engine.Tests.Provisioning;

/// <summary>Helpers shared by the provisioning tests.</summary>
internal static class ProvisioningTestKit
{
    public const string Policy = "zym-device-policy";

    public static string Unique(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>Device requests with certificates signed by <paramref name="pki"/>, named PREFIX-000...</summary>
    public static List<DeviceProvisioningRequest> Devices(TestPki pki, string prefix, int count, string? policy = null)
    {
        return Enumerable.Range(0, count).Select(i =>
        {
            string name = $"{prefix}-{i:D3}";
            return new DeviceProvisioningRequest(name)
            {
                CertificatePem = pki.IssuePem(name),
                PolicyName = policy,
                Attributes = new Dictionary<string, string> { ["batch"] = prefix },
                SourceItem = new { Row = i, Name = name },
            };
        }).ToList();
    }

    /// <summary>Device requests with CSRs (mode FromCsr).</summary>
    public static List<DeviceProvisioningRequest> CsrDevices(string prefix, int count)
    {
        return Enumerable.Range(0, count).Select(i =>
        {
            string name = $"{prefix}-{i:D3}";
            return new DeviceProvisioningRequest(name) { CsrPem = TestPki.CreateCsr(name).CsrPem, SourceItem = name };
        }).ToList();
    }

    public static FleetProvisioningOptions Options(TestPki? pki, int throttle = 8, string? journal = null)
    {
        return new FleetProvisioningOptions
        {
            Mode = pki is null ? CertificateRegistrationMode.FromCsr : CertificateRegistrationMode.WithCa,
            CaCertificatePem = pki?.CaCertificatePem,
            PolicyName = Policy,
            ThrottleLimit = throttle,
            JournalPath = journal,
            CleanupTimeout = TimeSpan.FromSeconds(30),
        };
    }

    /// <summary>The IoT operations the engine called, from its log lines ("AWS iot Operation 'target': OK ..."), as IAM actions.</summary>
    public static IReadOnlyList<string> CalledIotOperations(Tests.Infrastructure.CapturingEngineLog log)
    {
        return log.VerboseLines.Where(l => l.StartsWith("AWS iot ", StringComparison.Ordinal))
            .Select(l => "iot:" + l.Split(' ')[2].TrimEnd(':'))
            .Distinct()
            .ToList();
    }

    /// <summary>A session whose requests go to <paramref name="endpointUrl"/> (moto or a proxy in front of it).</summary>
    public static AwsSession Session(FleetMoto moto, string? endpointUrl = null, IEngineLog? log = null, int maxAttempts = 5)
    {
        var options = moto.ConnectionOptions();
        options.EndpointUrl = endpointUrl ?? moto.EndpointUrl;
        var settings = new AwsClientSettings
        {
            BaseDelay = TimeSpan.FromMilliseconds(5),
            MaxDelay = TimeSpan.FromMilliseconds(100),
            RateLimitingEnabled = false,
            MaxAttempts = maxAttempts,
            AttemptTimeout = TimeSpan.FromSeconds(20),
        };
        return AwsSession.Create(options, settings, log ?? NullEngineLog.Instance);
    }

    /// <summary>
    /// Checks moto holds, for each device, exactly one certificate that is ACTIVE, attached to its thing and carrying
    /// the policy, and nothing else: no other certificate, no other thing. Certificates and things are counted with the
    /// AWS CLI (a second client); attachments are read with the AWS CLI per thing when <paramref name="cliPerThing"/>
    /// (slow: one process per call), else with the engine's client.
    /// </summary>
    public static async Task AssertExactlyProvisionedAsync(FleetMoto moto, IReadOnlyCollection<string> thingNames, string policy = Policy, bool cliPerThing = false)
    {
        var certificates = await moto.CliCertificatesAsync();
        var things = await moto.CliThingNamesAsync();
        Xunit.Assert.Equal(thingNames.OrderBy(n => n, StringComparer.Ordinal), things.OrderBy(n => n, StringComparer.Ordinal));
        Xunit.Assert.Equal(thingNames.Count, certificates.Count);
        var byArn = certificates.ToDictionary(c => c.Arn);
        using var session = Session(moto);
        using var gate = new SemaphoreSlim(cliPerThing ? 3 : 16);
        var attachments = await Task.WhenAll(thingNames.Select(async thing =>
        {
            await gate.WaitAsync();
            try
            {
                var principals = cliPerThing ? await moto.CliThingPrincipalsAsync(thing) : await session.Iot.ListAllThingPrincipalsAsync(thing);
                string arn = Xunit.Assert.Single(principals);
                var policies = cliPerThing
                    ? await moto.CliAttachedPoliciesAsync(arn)
                    : (await session.Iot.ListAllAttachedPoliciesAsync(arn)).Select(p => p.PolicyName).ToList();
                return (Thing: thing, Arn: arn, Policies: policies);
            }
            finally
            {
                gate.Release();
            }
        }));
        Xunit.Assert.Equal(thingNames.Count, attachments.Select(a => a.Arn).Distinct().Count());
        foreach (var attachment in attachments)
        {
            Xunit.Assert.Equal("ACTIVE", byArn[attachment.Arn].Status);
            Xunit.Assert.Equal(new[] { policy }, attachment.Policies);
        }

        // The policy is on exactly these certificates, nothing else.
        var targets = await moto.CliPolicyTargetsAsync(policy);
        Xunit.Assert.Equal(attachments.Select(a => a.Arn).OrderBy(a => a, StringComparer.Ordinal), targets.OrderBy(a => a, StringComparer.Ordinal));
    }

    /// <summary>
    /// After a run that may have failed devices: every device the summary calls provisioned is complete in AWS (one
    /// ACTIVE certificate attached to its thing, carrying the policy), and nothing else is in the account but what the
    /// RollbackFailed results name in LeftInAws: no empty thing, no orphan certificate, no stray policy target.
    /// Checked with the AWS CLI (a second client) for the lists, the engine's client per thing.
    /// </summary>
    public static async Task AssertOnlyNamedLeftoversAsync(FleetMoto moto, FleetProvisioningSummary summary, string policy = Policy)
    {
        var done = summary.Results.Where(r => r.Status is DeviceProvisioningStatus.Provisioned or DeviceProvisioningStatus.AlreadyProvisioned).ToList();
        string leftovers = string.Join("\n", summary.Results.SelectMany(r => r.LeftInAws));
        var doneThings = new HashSet<string>(done.Select(r => r.ThingName), StringComparer.Ordinal);
        var doneArns = new HashSet<string>(done.Select(r => r.CertificateArn!), StringComparer.Ordinal);
        foreach (string thing in await moto.CliThingNamesAsync())
        {
            Xunit.Assert.True(doneThings.Contains(thing) || leftovers.Contains($"thing '{thing}'", StringComparison.Ordinal), $"thing '{thing}' is in AWS but neither provisioned nor named as left");
        }

        foreach (var certificate in await moto.CliCertificatesAsync())
        {
            Xunit.Assert.True(doneArns.Contains(certificate.Arn) || leftovers.Contains(certificate.Id, StringComparison.Ordinal), $"certificate {certificate.Id} ({certificate.Status}) is in AWS but neither provisioned nor named as left");
        }

        foreach (string target in await moto.CliPolicyTargetsAsync(policy))
        {
            Xunit.Assert.True(doneArns.Contains(target) || leftovers.Contains(target.Split('/').Last(), StringComparison.Ordinal), $"policy '{policy}' is on {target}, which is neither provisioned nor named as left");
        }

        using var session = Session(moto);
        using var gate = new SemaphoreSlim(16);
        await Task.WhenAll(done.Select(async r =>
        {
            await gate.WaitAsync();
            try
            {
                Xunit.Assert.Equal(new[] { r.CertificateArn }, await session.Iot.ListAllThingPrincipalsAsync(r.ThingName));
                Xunit.Assert.Equal(new[] { policy }, (await session.Iot.ListAllAttachedPoliciesAsync(r.CertificateArn!)).Select(p => p.PolicyName));
                Xunit.Assert.Equal("ACTIVE", (await session.Iot.DescribeCertificateAsync(r.CertificateId!)).Status);
            }
            finally
            {
                gate.Release();
            }
        }));
    }
}
