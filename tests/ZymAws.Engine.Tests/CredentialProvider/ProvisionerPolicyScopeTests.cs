using System.Text.Json;
using Xunit;
using ZymAws.Engine.CredentialProvider;
using ZymAws.Engine.Provisioning;

namespace ZymAws.Engine.Tests.CredentialProvider;

/// <summary>Get-ZymProvisionerPolicy -Scope: what each job may do (the operations themselves are checked in Pester, from each cmdlet's log).</summary>
public sealed class ProvisionerPolicyScopeTests
{
    private const string Account = "123456789012";
    private const string Region = "eu-west-1";

    private static ProvisionerPolicyResult Build(ProvisionerPolicyScope scope, string? role = "zym-role")
    {
        var options = new ProvisionerPolicyOptions { Scope = scope, RoleName = role };
        options.PolicyNames.Add("zym-device-policy");
        return CredentialProviderProvisioner.BuildProvisionerPolicy(options, Account, Region);
    }

    [Fact]
    public void TheProvisioningScope_IsTheDefault_AndGrantsNoSetupOrFleetChange()
    {
        var defaults = CredentialProviderProvisioner.BuildProvisionerPolicy(new ProvisionerPolicyOptions { RoleName = "zym-role" }, Account, Region);
        var provisioning = Build(ProvisionerPolicyScope.Provisioning);
        Assert.Equal(provisioning.Actions.Order(), defaults.Actions.Order());
        Assert.Equal(FleetProvisioner.IotActions(CertificateRegistrationMode.WithCa).Concat(new[] { "iam:GetRole", "iam:PassRole" }).Order(), provisioning.Actions.Order());
        Assert.DoesNotContain("iot:CreateRoleAlias", provisioning.Actions);
        Assert.DoesNotContain("iot:DeleteCACertificate", provisioning.Actions);
        Assert.DoesNotContain("iam:CreateRole", provisioning.Actions);
    }

    [Fact]
    public void TheSetupScope_CreatesTheRoleAliasAndPolicy_PassesTheRole_AndRegistersTheCa_OnTheRoleOnly()
    {
        var setup = Build(ProvisionerPolicyScope.Setup);
        foreach (var action in new[] { "iam:CreateRole", "iam:PutRolePolicy", "iam:PassRole", "iot:CreateRoleAlias", "iot:CreatePolicy", "iot:RegisterCACertificate", "iot:GetRegistrationCode" })
        {
            Assert.Contains(action, setup.Actions);
        }

        Assert.DoesNotContain("iot:RegisterCertificate", setup.Actions);
        Assert.DoesNotContain("iam:PutUserPolicy", setup.Actions); // applying policies stays an administrator's job
        var statements = Statements(setup);
        Assert.Equal($"arn:aws:iam::{Account}:role/zym-role", statements["IamCredentialProviderRole"].GetProperty("Resource").GetString());
        Assert.Equal($"arn:aws:iot:{Region}:{Account}:rolealias/*", statements["IotRoleAliases"].GetProperty("Resource").GetString());
        // Without a role name, roles in general.
        Assert.Equal($"arn:aws:iam::{Account}:role/*", Statements(Build(ProvisionerPolicyScope.Setup, role: null))["IamCredentialProviderRole"].GetProperty("Resource").GetString());
    }

    [Fact]
    public void TheFleetScope_SilencesAndRemovesDevicesAndCas_AndAllIsTheUnion_EachActionOnce()
    {
        var fleet = Build(ProvisionerPolicyScope.Fleet);
        foreach (var action in new[] { "iot:UpdateCertificate", "iot:DeleteCertificate", "iot:DetachPolicy", "iot:DeleteCACertificate", "iot:ListThings", "iam:DeleteRole" })
        {
            Assert.Contains(action, fleet.Actions);
        }

        Assert.DoesNotContain("iot:RegisterCertificate", fleet.Actions);
        var all = Build(ProvisionerPolicyScope.All);
        var union = Build(ProvisionerPolicyScope.Provisioning).Actions.Concat(Build(ProvisionerPolicyScope.Setup).Actions).Concat(fleet.Actions).Distinct();
        Assert.Equal(union.Order(), all.Actions.Order());
        Assert.Equal(all.Actions.Count, all.Actions.Distinct().Count());
    }

    [Fact]
    public void ThePolicies_FitWhereIamTakesThem_AndTheirInlineNamesAddUp()
    {
        static int Size(ProvisionerPolicyResult p) => p.PolicyDocument.Count(c => !char.IsWhiteSpace(c));
        Assert.True(Size(Build(ProvisionerPolicyScope.Provisioning)) <= CredentialProviderProvisioner.MaxUserInlinePolicySize);
        Assert.True(Size(Build(ProvisionerPolicyScope.All)) <= CredentialProviderProvisioner.MaxRoleInlinePolicySize);
        Assert.Equal("ZymAws-Provisioning", CredentialProviderProvisioner.InlinePolicyName(ProvisionerPolicyScope.Provisioning));
        Assert.Equal("ZymAws-Setup-Fleet", CredentialProviderProvisioner.InlinePolicyName(ProvisionerPolicyScope.Setup | ProvisionerPolicyScope.Fleet));
        Assert.Equal("ZymAws-All", CredentialProviderProvisioner.InlinePolicyName(ProvisionerPolicyScope.All));
    }

    private static Dictionary<string, JsonElement> Statements(ProvisionerPolicyResult policy)
    {
        using var document = JsonDocument.Parse(policy.PolicyDocument);
        return document.RootElement.GetProperty("Statement").EnumerateArray().ToDictionary(s => s.GetProperty("Sid").GetString()!, s => s.Clone());
    }
}
