using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ZymAws.Engine.Aws;
using ZymAws.Engine.CredentialProvider.Internal;
using ZymAws.Engine.Diagnostics;
using ZymAws.Engine.Provisioning.Internal;

namespace ZymAws.Engine.CredentialProvider;

/// <summary>
/// Sets up what the AWS IoT credentials provider needs: the IAM role it assumes, the role alias devices name, the IoT
/// policy that lets certificates use the alias, and the provisioning user's least-privilege policy. Every step is
/// idempotent (an existing resource is reported, checked and left alone) and every AWS-mutating call is asked of the
/// <c>shouldProcess(target, action)</c> callback first (null: always yes) so the cmdlets can honour -WhatIf/-Confirm.
/// Errors are <see cref="ZymException"/>s: RoleNameInvalid, MaxSessionDurationInvalid, PolicyArnInvalid,
/// PolicyNameInvalid, PolicyDocumentInvalid, InlinePolicyConflict, RoleAliasInvalid, RoleNotSpecified, RoleArnInvalid,
/// RoleNotFound, CredentialDurationInvalid, RoleAliasConflict, IotPolicyConflict, or an <see cref="AwsServiceException"/>.
/// </summary>
public sealed class CredentialProviderProvisioner
{
    /// <summary>Lowest credential duration a role alias accepts (seconds).</summary>
    public const int MinCredentialDurationSeconds = 900;

    /// <summary>Highest credential duration a role alias accepts (seconds).</summary>
    public const int MaxCredentialDurationSeconds = 43200;

    /// <summary>How long device credentials are valid when not told otherwise (seconds).</summary>
    public const int DefaultCredentialDurationSeconds = 3600;

    /// <summary>MaxSessionDuration of a role created without one (seconds).</summary>
    public const int DefaultRoleSessionDuration = 3600;

    /// <summary>Lowest MaxSessionDuration of a role (seconds).</summary>
    public const int MinRoleSessionDuration = 3600;

    /// <summary>Highest MaxSessionDuration of a role (seconds).</summary>
    public const int MaxRoleSessionDuration = 43200;

    private const string AssumeRole = "sts:AssumeRole";
    private readonly AwsSession _session;
    private readonly IEngineLog _log;
    private string? _accountId;

    /// <summary>Creates the setup on a session (its region is where the alias and policy live).</summary>
    public CredentialProviderProvisioner(AwsSession session, IEngineLog? log = null)
    {
        _session = session ?? throw new ArgumentNullException(nameof(session));
        _log = log ?? NullEngineLog.Instance;
    }

    /// <summary>The trust policy a new role gets: credentials.iot.amazonaws.com may call sts:AssumeRole.</summary>
    public static string TrustPolicyDocument => PolicyJson.ServiceTrustPolicy(AwsNames.CredentialsProviderPrincipal, AssumeRole);

    /// <summary>arn:PARTITION:iot:REGION:ACCOUNT:rolealias/ALIAS.</summary>
    public static string RoleAliasArn(string region, string accountId, string roleAlias) => AwsNames.IotArn(region, accountId, "rolealias/" + roleAlias);

    /// <summary>
    /// The IoT policy document allowing iot:AssumeRoleWithCertificate on <paramref name="roleAliasArn"/>, with the
    /// condition that the certificate is attached to a thing when <paramref name="requireAttachedThing"/>.
    /// </summary>
    public static string BuildRoleAliasPolicyDocument(string roleAliasArn, bool requireAttachedThing)
    {
        return PolicyJson.Write(w =>
        {
            w.WriteStartObject();
            w.WriteString("Version", "2012-10-17");
            w.WriteStartArray("Statement");
            w.WriteStartObject();
            w.WriteString("Effect", "Allow");
            w.WriteString("Action", "iot:AssumeRoleWithCertificate");
            w.WriteString("Resource", roleAliasArn);
            if (requireAttachedThing)
            {
                w.WriteStartObject("Condition");
                w.WriteStartObject("Bool");
                w.WriteString("iot:Connection.Thing.IsAttached", "true");
                w.WriteEndObject();
                w.WriteEndObject();
            }

            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    /// <summary>The account of the session's credentials (STS GetCallerIdentity, asked once).</summary>
    public async Task<string> GetAccountIdAsync(CancellationToken cancellationToken = default)
    {
        if (_accountId is null)
        {
            var identity = await _session.Sts.GetCallerIdentityAsync(cancellationToken).ConfigureAwait(false);
            _accountId = identity.Account;
        }

        return _accountId;
    }

    /// <summary>The credentials-provider endpoint of the account in the session's region (DescribeEndpoint iot:CredentialProvider).</summary>
    public Task<string> GetCredentialsEndpointAsync(CancellationToken cancellationToken = default) =>
        _session.Iot.DescribeEndpointAsync(IotEndpointType.CredentialProvider, cancellationToken);

    /// <summary>
    /// Creates the role (trust policy naming credentials.iot.amazonaws.com) or reports the existing one, adding the
    /// service principal to its trust policy when missing, attaching missing managed policies and putting missing
    /// inline policies.
    /// </summary>
    public async Task<CredentialProviderRoleResult> EnsureRoleAsync(CredentialProviderRoleOptions options, Func<string, string, Task<bool>>? shouldProcess = null, CancellationToken cancellationToken = default)
    {
        ValidateRole(options ?? throw new ArgumentNullException(nameof(options)));
        string target = $"IAM role '{options.RoleName}'";
        var changes = new List<string>();
        var declined = new List<string>();
        bool created = false;
        IamRole? role = await TryGetRoleAsync(options.RoleName, cancellationToken).ConfigureAwait(false);
        if (role is null)
        {
            string action = string.Format(CultureInfo.InvariantCulture, "Create role trusted by {0} (MaxSessionDuration {1} s)", AwsNames.CredentialsProviderPrincipal, options.MaxSessionDuration ?? DefaultRoleSessionDuration);
            if (!await Callbacks.AskAsync(shouldProcess, target, action, cancellationToken).ConfigureAwait(false))
            {
                declined.Add("CreateRole");
                declined.AddRange(options.ManagedPolicyArns.Select(a => "AttachRolePolicy " + a));
                declined.AddRange(options.InlinePolicies.Keys.Select(n => "PutRolePolicy " + n));
                string account = await GetAccountIdAsync(cancellationToken).ConfigureAwait(false);
                return new CredentialProviderRoleResult(options.RoleName, AwsNames.RoleArn(_session.Region, account, options.Path, options.RoleName))
                {
                    Status = SetupOutcome.Skipped,
                    TrustPolicyStatus = SetupOutcome.Skipped,
                    MaxSessionDuration = options.MaxSessionDuration ?? DefaultRoleSessionDuration,
                    TrustPolicyDocument = TrustPolicyDocument,
                    ManagedPolicyArns = options.ManagedPolicyArns.ToList(),
                    DeclinedChanges = declined,
                };
            }

            try
            {
                role = await _session.Iam.CreateRoleAsync(
                    new IamCreateRoleRequest(options.RoleName, TrustPolicyDocument)
                    {
                        Path = options.Path,
                        Description = options.Description,
                        MaxSessionDuration = options.MaxSessionDuration ?? DefaultRoleSessionDuration,
                    },
                    cancellationToken).ConfigureAwait(false);
                created = true;
                changes.Add("CreateRole");
                _log.Verbose($"Created IAM role {role.Arn}.");
            }
            catch (AwsServiceException ex) when (ex.IsAlreadyExists)
            {
                // Created by someone else since GetRole: treat it as existing.
                role = await _session.Iam.GetRoleAsync(options.RoleName, cancellationToken).ConfigureAwait(false);
            }
        }

        var result = new CredentialProviderRoleResult(role.RoleName, role.Arn)
        {
            MaxSessionDuration = role.MaxSessionDuration ?? options.MaxSessionDuration ?? DefaultRoleSessionDuration,
            TrustPolicyDocument = role.AssumeRolePolicyDocument ?? TrustPolicyDocument,
        };

        if (created)
        {
            result.TrustPolicyStatus = SetupOutcome.Created;
        }
        else
        {
            // Only when the caller asked for a duration: an unspecified one has no opinion about the existing role.
            if (options.MaxSessionDuration is int asked && role.MaxSessionDuration is int existingMax && existingMax != asked)
            {
                _log.Warning($"IAM role '{role.RoleName}' exists with MaxSessionDuration {existingMax} s (asked {asked} s); it is left as it is.");
            }

            if (DeviceCredentials.CredentialRule.TrustDecision(role.RoleName, role.AssumeRolePolicyDocument, role.Arn, null, null).Allowed)
            {
                result.TrustPolicyStatus = SetupOutcome.Existing;
            }
            else
            {
                string updated = PolicyJson.AddServicePrincipal(role.AssumeRolePolicyDocument, AwsNames.CredentialsProviderPrincipal, AssumeRole);
                if (await Callbacks.AskAsync(shouldProcess, target, $"Add {AwsNames.CredentialsProviderPrincipal} (sts:AssumeRole) to the trust policy", cancellationToken).ConfigureAwait(false))
                {
                    await _session.Iam.UpdateAssumeRolePolicyAsync(role.RoleName, updated, cancellationToken).ConfigureAwait(false);
                    result.TrustPolicyStatus = SetupOutcome.Updated;
                    result.TrustPolicyDocument = updated;
                    changes.Add("UpdateAssumeRolePolicy");
                }
                else
                {
                    result.TrustPolicyStatus = SetupOutcome.Skipped;
                    declined.Add("UpdateAssumeRolePolicy");
                }
            }
        }

        var attached = created
            ? new List<string>()
            : (await _session.Iam.ListAllAttachedRolePoliciesAsync(role.RoleName, cancellationToken: cancellationToken).ConfigureAwait(false)).Select(p => p.PolicyArn).ToList();
        foreach (string arn in options.ManagedPolicyArns.Distinct(StringComparer.Ordinal))
        {
            if (attached.Contains(arn, StringComparer.Ordinal))
            {
                continue;
            }

            if (await Callbacks.AskAsync(shouldProcess, target, $"Attach managed policy {arn}", cancellationToken).ConfigureAwait(false))
            {
                await _session.Iam.AttachRolePolicyAsync(role.RoleName, arn, cancellationToken).ConfigureAwait(false);
                attached.Add(arn);
                changes.Add("AttachRolePolicy " + arn);
            }
            else
            {
                declined.Add("AttachRolePolicy " + arn);
            }
        }

        foreach (var inline in options.InlinePolicies)
        {
            string? existing = created ? null : await TryGetRolePolicyAsync(role.RoleName, inline.Key, cancellationToken).ConfigureAwait(false);
            if (existing is not null && PolicyJson.SameMeaning(existing, inline.Value))
            {
                continue;
            }

            if (existing is not null && !options.AllowUpdate)
            {
                throw new ZymException("InlinePolicyConflict", ZymErrorCategory.ResourceExists,
                    $"IAM role '{role.RoleName}' already has an inline policy '{inline.Key}' with a different document. Use -Force to replace it, or choose another policy name.", inline.Key);
            }

            string verb = existing is null ? "Put" : "Replace";
            if (await Callbacks.AskAsync(shouldProcess, target, $"{verb} inline policy '{inline.Key}'", cancellationToken).ConfigureAwait(false))
            {
                await _session.Iam.PutRolePolicyAsync(role.RoleName, inline.Key, inline.Value, cancellationToken).ConfigureAwait(false);
                changes.Add("PutRolePolicy " + inline.Key);
            }
            else
            {
                declined.Add("PutRolePolicy " + inline.Key);
            }
        }

        result.Status = created ? SetupOutcome.Created : changes.Count > 0 ? SetupOutcome.Updated : SetupOutcome.Existing;
        result.ManagedPolicyArns = attached;
        result.Changes = changes;
        result.DeclinedChanges = declined;
        return result;
    }

    /// <summary>
    /// Creates the role alias (or reports the existing one). The credential duration is checked against 900-43200 and
    /// the role's MaxSessionDuration before CreateRoleAlias is called.
    /// </summary>
    public async Task<RoleAliasResult> EnsureRoleAliasAsync(RoleAliasOptions options, Func<string, string, Task<bool>>? shouldProcess = null, CancellationToken cancellationToken = default)
    {
        if (options is null)
        {
            throw new ArgumentNullException(nameof(options));
        }

        ValidateAlias(options.RoleAlias);
        ValidateDurationRange(options.CredentialDurationSeconds, options.RoleAlias);
        string roleName;
        if (!string.IsNullOrEmpty(options.RoleArn))
        {
            roleName = AwsNames.RoleNameFromArn(options.RoleArn) ?? throw new ZymException("RoleArnInvalid", ZymErrorCategory.InvalidArgument,
                $"'{options.RoleArn}' is not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME).", options.RoleArn);
        }
        else if (!string.IsNullOrEmpty(options.RoleName))
        {
            roleName = options.RoleName!;
            ValidateRoleName(roleName);
        }
        else
        {
            throw new ZymException("RoleNotSpecified", ZymErrorCategory.InvalidArgument, $"Role alias '{options.RoleAlias}' needs a role: give its ARN or its name.", options.RoleAlias);
        }

        IamRole role = await TryGetRoleAsync(roleName, cancellationToken).ConfigureAwait(false) ?? throw new ZymException("RoleNotFound", ZymErrorCategory.ObjectNotFound,
            $"IAM role '{roleName}' does not exist; create it first (New-ZymCredentialProviderRole).", roleName);
        if (!string.IsNullOrEmpty(options.RoleArn) && !string.Equals(role.Arn, options.RoleArn, StringComparison.Ordinal))
        {
            throw new ZymException("RoleNotFound", ZymErrorCategory.ObjectNotFound,
                $"IAM role '{options.RoleArn}' does not exist (the role named '{roleName}' is {role.Arn}).", options.RoleArn);
        }

        return await EnsureRoleAliasCoreAsync(options.RoleAlias, role.Arn, role.MaxSessionDuration ?? MinRoleSessionDuration, options.CredentialDurationSeconds,
            options.AllowUpdate, shouldProcess, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Creates the IoT policy allowing iot:AssumeRoleWithCertificate on the role alias's ARN (account from STS, region
    /// from the session), or reports the existing one when its document says the same; a different document is an error.
    /// </summary>
    public async Task<IotPolicyResult> EnsureRoleAliasPolicyAsync(RoleAliasPolicyOptions options, Func<string, string, Task<bool>>? shouldProcess = null, CancellationToken cancellationToken = default)
    {
        if (options is null)
        {
            throw new ArgumentNullException(nameof(options));
        }

        ValidatePolicyName(options.PolicyName);
        ValidateAlias(options.RoleAlias);
        string account = await GetAccountIdAsync(cancellationToken).ConfigureAwait(false);
        string aliasArn = RoleAliasArn(_session.Region, account, options.RoleAlias);
        string document = BuildRoleAliasPolicyDocument(aliasArn, options.RequireAttachedThing);
        string target = $"IoT policy '{options.PolicyName}'";
        var existing = await TryGetPolicyAsync(options.PolicyName, cancellationToken).ConfigureAwait(false);
        if (existing is null)
        {
            if (!await Callbacks.AskAsync(shouldProcess, target, $"Create policy allowing iot:AssumeRoleWithCertificate on {aliasArn}", cancellationToken).ConfigureAwait(false))
            {
                return new IotPolicyResult(options.PolicyName, AwsNames.IotArn(_session.Region, account, "policy/" + options.PolicyName), document, SetupOutcome.Skipped);
            }

            try
            {
                var created = await _session.Iot.CreatePolicyAsync(options.PolicyName, document, cancellationToken).ConfigureAwait(false);
                _log.Verbose($"Created IoT policy {created.PolicyArn}.");
                return new IotPolicyResult(created.PolicyName, created.PolicyArn, document, SetupOutcome.Created);
            }
            catch (AwsServiceException ex) when (ex.IsAlreadyExists)
            {
                existing = await _session.Iot.GetPolicyAsync(options.PolicyName, cancellationToken).ConfigureAwait(false);
            }
        }

        if (!PolicyJson.SameMeaning(existing.PolicyDocument, document))
        {
            throw new ZymException("IotPolicyConflict", ZymErrorCategory.ResourceExists,
                $"IoT policy '{options.PolicyName}' already exists with a different document (expected iot:AssumeRoleWithCertificate on {aliasArn}" +
                (options.RequireAttachedThing ? " with iot:Connection.Thing.IsAttached" : string.Empty) + "). Choose another policy name or delete the existing policy.",
                options.PolicyName);
        }

        return new IotPolicyResult(existing.PolicyName, existing.PolicyArn, existing.PolicyDocument ?? document, SetupOutcome.Existing);
    }

    /// <summary>
    /// Role, role alias and IoT policy in one idempotent step, then the credentials endpoint. Every argument is checked
    /// before the first AWS call. A second run reports all three Existing and changes nothing.
    /// </summary>
    public async Task<CredentialProviderSetupResult> InitializeAsync(CredentialProviderInitializeOptions options, Func<string, string, Task<bool>>? shouldProcess = null, CancellationToken cancellationToken = default)
    {
        if (options is null)
        {
            throw new ArgumentNullException(nameof(options));
        }

        var roleOptions = new CredentialProviderRoleOptions(options.RoleName)
        {
            Path = options.RolePath,
            Description = options.RoleDescription,
            MaxSessionDuration = options.MaxSessionDuration,
            AllowUpdate = options.AllowUpdate,
        };
        foreach (string arn in options.ManagedPolicyArns)
        {
            roleOptions.ManagedPolicyArns.Add(arn);
        }

        foreach (var inline in options.InlinePolicies)
        {
            roleOptions.InlinePolicies[inline.Key] = inline.Value;
        }

        ValidateRole(roleOptions);
        ValidateAlias(options.RoleAlias);
        ValidatePolicyName(options.PolicyName);
        ValidateDurationRange(options.CredentialDurationSeconds, options.RoleAlias);
        if (options.MaxSessionDuration is int roleMax)
        {
            // Checked again against the role as it really is once it exists (an existing role keeps its own).
            ValidateDurationAgainstRole(options.CredentialDurationSeconds, roleMax, options.RoleName, options.RoleAlias);
        }

        string account = await GetAccountIdAsync(cancellationToken).ConfigureAwait(false);
        var role = await EnsureRoleAsync(roleOptions, shouldProcess, cancellationToken).ConfigureAwait(false);
        var alias = await EnsureRoleAliasCoreAsync(options.RoleAlias, role.RoleArn, role.MaxSessionDuration, options.CredentialDurationSeconds,
            options.AllowUpdate, shouldProcess, cancellationToken).ConfigureAwait(false);
        var policy = await EnsureRoleAliasPolicyAsync(new RoleAliasPolicyOptions(options.PolicyName, options.RoleAlias) { RequireAttachedThing = options.RequireAttachedThing },
            shouldProcess, cancellationToken).ConfigureAwait(false);
        string endpoint = await GetCredentialsEndpointAsync(cancellationToken).ConfigureAwait(false);
        return new CredentialProviderSetupResult(account, _session.Region, role, alias, policy, endpoint);
    }

    /// <summary>The provisioning user's least-privilege IAM policy, for the session's account (STS) and region.</summary>
    public async Task<ProvisionerPolicyResult> GetProvisionerPolicyAsync(ProvisionerPolicyOptions options, CancellationToken cancellationToken = default)
    {
        string account = await GetAccountIdAsync(cancellationToken).ConfigureAwait(false);
        return ProvisionerPolicyBuilder.Build(options ?? new ProvisionerPolicyOptions(), account, _session.Region);
    }

    /// <summary>IAM's limit on a user's inline policies, all together, in characters other than whitespace.</summary>
    public const int MaxUserInlinePolicySize = 2048;

    /// <summary>IAM's limit on a role's inline policies, all together, in characters other than whitespace.</summary>
    public const int MaxRoleInlinePolicySize = 10240;

    /// <summary>The inline policy name Get-ZymProvisionerPolicy -ApplyToUser/-ApplyToRole uses for a scope: "ZymAws-Provisioning", "ZymAws-Setup-Fleet", "ZymAws-All".</summary>
    public static string InlinePolicyName(ProvisionerPolicyScope scope)
    {
        scope = scope == 0 ? ProvisionerPolicyScope.Provisioning : scope;
        if (scope == ProvisionerPolicyScope.All)
        {
            return "ZymAws-All";
        }

        var parts = new List<string>();
        foreach (var one in new[] { ProvisionerPolicyScope.Provisioning, ProvisionerPolicyScope.Setup, ProvisionerPolicyScope.Fleet })
        {
            if ((scope & one) != 0)
            {
                parts.Add(one.ToString());
            }
        }

        return "ZymAws-" + string.Join("-", parts);
    }

    /// <summary>
    /// Puts <paramref name="policy"/> as the inline policy <paramref name="policyName"/> of an IAM user (PutUserPolicy) or
    /// role (PutRolePolicy), replacing an inline policy of that name; idempotent. Refused before any call when the
    /// document is larger than IAM takes for that kind of identity.
    /// </summary>
    /// <exception cref="ZymException">ProvisionerPolicyTargetInvalid, PolicyNameInvalid (InvalidArgument), ProvisionerPolicyTooLarge
    /// (LimitsExceeded); AWS errors (NoSuchEntity for a missing user or role).</exception>
    /// <returns>"user/NAME" or "role/NAME", or null when <paramref name="shouldProcess"/> declined.</returns>
    public async Task<string?> ApplyProvisionerPolicyAsync(ProvisionerPolicyResult policy, string? userName, string? roleName, string policyName,
        Func<string, string, Task<bool>>? shouldProcess = null, CancellationToken cancellationToken = default)
    {
        if (policy is null)
        {
            throw new ArgumentNullException(nameof(policy));
        }

        bool toUser = !string.IsNullOrEmpty(userName);
        if (toUser == !string.IsNullOrEmpty(roleName))
        {
            throw new ZymException("ProvisionerPolicyTargetInvalid", ZymErrorCategory.InvalidArgument, "Name one IAM user or one IAM role to put the policy on, not both.", userName ?? roleName);
        }

        string name = toUser ? userName! : roleName!;
        if (!AwsNames.IsRoleName(name))
        {
            throw new ZymException("ProvisionerPolicyTargetInvalid", ZymErrorCategory.InvalidArgument,
                $"'{name}' is not a valid IAM {(toUser ? "user" : "role")} name (1-64 letters, digits or +=,.@_-).", name);
        }

        if (!AwsNames.IsRoleName(policyName))
        {
            throw new ZymException("PolicyNameInvalid", ZymErrorCategory.InvalidArgument, $"'{policyName}' is not a valid IAM policy name (1-128 letters, digits or +=,.@_-).", policyName);
        }

        int size = policy.PolicyDocument.Count(c => !char.IsWhiteSpace(c));
        int limit = toUser ? MaxUserInlinePolicySize : MaxRoleInlinePolicySize;
        if (size > limit)
        {
            throw new ZymException("ProvisionerPolicyTooLarge", ZymErrorCategory.LimitsExceeded,
                $"The policy is {size} characters; IAM takes at most {limit} for all of a {(toUser ? "user's" : "role's")} inline policies together. " +
                (toUser ? "Put it on a role the user assumes (-ApplyToRole), or apply fewer scopes at a time, or create a managed policy from PolicyDocument." : "Apply fewer scopes at a time, or create a managed policy from PolicyDocument."),
                name);
        }

        string target = (toUser ? "user/" : "role/") + name;
        if (!await Callbacks.AskAsync(shouldProcess, target, $"Put inline IAM policy '{policyName}' ({policy.Actions.Count} actions)", cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        if (toUser)
        {
            await _session.Iam.PutUserPolicyAsync(name, policyName, policy.PolicyDocument, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await _session.Iam.PutRolePolicyAsync(name, policyName, policy.PolicyDocument, cancellationToken).ConfigureAwait(false);
        }

        return target;
    }

    /// <summary>
    /// The provisioning user's least-privilege IAM policy for a known account and region (no AWS call): the exact IoT
    /// actions Invoke-ZymDeviceProvisioning calls, scoped to certificate, CA, thing and policy ARNs where AWS allows it,
    /// plus iam:GetRole and iam:PassRole on the role when <see cref="ProvisionerPolicyOptions.RoleName"/> is set.
    /// </summary>
    public static ProvisionerPolicyResult BuildProvisionerPolicy(ProvisionerPolicyOptions options, string accountId, string region)
    {
        return ProvisionerPolicyBuilder.Build(options ?? new ProvisionerPolicyOptions(), accountId, region);
    }

    private async Task<RoleAliasResult> EnsureRoleAliasCoreAsync(string roleAlias, string roleArn, int roleMaxSessionDuration, int durationSeconds, bool allowUpdate,
        Func<string, string, Task<bool>>? shouldProcess, CancellationToken cancellationToken)
    {
        ValidateDurationAgainstRole(durationSeconds, roleMaxSessionDuration, roleArn, roleAlias);
        string target = $"IoT role alias '{roleAlias}'";
        IotRoleAliasDescription? existing = await TryDescribeRoleAliasAsync(roleAlias, cancellationToken).ConfigureAwait(false);
        if (existing is null)
        {
            string action = string.Format(CultureInfo.InvariantCulture, "Create role alias for role {0} (credentials last {1} s)", roleArn, durationSeconds);
            if (!await Callbacks.AskAsync(shouldProcess, target, action, cancellationToken).ConfigureAwait(false))
            {
                string account = await GetAccountIdAsync(cancellationToken).ConfigureAwait(false);
                return new RoleAliasResult(roleAlias, RoleAliasArn(_session.Region, account, roleAlias), roleArn, durationSeconds, SetupOutcome.Skipped)
                {
                    DeclinedChanges = new[] { "CreateRoleAlias" },
                };
            }

            try
            {
                var created = await _session.Iot.CreateRoleAliasAsync(new IotCreateRoleAliasRequest(roleAlias, roleArn) { CredentialDurationSeconds = durationSeconds }, cancellationToken).ConfigureAwait(false);
                _log.Verbose($"Created IoT role alias {created.RoleAliasArn}.");
                return new RoleAliasResult(created.RoleAlias, created.RoleAliasArn, roleArn, durationSeconds, SetupOutcome.Created);
            }
            catch (AwsServiceException ex) when (ex.IsAlreadyExists)
            {
                existing = await _session.Iot.DescribeRoleAliasAsync(roleAlias, cancellationToken).ConfigureAwait(false);
            }
        }

        int existingDuration = existing.CredentialDurationSeconds ?? 3600;
        bool sameRole = string.Equals(existing.RoleArn, roleArn, StringComparison.Ordinal);
        bool sameDuration = existingDuration == durationSeconds;
        if (sameRole && sameDuration)
        {
            return new RoleAliasResult(existing.RoleAlias, existing.RoleAliasArn, roleArn, existingDuration, SetupOutcome.Existing);
        }

        if (!allowUpdate)
        {
            if (!sameRole)
            {
                throw new ZymException("RoleAliasConflict", ZymErrorCategory.ResourceExists,
                    $"IoT role alias '{roleAlias}' already exists and points at {existing.RoleArn}, not {roleArn}. Use -Force to point it at the new role, or choose another alias name.", roleAlias);
            }

            _log.Warning(string.Format(CultureInfo.InvariantCulture, "IoT role alias '{0}' exists with credentials lasting {1} s (asked {2} s); it is left as it is (use -Force to change it).",
                roleAlias, existingDuration, durationSeconds));
            return new RoleAliasResult(existing.RoleAlias, existing.RoleAliasArn, roleArn, existingDuration, SetupOutcome.Existing);
        }

        string change = sameRole
            ? string.Format(CultureInfo.InvariantCulture, "Change credential duration from {0} s to {1} s", existingDuration, durationSeconds)
            : string.Format(CultureInfo.InvariantCulture, "Point at role {0} instead of {1} (credentials last {2} s)", roleArn, existing.RoleArn, durationSeconds);
        if (!await Callbacks.AskAsync(shouldProcess, target, change, cancellationToken).ConfigureAwait(false))
        {
            return new RoleAliasResult(existing.RoleAlias, existing.RoleAliasArn, existing.RoleArn ?? roleArn, existingDuration, SetupOutcome.Existing)
            {
                DeclinedChanges = new[] { "UpdateRoleAlias" },
            };
        }

        await _session.Iot.UpdateRoleAliasAsync(new IotUpdateRoleAliasRequest(roleAlias) { RoleArn = roleArn, CredentialDurationSeconds = durationSeconds }, cancellationToken).ConfigureAwait(false);
        return new RoleAliasResult(existing.RoleAlias, existing.RoleAliasArn, roleArn, durationSeconds, SetupOutcome.Updated);
    }

    private async Task<IamRole?> TryGetRoleAsync(string roleName, CancellationToken cancellationToken)
    {
        try
        {
            return await _session.Iam.GetRoleAsync(roleName, cancellationToken).ConfigureAwait(false);
        }
        catch (AwsServiceException ex) when (ex.IsNotFound)
        {
            return null;
        }
    }

    private async Task<string?> TryGetRolePolicyAsync(string roleName, string policyName, CancellationToken cancellationToken)
    {
        try
        {
            return await _session.Iam.GetRolePolicyAsync(roleName, policyName, cancellationToken).ConfigureAwait(false);
        }
        catch (AwsServiceException ex) when (ex.IsNotFound)
        {
            return null;
        }
    }

    private async Task<IotRoleAliasDescription?> TryDescribeRoleAliasAsync(string roleAlias, CancellationToken cancellationToken)
    {
        try
        {
            return await _session.Iot.DescribeRoleAliasAsync(roleAlias, cancellationToken).ConfigureAwait(false);
        }
        catch (AwsServiceException ex) when (ex.IsNotFound)
        {
            return null;
        }
    }

    private async Task<IotPolicyDescription?> TryGetPolicyAsync(string policyName, CancellationToken cancellationToken)
    {
        try
        {
            return await _session.Iot.GetPolicyAsync(policyName, cancellationToken).ConfigureAwait(false);
        }
        catch (AwsServiceException ex) when (ex.IsNotFound)
        {
            return null;
        }
    }

    private static void ValidateRole(CredentialProviderRoleOptions options)
    {
        ValidateRoleName(options.RoleName);
        if (options.MaxSessionDuration is int max && (max < MinRoleSessionDuration || max > MaxRoleSessionDuration))
        {
            throw new ZymException("MaxSessionDurationInvalid", ZymErrorCategory.InvalidArgument,
                string.Format(CultureInfo.InvariantCulture, "MaxSessionDuration must be {0}-{1} seconds (was {2}).", MinRoleSessionDuration, MaxRoleSessionDuration, options.MaxSessionDuration),
                options.MaxSessionDuration);
        }

        if (options.Path is not null && (!options.Path.StartsWith("/", StringComparison.Ordinal) || !options.Path.EndsWith("/", StringComparison.Ordinal)))
        {
            throw new ZymException("RolePathInvalid", ZymErrorCategory.InvalidArgument, $"A role path starts and ends with '/' (was '{options.Path}').", options.Path);
        }

        foreach (string arn in options.ManagedPolicyArns)
        {
            if (arn is null || !arn.StartsWith("arn:", StringComparison.Ordinal) || arn.IndexOf(":policy/", StringComparison.Ordinal) < 0)
            {
                throw new ZymException("PolicyArnInvalid", ZymErrorCategory.InvalidArgument, $"'{arn}' is not a managed policy ARN (arn:aws:iam::ACCOUNT:policy/NAME).", arn);
            }
        }

        foreach (var inline in options.InlinePolicies)
        {
            ValidatePolicyName(inline.Key);
            using (PolicyJson.Parse(inline.Value, $"Inline policy '{inline.Key}'", inline.Key))
            {
            }
        }
    }

    private static void ValidateRoleName(string? roleName)
    {
        if (!AwsNames.IsRoleName(roleName))
        {
            throw new ZymException("RoleNameInvalid", ZymErrorCategory.InvalidArgument, $"'{roleName}' is not a valid IAM role name (1-64 letters, digits or +=,.@_-).", roleName);
        }
    }

    private static void ValidatePolicyName(string? policyName)
    {
        if (!AwsNames.IsPolicyName(policyName))
        {
            throw new ZymException("PolicyNameInvalid", ZymErrorCategory.InvalidArgument, $"'{policyName}' is not a valid policy name (1-128 letters, digits or +=,.@_-).", policyName);
        }
    }

    private static void ValidateAlias(string? roleAlias)
    {
        if (!AwsNames.IsRoleAlias(roleAlias))
        {
            throw new ZymException("RoleAliasInvalid", ZymErrorCategory.InvalidArgument, $"'{roleAlias}' is not a valid role alias (1-128 letters, digits or =,@_-).", roleAlias);
        }
    }

    private static void ValidateDurationRange(int seconds, string roleAlias)
    {
        if (seconds < MinCredentialDurationSeconds || seconds > MaxCredentialDurationSeconds)
        {
            throw new ZymException("CredentialDurationInvalid", ZymErrorCategory.InvalidArgument,
                string.Format(CultureInfo.InvariantCulture, "The credential duration of role alias '{0}' must be {1}-{2} seconds (was {3}).", roleAlias, MinCredentialDurationSeconds, MaxCredentialDurationSeconds, seconds),
                roleAlias);
        }
    }

    private static void ValidateDurationAgainstRole(int seconds, int roleMaxSessionDuration, string role, string roleAlias)
    {
        if (seconds > roleMaxSessionDuration)
        {
            throw new ZymException("CredentialDurationInvalid", ZymErrorCategory.InvalidArgument,
                string.Format(CultureInfo.InvariantCulture, "The credential duration of role alias '{0}' ({1} s) exceeds the MaxSessionDuration of role {2} ({3} s); the credentials provider would refuse every device.",
                    roleAlias, seconds, role, roleMaxSessionDuration),
                roleAlias);
        }
    }
}
