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

        void Add(IEnumerable<(string Action, IotResourceScope Scope)> operations)
        {
            foreach (var (action, scope) in operations)
            {
                var list = groups[(int)scope].Actions;
                if (!list.Contains("iot:" + action))
                {
                    list.Add("iot:" + action);
                }
            }
        }

        var iam = new List<string>();
        var scopes = options.Scope == 0 ? ProvisionerPolicyScope.Provisioning : options.Scope;
        if ((scopes & ProvisionerPolicyScope.Provisioning) != 0)
        {
            Add(ProvisioningOperations.Always);
            if (options.AllowCreateCertificateFromCsr)
            {
                Add(new[] { (ProvisioningOperations.CreateCertificateFromCsr, IotResourceScope.None) });
            }

            if (options.AllowRegisterWithoutCa)
            {
                Add(new[] { (ProvisioningOperations.RegisterCertificateWithoutCa, IotResourceScope.None) });
            }

            if (!string.IsNullOrEmpty(options.RoleName))
            {
                // As the seed's user-pass-permissions.json: the provisioning user may read and pass the credentials-provider role.
                iam.AddRange(new[] { "iam:GetRole", "iam:PassRole" });
            }
        }

        if ((scopes & ProvisionerPolicyScope.Setup) != 0)
        {
            Add(OperatorOperations.SetupIot);
            iam.AddRange(OperatorOperations.SetupIam);
        }

        if ((scopes & ProvisionerPolicyScope.Fleet) != 0)
        {
            Add(OperatorOperations.FleetIot);
            iam.AddRange(OperatorOperations.FleetIam);
        }

        iam = iam.Distinct().ToList();

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

                if (iam.Count > 0)
                {
                    // The credentials-provider role by name; without one (setup and fleet scopes), roles under the path.
                    WriteStatement(w, "IamCredentialProviderRole", iam, new[] { AwsNames.RoleArn(region, accountId, options.RolePath, string.IsNullOrEmpty(options.RoleName) ? "*" : options.RoleName!) });
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
