using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net.Http;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using System.Xml;
using System.Xml.Linq;
using ZymAws.Engine.Aws.Internal;

namespace ZymAws.Engine.Aws;

/// <summary>
/// Typed IAM operations (Query protocol, XML responses). IAM is global: requests go to the partition's IAM endpoint,
/// signed for us-east-1 in the commercial partition. Obtain from <see cref="AwsSession.Iam"/>.
/// </summary>
public sealed class IamClient
{
    private const string Version = "2010-05-08";
    private const string FormContentType = "application/x-www-form-urlencoded; charset=utf-8";
    private readonly AwsRequestPipeline _pipeline;
    private readonly AwsServiceEndpoint _endpoint;

    internal IamClient(AwsRequestPipeline pipeline, AwsServiceEndpoint endpoint)
    {
        _pipeline = pipeline;
        _endpoint = endpoint;
    }

    /// <summary>The endpoint calls go to.</summary>
    public Uri Endpoint => _endpoint.BaseUri;

    /// <summary>CreateRole.</summary>
    public async Task<IamRole> CreateRoleAsync(IamCreateRoleRequest request, CancellationToken cancellationToken = default)
    {
        if (request is null)
        {
            throw new ArgumentNullException(nameof(request));
        }

        var form = new FormBuilder("CreateRole", Version)
            .Add("RoleName", request.RoleName)
            .Add("AssumeRolePolicyDocument", request.AssumeRolePolicyDocument)
            .Add("Path", request.Path)
            .Add("Description", request.Description)
            .Add("MaxSessionDuration", request.MaxSessionDuration)
            .Add("PermissionsBoundary", request.PermissionsBoundary);
        var result = await CallAsync("CreateRole", form, request.RoleName, cancellationToken).ConfigureAwait(false);
        return ReadRole(Child(result, "Role"), request.RoleName);
    }

    /// <summary>GetRole.</summary>
    public async Task<IamRole> GetRoleAsync(string roleName, CancellationToken cancellationToken = default)
    {
        var result = await CallAsync("GetRole", new FormBuilder("GetRole", Version).Add("RoleName", roleName), roleName, cancellationToken).ConfigureAwait(false);
        return ReadRole(Child(result, "Role"), roleName);
    }

    /// <summary>UpdateAssumeRolePolicy: replace the role's trust policy.</summary>
    public async Task UpdateAssumeRolePolicyAsync(string roleName, string policyDocument, CancellationToken cancellationToken = default)
    {
        var form = new FormBuilder("UpdateAssumeRolePolicy", Version).Add("RoleName", roleName).Add("PolicyDocument", policyDocument);
        await CallAsync("UpdateAssumeRolePolicy", form, roleName, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>PutRolePolicy: create or replace an inline policy (idempotent).</summary>
    public async Task PutRolePolicyAsync(string roleName, string policyName, string policyDocument, CancellationToken cancellationToken = default)
    {
        var form = new FormBuilder("PutRolePolicy", Version).Add("RoleName", roleName).Add("PolicyName", policyName).Add("PolicyDocument", policyDocument);
        await CallAsync("PutRolePolicy", form, roleName + "/" + policyName, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>PutUserPolicy: create or replace a user's inline policy (idempotent).</summary>
    public async Task PutUserPolicyAsync(string userName, string policyName, string policyDocument, CancellationToken cancellationToken = default)
    {
        var form = new FormBuilder("PutUserPolicy", Version).Add("UserName", userName).Add("PolicyName", policyName).Add("PolicyDocument", policyDocument);
        await CallAsync("PutUserPolicy", form, userName + "/" + policyName, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>GetRolePolicy: an inline policy's document (URL-decoded JSON).</summary>
    public async Task<string> GetRolePolicyAsync(string roleName, string policyName, CancellationToken cancellationToken = default)
    {
        var form = new FormBuilder("GetRolePolicy", Version).Add("RoleName", roleName).Add("PolicyName", policyName);
        var result = await CallAsync("GetRolePolicy", form, roleName + "/" + policyName, cancellationToken).ConfigureAwait(false);
        string document = Text(result, "PolicyDocument") ?? throw new AwsServiceException("iam", "GetRolePolicy", "MalformedResponse", "The response has no PolicyDocument.", null, null, roleName + "/" + policyName);
        return QueryXml.DecodePolicy(document);
    }

    /// <summary>AttachRolePolicy: attach a managed policy by ARN (idempotent).</summary>
    public async Task AttachRolePolicyAsync(string roleName, string policyArn, CancellationToken cancellationToken = default)
    {
        var form = new FormBuilder("AttachRolePolicy", Version).Add("RoleName", roleName).Add("PolicyArn", policyArn);
        await CallAsync("AttachRolePolicy", form, roleName, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>DetachRolePolicy: detach a managed policy by ARN.</summary>
    public async Task DetachRolePolicyAsync(string roleName, string policyArn, CancellationToken cancellationToken = default)
    {
        var form = new FormBuilder("DetachRolePolicy", Version).Add("RoleName", roleName).Add("PolicyArn", policyArn);
        await CallAsync("DetachRolePolicy", form, roleName, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>ListRolePolicies, one page: the names of the role's inline policies.</summary>
    public async Task<AwsPage<string>> ListRolePoliciesAsync(string roleName, int? maxItems = null, string? marker = null, CancellationToken cancellationToken = default)
    {
        var form = new FormBuilder("ListRolePolicies", Version).Add("RoleName", roleName).Add("Marker", marker).Add("MaxItems", maxItems);
        var result = await CallAsync("ListRolePolicies", form, roleName, cancellationToken).ConfigureAwait(false);
        var items = Child(result, "PolicyNames")?.Elements().Where(e => e.Name.LocalName == "member").Select(m => m.Value).ToList() ?? new List<string>();
        bool truncated = string.Equals(Text(result, "IsTruncated"), "true", StringComparison.OrdinalIgnoreCase);
        return new AwsPage<string>(items, truncated ? Text(result, "Marker") : null);
    }

    /// <summary>ListRolePolicies, every page.</summary>
    public Task<IReadOnlyList<string>> ListAllRolePoliciesAsync(string roleName, CancellationToken cancellationToken = default)
    {
        return Pager.AllAsync("ListRolePolicies", marker => ListRolePoliciesAsync(roleName, null, marker, cancellationToken));
    }

    /// <summary>DeleteRolePolicy: delete an inline policy.</summary>
    public async Task DeleteRolePolicyAsync(string roleName, string policyName, CancellationToken cancellationToken = default)
    {
        var form = new FormBuilder("DeleteRolePolicy", Version).Add("RoleName", roleName).Add("PolicyName", policyName);
        await CallAsync("DeleteRolePolicy", form, roleName + "/" + policyName, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>ListRoles, the first page (up to 1000): role names.</summary>
    public async Task<IReadOnlyList<string>> ListRolesAsync(CancellationToken cancellationToken = default)
    {
        var result = await CallAsync("ListRoles", new FormBuilder("ListRoles", Version).Add("MaxItems", 1000), null, cancellationToken).ConfigureAwait(false);
        return Child(result, "Roles")?.Elements().Where(e => e.Name.LocalName == "member").Select(m => Text(m, "RoleName") ?? string.Empty).Where(n => n.Length > 0).ToList()
            ?? new List<string>();
    }

    /// <summary>DeleteRole (its managed policies detached and inline policies deleted first).</summary>
    public async Task DeleteRoleAsync(string roleName, CancellationToken cancellationToken = default)
    {
        await CallAsync("DeleteRole", new FormBuilder("DeleteRole", Version).Add("RoleName", roleName), roleName, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>ListAttachedRolePolicies, one page (NextToken is IAM's Marker, set only when the list is truncated).</summary>
    public async Task<AwsPage<IamAttachedPolicy>> ListAttachedRolePoliciesAsync(string roleName, int? maxItems = null, string? marker = null, string? pathPrefix = null, CancellationToken cancellationToken = default)
    {
        var form = new FormBuilder("ListAttachedRolePolicies", Version).Add("RoleName", roleName).Add("PathPrefix", pathPrefix).Add("Marker", marker).Add("MaxItems", maxItems);
        var result = await CallAsync("ListAttachedRolePolicies", form, roleName, cancellationToken).ConfigureAwait(false);
        var items = Child(result, "AttachedPolicies")?.Elements().Where(e => e.Name.LocalName == "member")
            .Select(m => new IamAttachedPolicy(Text(m, "PolicyName") ?? string.Empty, Text(m, "PolicyArn") ?? string.Empty))
            .ToList() ?? new List<IamAttachedPolicy>();
        bool truncated = string.Equals(Text(result, "IsTruncated"), "true", StringComparison.OrdinalIgnoreCase);
        return new AwsPage<IamAttachedPolicy>(items, truncated ? Text(result, "Marker") : null);
    }

    /// <summary>ListAttachedRolePolicies, every page.</summary>
    public Task<IReadOnlyList<IamAttachedPolicy>> ListAllAttachedRolePoliciesAsync(string roleName, int? maxItems = null, CancellationToken cancellationToken = default)
    {
        return Pager.AllAsync("ListAttachedRolePolicies", marker => ListAttachedRolePoliciesAsync(roleName, maxItems, marker, null, cancellationToken));
    }

    private async Task<XElement?> CallAsync(string operation, FormBuilder form, string? target, CancellationToken cancellationToken)
    {
        var request = new AwsHttpRequest(operation, HttpMethod.Post, "/")
        {
            Target = target,
            Body = form.ToBytes(),
            ContentType = FormContentType,
        };
        var response = await _pipeline.SendAsync(_endpoint, request, cancellationToken).ConfigureAwait(false);
        return QueryXml.ReadResult("iam", operation, response, target);
    }

    private static IamRole ReadRole(XElement? role, string fallbackName)
    {
        if (role is null)
        {
            throw new AwsServiceException("iam", "GetRole", "MalformedResponse", "The response has no Role element.", null, null, fallbackName);
        }

        string? document = Text(role, "AssumeRolePolicyDocument");
        return new IamRole(Text(role, "RoleName") ?? fallbackName, Text(role, "Arn") ?? string.Empty)
        {
            RoleId = Text(role, "RoleId"),
            Path = Text(role, "Path"),
            CreateDate = QueryXml.ParseTime(Text(role, "CreateDate")),
            AssumeRolePolicyDocument = document is null ? null : QueryXml.DecodePolicy(document),
            Description = Text(role, "Description"),
            MaxSessionDuration = int.TryParse(Text(role, "MaxSessionDuration"), NumberStyles.Integer, CultureInfo.InvariantCulture, out int max) ? max : null,
        };
    }

    private static XElement? Child(XElement? parent, string name) => parent?.Elements().FirstOrDefault(e => e.Name.LocalName == name);

    private static string? Text(XElement? parent, string name) => Child(parent, name)?.Value;
}
