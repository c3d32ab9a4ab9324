using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using ZymAws.Engine.Provisioning.Internal;

namespace ZymAws.Engine.CredentialProvider.Internal;

/// <summary>Builds the provisioning user's IAM policy from the table of operations the provisioner calls.</summary>
internal static class ProvisionerPolicyBuilder
{
    public static ProvisionerPolicyResult Build(ProvisionerPolicyOptions options, string accountId, string region)
    {
        string Arn(string resource) => AwsNames.IotArn(region, accountId, resource);
        var certificates = new[] { Arn("cert/*") };
        var caCertificates = new[] { Arn("cacert/" + (string.IsNullOrEmpty(options.CaCertificateId) ? "*" : options.CaCertificateId)) };
        var things = new[] { Arn("thing/" + (options.ThingNamePrefix ?? string.Empty) + "*") };
        var policies = options.PolicyNames.Count == 0
            ? new[] { Arn("policy/*") }
            : options.PolicyNames.Distinct().Select(p => Arn("policy/" + p)).ToArray();

        var groups = new List<(string Sid, List<string> Actions, string[] Resources)>
        {
            ("IotRegisterAndList", new List<string>(), new[] { "*" }),
            ("IotCertificates", new List<string>(), certificates),
            ("IotCaCertificate", new List<string>(), caCertificates),
            ("IotThings", new List<string>(), things),
            ("IotPolicies", new List<string>(), policies),
            ("IotPolicyAttachments", new List<string>(), certificates.Concat(policies).ToArray()),
            ("IotRoleAliases", new List<string>(), new[] { Arn("rolealias/*") }),
        };

        foreach (var (action, scope) in ProvisioningOperations.Always)
        {
            groups[(int)scope].Actions.Add("iot:" + action);
        }

        if (options.AllowCreateCertificateFromCsr)
        {
            groups[0].Actions.Add("iot:" + ProvisioningOperations.CreateCertificateFromCsr);
        }

        if (options.AllowRegisterWithoutCa)
        {
            groups[0].Actions.Add("iot:" + ProvisioningOperations.RegisterCertificateWithoutCa);
        }

        var actions = new List<string>();
        string document = PolicyJson.Write(
            w =>
            {
                w.WriteStartObject();
                w.WriteString("Version", "2012-10-17");
                w.WriteStartArray("Statement");
                foreach (var group in groups.Where(g => g.Actions.Count > 0))
                {
                    WriteStatement(w, group.Sid, group.Actions, group.Resources);
                    actions.AddRange(group.Actions);
                }

                if (!string.IsNullOrEmpty(options.RoleName))
                {
                    // As the seed's user-pass-permissions.json: the provisioning user may read and pass the credentials-provider role.
                    var iam = new List<string> { "iam:GetRole", "iam:PassRole" };
                    WriteStatement(w, "IamCredentialProviderRole", iam, new[] { AwsNames.RoleArn(region, accountId, options.RolePath, options.RoleName!) });
                    actions.AddRange(iam);
                }

                w.WriteEndArray();
                w.WriteEndObject();
            },
            indented: true);
        return new ProvisionerPolicyResult(accountId, region, document, actions);
    }

    private static void WriteStatement(Utf8JsonWriter w, string sid, IReadOnlyList<string> actions, string[] resources)
    {
        w.WriteStartObject();
        w.WriteString("Sid", sid);
        w.WriteString("Effect", "Allow");
        w.WriteStartArray("Action");
        foreach (string action in actions)
        {
            w.WriteStringValue(action);
        }

        w.WriteEndArray();
        if (resources.Length == 1)
        {
            w.WriteString("Resource", resources[0]);
        }
        else
        {
            w.WriteStartArray("Resource");
            foreach (string resource in resources)
            {
                w.WriteStringValue(resource);
            }

            w.WriteEndArray();
        }

        w.WriteEndObject();
    }
}
