using System.Text.Json;
using Xunit;
using ZymAws.Engine.Aws;
using ZymAws.Engine.Tests.Infrastructure;

namespace ZymAws.Engine.Tests.Provisioning;

/// <summary>
/// A moto_server of its own for the provisioning and credentials-provider tests: they run one after the other (one
/// collection), so a test may reset moto and count every certificate and thing in the account.
/// </summary>
public sealed class FleetMoto : MotoServer
{
    /// <summary>Wipes moto, then registers <paramref name="pki"/>'s CA (ACTIVE) and creates an IoT policy; returns the CA's id.</summary>
    public async Task<string> FreshAccountAsync(TestPki pki, params string[] policies)
    {
        await ResetAsync();
        using var session = CreateSession();
        var ca = await session.Iot.RegisterCaCertificateAsync(new IotRegisterCaCertificateRequest(pki.CaCertificatePem) { SetAsActive = true, AllowAutoRegistration = false });
        foreach (string policy in policies)
        {
            await session.Iot.CreatePolicyAsync(policy, """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iot:Connect","Resource":"*"}]}""");
        }

        return ca.CertificateId;
    }

    /// <summary>Every certificate in the account (ListCertificates through the AWS CLI, a second client).</summary>
    public async Task<IReadOnlyList<(string Id, string Arn, string Status)>> CliCertificatesAsync()
    {
        var json = await ExternalProcess.AwsCliAsync(this, "iot", "list-certificates");
        return json!.Value.GetProperty("certificates").EnumerateArray()
            .Select(c => (c.GetProperty("certificateId").GetString()!, c.GetProperty("certificateArn").GetString()!, c.GetProperty("status").GetString()!))
            .ToList();
    }

    /// <summary>Every thing name in the account (AWS CLI).</summary>
    public async Task<IReadOnlyList<string>> CliThingNamesAsync()
    {
        var json = await ExternalProcess.AwsCliAsync(this, "iot", "list-things", "--max-items", "5000");
        return json!.Value.GetProperty("things").EnumerateArray().Select(t => t.GetProperty("thingName").GetString()!).ToList();
    }

    /// <summary>The principals attached to a thing (AWS CLI list-thing-principals).</summary>
    public async Task<IReadOnlyList<string>> CliThingPrincipalsAsync(string thingName)
    {
        var json = await ExternalProcess.AwsCliAsync(this, "iot", "list-thing-principals", "--thing-name", thingName);
        return json!.Value.GetProperty("principals").EnumerateArray().Select(p => p.GetString()!).ToList();
    }

    /// <summary>The policies attached to a certificate (AWS CLI list-attached-policies).</summary>
    public async Task<IReadOnlyList<string>> CliAttachedPoliciesAsync(string certificateArn)
    {
        var json = await ExternalProcess.AwsCliAsync(this, "iot", "list-attached-policies", "--target", certificateArn);
        return json!.Value.GetProperty("policies").EnumerateArray().Select(p => p.GetProperty("policyName").GetString()!).ToList();
    }

    /// <summary>The targets (certificate ARNs) a policy is attached to (AWS CLI list-targets-for-policy).</summary>
    public async Task<IReadOnlyList<string>> CliPolicyTargetsAsync(string policyName)
    {
        var json = await ExternalProcess.AwsCliAsync(this, "iot", "list-targets-for-policy", "--policy-name", policyName);
        return json!.Value.GetProperty("targets").EnumerateArray().Select(t => t.GetString()!).ToList();
    }

    /// <summary>A thing's attributes (AWS CLI describe-thing).</summary>
    public async Task<IReadOnlyDictionary<string, string>> CliThingAttributesAsync(string thingName)
    {
        var json = await ExternalProcess.AwsCliAsync(this, "iot", "describe-thing", "--thing-name", thingName);
        return json!.Value.GetProperty("attributes").EnumerateObject().ToDictionary(a => a.Name, a => a.Value.GetString()!);
    }

    /// <summary>Deletes an IoT policy with the AWS CLI (e.g. to make it go missing mid-run).</summary>
    public Task DeletePolicyAsync(string policyName) => ExternalProcess.AwsCliAsync(this, "iot", "delete-policy", "--policy-name", policyName);

    internal static string? Str(JsonElement element, string name) => element.TryGetProperty(name, out var v) ? v.GetString() : null;
}

/// <summary>Test classes of the provisioning and credentials-provider tests share one <see cref="FleetMoto"/>.</summary>
[CollectionDefinition(Name)]
public sealed class FleetMotoCollection : ICollectionFixture<FleetMoto>
{
    public const string Name = "fleet-moto";
}
