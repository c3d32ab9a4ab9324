using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ZymAws.Engine.Aws;
using ZymAws.Engine.CredentialProvider;
using ZymAws.Engine.CredentialProvider.Internal;
using ZymAws.Engine.Diagnostics;

namespace ZymAws.Engine.Fleet;

/// <summary>What unregistering a CA did.</summary>
public sealed record CaUnregistration(string CaCertificateId, bool Deleted, int CertificatesRemoved, IReadOnlyList<string> Left)
{
    /// <summary>It was not registered (any more): nothing to do.</summary>
    public bool WasNotRegistered { get; init; }
}

/// <summary>What happened to one part of the credentials provider's AWS side.</summary>
public sealed record TearDownStep(string Kind, string Name, string Outcome, string Detail)
{
    /// <summary>The AWS error of a Failed step.</summary>
    public ZymException? Error { get; init; }
}

/// <summary>
/// Taking down what a rehearsal (or a fleet) created: a CA registration (refused while certificates it issued are still
/// registered, unless their devices are removed with it), and the credentials provider's IAM role, role alias and IoT
/// policy (each only when it has the shape the module gives it, unless forced).
/// </summary>
public static class TearDown
{
    /// <summary>The Detail of a part skipped because it was not confirmed (or -WhatIf).</summary>
    public const string NotConfirmed = "not confirmed";

    /// <summary>Null when not confirmed. A CA that is not registered is no error (<see cref="CaUnregistration.WasNotRegistered"/>).</summary>
    /// <exception cref="ZymException">CaCertificateInUse, AWS errors.</exception>
    public static async Task<CaUnregistration?> UnregisterCaAsync(AwsSession session, string caCertificateId, bool removeDevices,
        Func<string, string, Task<bool>>? shouldProcess, IEngineLog? log = null, CancellationToken cancellationToken = default)
    {
        var iot = session.Iot;
        IotCaCertificateDescription ca;
        try
        {
            ca = await iot.DescribeCaCertificateAsync(caCertificateId, cancellationToken).ConfigureAwait(false);
        }
        catch (AwsServiceException e) when (e.IsNotFound)
        {
            // Already gone: unregistering is idempotent.
            return new CaUnregistration(caCertificateId, true, 0, Array.Empty<string>()) { WasNotRegistered = true };
        }

        var issued = await iot.ListAllCertificatesByCaAsync(caCertificateId, 250, cancellationToken).ConfigureAwait(false);
        if (issued.Count > 0 && !removeDevices)
        {
            throw new ZymException("CaCertificateInUse", ZymErrorCategory.ResourceExists,
                $"{issued.Count} device certificate(s) issued by CA {caCertificateId} are still registered; remove those devices first (Remove-ZymDevice), or use -RemoveDevices to remove them with the CA.",
                caCertificateId);
        }

        string action = issued.Count == 0
            ? "Deactivate and delete the CA registration"
            : $"Remove the {issued.Count} device certificate(s) it issued (and their things when nothing else is attached), then deactivate and delete the CA registration";
        if (shouldProcess is not null && !await shouldProcess(caCertificateId, action).ConfigureAwait(false))
        {
            return null;
        }

        // Each certificate the CA issued goes (not the devices' other certificates); a thing goes with it when nothing else
        // is attached to it.
        var left = new List<string>();
        int removed = 0;
        foreach (var certificate in issued)
        {
            var things = await iot.ListAllPrincipalThingsAsync(certificate.CertificateArn, 250, cancellationToken).ConfigureAwait(false);
            var removal = await DeviceRemover.RemoveAsync(session, new DeviceSelector(things.FirstOrDefault(), certificate.CertificateId, certificate.CertificateId), null, log, cancellationToken).ConfigureAwait(false);
            left.AddRange(removal.Left);
            removed += removal.CertificatesDeleted.Count;
            foreach (string other in things.Skip(1))
            {
                // A certificate attached to several things: the others go too when it was their only principal.
                if ((await iot.ListAllThingPrincipalsAsync(other, 250, cancellationToken).ConfigureAwait(false)).Count == 0)
                {
                    await iot.DeleteThingAsync(other, cancellationToken: cancellationToken).ConfigureAwait(false);
                }
            }
        }

        if (left.Count > 0)
        {
            return new CaUnregistration(caCertificateId, false, removed, left);
        }

        if (ca.Status == IotCertificateStatus.Active)
        {
            await iot.UpdateCaCertificateAsync(new IotUpdateCaCertificateRequest(caCertificateId) { NewStatus = IotCertificateStatus.Inactive }, cancellationToken).ConfigureAwait(false);
        }

        await iot.DeleteCaCertificateAsync(caCertificateId, cancellationToken).ConfigureAwait(false);
        return new CaUnregistration(caCertificateId, true, removed, left);
    }

    /// <summary>
    /// Removes the IoT policy, role alias and IAM role (whichever are named), in that order. Each is removed only when it
    /// is the module's shape (the policy allows exactly iot:AssumeRoleWithCertificate on the alias; the alias points at
    /// the named role; the role trusts exactly credentials.iot.amazonaws.com) unless <paramref name="force"/>; a policy
    /// still attached to certificates is refused unless forced (forcing detaches it: those devices lose credentials). When one
    /// is kept (refused, or not confirmed), the ones after it are kept too.
    /// </summary>
    public static async Task<IReadOnlyList<TearDownStep>> RemoveCredentialProviderAsync(AwsSession session, string? roleName, string? roleAlias, string? policyName, bool force,
        Func<string, string, Task<bool>>? shouldProcess, CancellationToken cancellationToken = default)
    {
        var steps = new List<TearDownStep>();
        var iot = session.Iot;

        if (policyName is not null)
        {
            steps.Add(await Step("IotPolicy", policyName, async () =>
            {
                var policy = await iot.GetPolicyAsync(policyName, cancellationToken).ConfigureAwait(false);
                string? problem = force ? null : NotModuleShaped(policy.PolicyDocument, roleAlias);
                if (problem is not null)
                {
                    return ("Refused", problem + "; use -Force to remove it anyway");
                }

                var targets = await iot.ListAllTargetsForPolicyAsync(policyName, 250, cancellationToken).ConfigureAwait(false);
                if (targets.Count > 0 && !force)
                {
                    return ("Refused", $"it is attached to {targets.Count} principal(s); remove those devices first, or use -Force to detach it (they lose credentials)");
                }

                if (shouldProcess is not null && !await shouldProcess(policyName, $"Delete IoT policy{(targets.Count > 0 ? $", detaching it from {targets.Count} principal(s)" : string.Empty)}").ConfigureAwait(false))
                {
                    return ("Skipped", NotConfirmed);
                }

                foreach (string target in targets)
                {
                    await iot.DetachPolicyAsync(policyName, target, cancellationToken).ConfigureAwait(false);
                }

                // AWS refuses to delete a policy that has versions besides its default one.
                foreach (var (version, isDefault) in await iot.ListPolicyVersionsAsync(policyName, cancellationToken).ConfigureAwait(false))
                {
                    if (!isDefault)
                    {
                        await iot.DeletePolicyVersionAsync(policyName, version, cancellationToken).ConfigureAwait(false);
                    }
                }

                await iot.DeletePolicyAsync(policyName, cancellationToken).ConfigureAwait(false);
                return ("Removed", targets.Count > 0 ? $"detached from {targets.Count} principal(s) first" : "deleted");
            }).ConfigureAwait(false));
        }

        // Once a part is kept (refused, failed), the parts it depends on are kept too: an alias without its role, or a policy
        // for a missing alias, would leave devices refused for a reason nobody chose. A part the operator declined (or
        // -WhatIf) keeps nothing else: each part has its own question.
        bool kept() => steps.Any(s => s.Outcome is "Refused" or "Failed" || (s.Outcome == "Skipped" && s.Detail != NotConfirmed));

        if (roleAlias is not null)
        {
            steps.Add(kept() ? new TearDownStep("RoleAlias", roleAlias, "Skipped", "kept because the IoT policy was kept") : await Step("RoleAlias", roleAlias, async () =>
            {
                var alias = await iot.DescribeRoleAliasAsync(roleAlias, cancellationToken).ConfigureAwait(false);
                if (!force && roleName is not null && !string.Equals(AwsNames.RoleNameFromArn(alias.RoleArn), roleName, StringComparison.Ordinal))
                {
                    return ("Refused", $"it points at {alias.RoleArn}, not role '{roleName}'; use -Force to remove it anyway");
                }

                if (shouldProcess is not null && !await shouldProcess(roleAlias, "Delete role alias").ConfigureAwait(false))
                {
                    return ("Skipped", NotConfirmed);
                }

                await iot.DeleteRoleAliasAsync(roleAlias, cancellationToken).ConfigureAwait(false);
                return ("Removed", "deleted");
            }).ConfigureAwait(false));
        }

        if (roleName is not null)
        {
            steps.Add(kept() ? new TearDownStep("IamRole", roleName, "Skipped", "kept because a part that uses it was kept") : await Step("IamRole", roleName, async () =>
            {
                var role = await session.Iam.GetRoleAsync(roleName, cancellationToken).ConfigureAwait(false);
                if (!force && !PolicyJson.SameMeaning(role.AssumeRolePolicyDocument, CredentialProviderProvisioner.TrustPolicyDocument))
                {
                    return ("Refused", "its trust policy is not the module's (credentials.iot.amazonaws.com only); use -Force to remove it anyway");
                }

                if (!force)
                {
                    // Another role alias still pointing at it would leave its devices refused (400).
                    foreach (string other in await iot.ListAllRoleAliasesAsync(250, cancellationToken).ConfigureAwait(false))
                    {
                        if (other != roleAlias && AwsNames.RoleNameFromArn((await iot.DescribeRoleAliasAsync(other, cancellationToken).ConfigureAwait(false)).RoleArn) == roleName)
                        {
                            return ("Refused", $"role alias '{other}' still uses it; use -Force to remove it anyway");
                        }
                    }
                }

                var managed = await session.Iam.ListAllAttachedRolePoliciesAsync(roleName, null, cancellationToken).ConfigureAwait(false);
                var inline = await session.Iam.ListAllRolePoliciesAsync(roleName, cancellationToken).ConfigureAwait(false);
                if (shouldProcess is not null && !await shouldProcess(roleName, $"Delete IAM role (detaching {Count(managed.Count, "managed policy", "managed policies")} and deleting {Count(inline.Count, "inline policy", "inline policies")})").ConfigureAwait(false))
                {
                    return ("Skipped", NotConfirmed);
                }

                foreach (var policy in managed)
                {
                    await session.Iam.DetachRolePolicyAsync(roleName, policy.PolicyArn, cancellationToken).ConfigureAwait(false);
                }

                foreach (string policy in inline)
                {
                    await session.Iam.DeleteRolePolicyAsync(roleName, policy, cancellationToken).ConfigureAwait(false);
                }

                await session.Iam.DeleteRoleAsync(roleName, cancellationToken).ConfigureAwait(false);
                return ("Removed", $"deleted, with {Count(managed.Count, "managed policy", "managed policies")} detached and {Count(inline.Count, "inline policy", "inline policies")} deleted");
            }).ConfigureAwait(false));
        }

        return steps;

        // The module's policy allows exactly iot:AssumeRoleWithCertificate on one role alias (with or without the
        // attached-thing condition); when an alias is named, that one.
        static string? NotModuleShaped(string? document, string? alias)
        {
            string? resource = null;
            try
            {
                using var parsed = System.Text.Json.JsonDocument.Parse(document ?? string.Empty);
                var statements = parsed.RootElement.GetProperty("Statement");
                var statement = statements.ValueKind == System.Text.Json.JsonValueKind.Array && statements.GetArrayLength() == 1 ? statements[0] : statements;
                var value = statement.GetProperty("Resource");
                resource = value.ValueKind == System.Text.Json.JsonValueKind.Array && value.GetArrayLength() == 1 ? value[0].GetString() : value.GetString();
            }
            catch (Exception e) when (e is System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException)
            {
            }

            if (resource is null || resource.IndexOf(":rolealias/", StringComparison.Ordinal) < 0)
            {
                return "its document is not the module's (iot:AssumeRoleWithCertificate on one role alias)";
            }

            if (!PolicyJson.SameMeaning(document, CredentialProviderProvisioner.BuildRoleAliasPolicyDocument(resource, requireAttachedThing: true))
                && !PolicyJson.SameMeaning(document, CredentialProviderProvisioner.BuildRoleAliasPolicyDocument(resource, requireAttachedThing: false)))
            {
                return "its document is not the module's (iot:AssumeRoleWithCertificate on one role alias)";
            }

            return alias is not null && !resource.EndsWith(":rolealias/" + alias, StringComparison.Ordinal)
                ? $"it is for another role alias ({resource})"
                : null;
        }

        async Task<TearDownStep> Step(string kind, string name, Func<Task<(string Outcome, string Detail)>> run)
        {
            try
            {
                var (outcome, detail) = await run().ConfigureAwait(false);
                return new TearDownStep(kind, name, outcome, detail);
            }
            catch (AwsServiceException e) when (e.IsNotFound)
            {
                return new TearDownStep(kind, name, "NotFound", "it does not exist");
            }
            catch (ZymException e)
            {
                // Reported with the parts already done; the parts after it are kept (see kept()).
                return new TearDownStep(kind, name, "Failed", e.Message) { Error = e };
            }
        }

        static string Count(int n, string one, string many) => n == 1 ? "1 " + one : $"{n} {many}";
    }
}
