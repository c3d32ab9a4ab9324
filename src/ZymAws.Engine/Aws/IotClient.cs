using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using ZymAws.Engine.Aws.Internal;

namespace ZymAws.Engine.Aws;

/// <summary>
/// Typed AWS IoT control-plane operations (REST-JSON, SigV4 service "iot"). Every call goes through the session's
/// rate limiter, retry policy and log; failures are <see cref="AwsServiceException"/>. Obtain from <see cref="AwsSession.Iot"/>.
/// </summary>
public sealed class IotClient
{
    private const string JsonContentType = "application/json";
    private readonly AwsRequestPipeline _pipeline;
    private readonly AwsServiceEndpoint _endpoint;

    internal IotClient(AwsRequestPipeline pipeline, AwsServiceEndpoint endpoint)
    {
        _pipeline = pipeline;
        _endpoint = endpoint;
    }

    /// <summary>The endpoint calls go to.</summary>
    public Uri Endpoint => _endpoint.BaseUri;

    // ---- CA certificates -------------------------------------------------------------------------------------------

    /// <summary>GetRegistrationCode: the code to put in a verification certificate's CN.</summary>
    public async Task<string> GetRegistrationCodeAsync(CancellationToken cancellationToken = default)
    {
        var json = await CallAsync("GetRegistrationCode", HttpMethod.Get, "/registrationcode", null, null, cancellationToken).ConfigureAwait(false);
        return Required(json.Str("registrationCode"), "registrationCode", "GetRegistrationCode");
    }

    /// <summary>RegisterCACertificate.</summary>
    public async Task<IotCertificateReference> RegisterCaCertificateAsync(IotRegisterCaCertificateRequest request, CancellationToken cancellationToken = default)
    {
        NotNull(request, nameof(request));
        string query = new QueryBuilder().Add("setAsActive", request.SetAsActive).Add("allowAutoRegistration", request.AllowAutoRegistration).ToString();
        var body = JsonBody.Write(w =>
        {
            w.WriteString("caCertificate", request.CaCertificatePem);
            w.Opt("verificationCertificate", request.VerificationCertificatePem);
            w.Opt("certificateMode", request.CertificateMode);
        });
        var json = await CallAsync("RegisterCACertificate", HttpMethod.Post, "/cacertificate" + query, Pki.CertificateFacts.IdFromPem(request.CaCertificatePem) ?? "CA certificate", body, cancellationToken).ConfigureAwait(false);
        return ReadReference(json, "RegisterCACertificate");
    }

    /// <summary>UpdateCACertificate (status and/or auto-registration).</summary>
    public async Task UpdateCaCertificateAsync(IotUpdateCaCertificateRequest request, CancellationToken cancellationToken = default)
    {
        NotNull(request, nameof(request));
        string query = new QueryBuilder().Add("newStatus", request.NewStatus).Add("newAutoRegistrationStatus", request.NewAutoRegistrationStatus).ToString();
        await CallAsync("UpdateCACertificate", HttpMethod.Put, "/cacertificate/" + Seg(request.CertificateId) + query, request.CertificateId, JsonBody.Write(_ => { }), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>DescribeCACertificate.</summary>
    public async Task<IotCaCertificateDescription> DescribeCaCertificateAsync(string certificateId, CancellationToken cancellationToken = default)
    {
        var json = await CallAsync("DescribeCACertificate", HttpMethod.Get, "/cacertificate/" + Seg(certificateId), certificateId, null, cancellationToken).ConfigureAwait(false);
        var d = json.Obj("certificateDescription");
        var validity = d.Obj("validity");
        return new IotCaCertificateDescription(d.Str("certificateId") ?? certificateId, d.Str("certificateArn") ?? string.Empty)
        {
            Status = d.Str("status"),
            CertificatePem = d.Str("certificatePem"),
            OwnedBy = d.Str("ownedBy"),
            CreationDate = d.Time("creationDate"),
            AutoRegistrationStatus = d.Str("autoRegistrationStatus"),
            LastModifiedDate = d.Time("lastModifiedDate"),
            CustomerVersion = d.Int("customerVersion"),
            GenerationId = d.Str("generationId"),
            ValidityNotBefore = validity.Time("notBefore"),
            ValidityNotAfter = validity.Time("notAfter"),
            CertificateMode = d.Str("certificateMode"),
        };
    }

    /// <summary>ListCACertificates, one page.</summary>
    public async Task<AwsPage<IotCertificateSummary>> ListCaCertificatesAsync(int? pageSize = null, string? marker = null, bool? ascendingOrder = null, CancellationToken cancellationToken = default)
    {
        string query = new QueryBuilder().Add("pageSize", pageSize).Add("marker", marker).Add("isAscendingOrder", ascendingOrder).ToString();
        var json = await CallAsync("ListCACertificates", HttpMethod.Get, "/cacertificates" + query, null, null, cancellationToken).ConfigureAwait(false);
        return new AwsPage<IotCertificateSummary>(json.Arr("certificates").Select(ReadSummary).ToList(), json.Str("nextMarker"));
    }

    /// <summary>ListCACertificates, every page.</summary>
    public Task<IReadOnlyList<IotCertificateSummary>> ListAllCaCertificatesAsync(int? pageSize = null, CancellationToken cancellationToken = default)
    {
        return Pager.AllAsync("ListCACertificates", marker => ListCaCertificatesAsync(pageSize, marker, null, cancellationToken));
    }

    /// <summary>DeleteCACertificate (the CA must be INACTIVE, and no certificate it issued may be registered).</summary>
    public async Task DeleteCaCertificateAsync(string certificateId, CancellationToken cancellationToken = default)
    {
        await CallAsync("DeleteCACertificate", HttpMethod.Delete, "/cacertificate/" + Seg(certificateId), certificateId, null, cancellationToken).ConfigureAwait(false);
    }

    // ---- Device certificates ---------------------------------------------------------------------------------------

    /// <summary>
    /// RegisterCertificate (a certificate signed by a registered CA). Registering the same certificate twice fails with
    /// an <see cref="AwsServiceException"/> whose <see cref="AwsServiceException.ResourceId"/> is the existing id.
    /// </summary>
    public async Task<IotCertificateReference> RegisterCertificateAsync(IotRegisterCertificateRequest request, CancellationToken cancellationToken = default)
    {
        NotNull(request, nameof(request));
        string query = new QueryBuilder().Add("setAsActive", request.SetAsActive).ToString();
        var body = JsonBody.Write(w =>
        {
            w.WriteString("certificatePem", request.CertificatePem);
            w.Opt("caCertificatePem", request.CaCertificatePem);
            w.Opt("status", request.Status);
        });
        var json = await CallAsync("RegisterCertificate", HttpMethod.Post, "/certificate/register" + query, Pki.CertificateFacts.IdFromPem(request.CertificatePem) ?? "certificate", body, cancellationToken).ConfigureAwait(false);
        return ReadReference(json, "RegisterCertificate");
    }

    /// <summary>RegisterCertificateWithoutCA (SNI_ONLY mode).</summary>
    public async Task<IotCertificateReference> RegisterCertificateWithoutCaAsync(string certificatePem, string? status = null, CancellationToken cancellationToken = default)
    {
        var body = JsonBody.Write(w =>
        {
            w.WriteString("certificatePem", certificatePem);
            w.Opt("status", status);
        });
        var json = await CallAsync("RegisterCertificateWithoutCA", HttpMethod.Post, "/certificate/register-no-ca", Pki.CertificateFacts.IdFromPem(certificatePem) ?? "certificate", body, cancellationToken).ConfigureAwait(false);
        return ReadReference(json, "RegisterCertificateWithoutCA");
    }

    /// <summary>
    /// CreateCertificateFromCsr: AWS IoT signs the CSR. NOT idempotent (the same CSR twice gives two certificates), so
    /// it is retried only when AWS says it throttled the request.
    /// </summary>
    public async Task<IotCreatedCertificate> CreateCertificateFromCsrAsync(string certificateSigningRequestPem, bool? setAsActive = null, CancellationToken cancellationToken = default)
    {
        string query = new QueryBuilder().Add("setAsActive", setAsActive).ToString();
        var body = JsonBody.Write(w => w.WriteString("certificateSigningRequest", certificateSigningRequestPem));
        var json = await CallAsync("CreateCertificateFromCsr", HttpMethod.Post, "/certificates" + query, "CSR", body, cancellationToken, idempotent: false).ConfigureAwait(false);
        return new IotCreatedCertificate(
            Required(json.Str("certificateId"), "certificateId", "CreateCertificateFromCsr"),
            Required(json.Str("certificateArn"), "certificateArn", "CreateCertificateFromCsr"),
            Required(json.Str("certificatePem"), "certificatePem", "CreateCertificateFromCsr"));
    }

    /// <summary>DescribeCertificate.</summary>
    public async Task<IotCertificateDescription> DescribeCertificateAsync(string certificateId, CancellationToken cancellationToken = default)
    {
        var json = await CallAsync("DescribeCertificate", HttpMethod.Get, "/certificates/" + Seg(certificateId), certificateId, null, cancellationToken).ConfigureAwait(false);
        var d = json.Obj("certificateDescription");
        var validity = d.Obj("validity");
        return new IotCertificateDescription(d.Str("certificateId") ?? certificateId, d.Str("certificateArn") ?? string.Empty)
        {
            CaCertificateId = d.Str("caCertificateId"),
            Status = d.Str("status"),
            CertificatePem = d.Str("certificatePem"),
            OwnedBy = d.Str("ownedBy"),
            PreviousOwnedBy = d.Str("previousOwnedBy"),
            CreationDate = d.Time("creationDate"),
            LastModifiedDate = d.Time("lastModifiedDate"),
            CustomerVersion = d.Int("customerVersion"),
            GenerationId = d.Str("generationId"),
            ValidityNotBefore = validity.Time("notBefore"),
            ValidityNotAfter = validity.Time("notAfter"),
            CertificateMode = d.Str("certificateMode"),
        };
    }

    /// <summary>UpdateCertificate: set a certificate's status (see <see cref="IotCertificateStatus"/>). Idempotent.</summary>
    public async Task UpdateCertificateAsync(string certificateId, string newStatus, CancellationToken cancellationToken = default)
    {
        string query = new QueryBuilder().Add("newStatus", newStatus).ToString();
        await CallAsync("UpdateCertificate", HttpMethod.Put, "/certificates/" + Seg(certificateId) + query, certificateId, null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>DeleteCertificate: the certificate must not be ACTIVE and have no policy or thing attached, unless <paramref name="forceDelete"/>.</summary>
    public async Task DeleteCertificateAsync(string certificateId, bool forceDelete = false, CancellationToken cancellationToken = default)
    {
        string query = new QueryBuilder().Add("forceDelete", forceDelete ? true : null).ToString();
        await CallAsync("DeleteCertificate", HttpMethod.Delete, "/certificates/" + Seg(certificateId) + query, certificateId, null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>ListCertificates, one page (every device certificate in the account and region).</summary>
    public async Task<AwsPage<IotCertificateSummary>> ListCertificatesAsync(int? pageSize = null, string? marker = null, bool? ascendingOrder = null, CancellationToken cancellationToken = default)
    {
        string query = new QueryBuilder().Add("pageSize", pageSize).Add("marker", marker).Add("isAscendingOrder", ascendingOrder).ToString();
        var json = await CallAsync("ListCertificates", HttpMethod.Get, "/certificates" + query, null, null, cancellationToken).ConfigureAwait(false);
        return new AwsPage<IotCertificateSummary>(json.Arr("certificates").Select(ReadSummary).ToList(), json.Str("nextMarker"));
    }

    /// <summary>ListCertificates, every page.</summary>
    public Task<IReadOnlyList<IotCertificateSummary>> ListAllCertificatesAsync(int? pageSize = null, CancellationToken cancellationToken = default)
    {
        return Pager.AllAsync("ListCertificates", marker => ListCertificatesAsync(pageSize, marker, null, cancellationToken));
    }

    /// <summary>ListCertificatesByCA, one page.</summary>
    public async Task<AwsPage<IotCertificateSummary>> ListCertificatesByCaAsync(string caCertificateId, int? pageSize = null, string? marker = null, bool? ascendingOrder = null, CancellationToken cancellationToken = default)
    {
        string query = new QueryBuilder().Add("pageSize", pageSize).Add("marker", marker).Add("isAscendingOrder", ascendingOrder).ToString();
        var json = await CallAsync("ListCertificatesByCA", HttpMethod.Get, "/certificates-by-ca/" + Seg(caCertificateId) + query, caCertificateId, null, cancellationToken).ConfigureAwait(false);
        return new AwsPage<IotCertificateSummary>(json.Arr("certificates").Select(ReadSummary).ToList(), json.Str("nextMarker"));
    }

    /// <summary>ListCertificatesByCA, every page.</summary>
    public Task<IReadOnlyList<IotCertificateSummary>> ListAllCertificatesByCaAsync(string caCertificateId, int? pageSize = null, CancellationToken cancellationToken = default)
    {
        return Pager.AllAsync("ListCertificatesByCA", marker => ListCertificatesByCaAsync(caCertificateId, pageSize, marker, null, cancellationToken));
    }

    // ---- Things ----------------------------------------------------------------------------------------------------

    /// <summary>CreateThing (idempotent for an identical request).</summary>
    public async Task<IotThingReference> CreateThingAsync(IotCreateThingRequest request, CancellationToken cancellationToken = default)
    {
        NotNull(request, nameof(request));
        var body = JsonBody.Write(w =>
        {
            w.Opt("thingTypeName", request.ThingTypeName);
            if (request.Attributes is not null)
            {
                w.WriteStartObject("attributePayload");
                w.Opt("attributes", request.Attributes);
                w.WriteEndObject();
            }

            w.Opt("billingGroupName", request.BillingGroupName);
        });
        var json = await CallAsync("CreateThing", HttpMethod.Post, "/things/" + Seg(request.ThingName), request.ThingName, body, cancellationToken).ConfigureAwait(false);
        return new IotThingReference(json.Str("thingName") ?? request.ThingName, Required(json.Str("thingArn"), "thingArn", "CreateThing"), json.Str("thingId"));
    }

    /// <summary>DescribeThing.</summary>
    public async Task<IotThing> DescribeThingAsync(string thingName, CancellationToken cancellationToken = default)
    {
        var json = await CallAsync("DescribeThing", HttpMethod.Get, "/things/" + Seg(thingName), thingName, null, cancellationToken).ConfigureAwait(false);
        return new IotThing(json.Str("thingName") ?? thingName, json.Str("thingArn") ?? string.Empty)
        {
            ThingId = json.Str("thingId"),
            ThingTypeName = json.Str("thingTypeName"),
            Attributes = json.Map("attributes"),
            Version = json.Long("version"),
            BillingGroupName = json.Str("billingGroupName"),
            DefaultClientId = json.Str("defaultClientId"),
        };
    }

    /// <summary>DeleteThing (fails while principals are attached).</summary>
    public async Task DeleteThingAsync(string thingName, long? expectedVersion = null, CancellationToken cancellationToken = default)
    {
        string query = new QueryBuilder().Add("expectedVersion", expectedVersion).ToString();
        await CallAsync("DeleteThing", HttpMethod.Delete, "/things/" + Seg(thingName) + query, thingName, null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>ListThings, one page.</summary>
    public async Task<AwsPage<IotThingSummary>> ListThingsAsync(IotListThingsRequest? request = null, CancellationToken cancellationToken = default)
    {
        request ??= new IotListThingsRequest();
        string query = new QueryBuilder()
            .Add("nextToken", request.NextToken)
            .Add("maxResults", request.MaxResults)
            .Add("attributeName", request.AttributeName)
            .Add("attributeValue", request.AttributeValue)
            .Add("thingTypeName", request.ThingTypeName)
            .Add("usePrefixAttributeValue", request.UsePrefixAttributeValue)
            .ToString();
        var json = await CallAsync("ListThings", HttpMethod.Get, "/things" + query, null, null, cancellationToken).ConfigureAwait(false);
        var things = json.Arr("things").Select(t => new IotThingSummary(t.Str("thingName") ?? string.Empty, t.Str("thingArn") ?? string.Empty)
        {
            ThingTypeName = t.Str("thingTypeName"),
            Attributes = t.Map("attributes"),
            Version = t.Long("version"),
        }).ToList();
        return new AwsPage<IotThingSummary>(things, json.Str("nextToken"));
    }

    /// <summary>ListThings, every page (the request's NextToken is ignored).</summary>
    public Task<IReadOnlyList<IotThingSummary>> ListAllThingsAsync(IotListThingsRequest? request = null, CancellationToken cancellationToken = default)
    {
        var filter = request ?? new IotListThingsRequest();
        return Pager.AllAsync("ListThings", token => ListThingsAsync(filter with { NextToken = token }, cancellationToken));
    }

    /// <summary>AttachThingPrincipal: attach a certificate (its ARN) to a thing.</summary>
    public async Task AttachThingPrincipalAsync(string thingName, string principal, CancellationToken cancellationToken = default)
    {
        var headers = new Dictionary<string, string> { ["x-amzn-principal"] = principal };
        await CallAsync("AttachThingPrincipal", HttpMethod.Put, "/things/" + Seg(thingName) + "/principals", thingName, null, cancellationToken, headers: headers).ConfigureAwait(false);
    }

    /// <summary>DetachThingPrincipal (asynchronous on AWS: the detachment may take a moment to show).</summary>
    public async Task DetachThingPrincipalAsync(string thingName, string principal, CancellationToken cancellationToken = default)
    {
        var headers = new Dictionary<string, string> { ["x-amzn-principal"] = principal };
        await CallAsync("DetachThingPrincipal", HttpMethod.Delete, "/things/" + Seg(thingName) + "/principals", thingName, null, cancellationToken, headers: headers).ConfigureAwait(false);
    }

    /// <summary>ListThingPrincipals, one page: the principals (certificate ARNs) attached to a thing.</summary>
    public async Task<AwsPage<string>> ListThingPrincipalsAsync(string thingName, int? maxResults = null, string? nextToken = null, CancellationToken cancellationToken = default)
    {
        string query = new QueryBuilder().Add("nextToken", nextToken).Add("maxResults", maxResults).ToString();
        var json = await CallAsync("ListThingPrincipals", HttpMethod.Get, "/things/" + Seg(thingName) + "/principals" + query, thingName, null, cancellationToken).ConfigureAwait(false);
        return new AwsPage<string>(json.Arr("principals").Select(p => p.GetString() ?? string.Empty).ToList(), json.Str("nextToken"));
    }

    /// <summary>ListThingPrincipals, every page.</summary>
    public Task<IReadOnlyList<string>> ListAllThingPrincipalsAsync(string thingName, int? maxResults = null, CancellationToken cancellationToken = default)
    {
        return Pager.AllAsync("ListThingPrincipals", token => ListThingPrincipalsAsync(thingName, maxResults, token, cancellationToken));
    }

    /// <summary>ListPrincipalThings, one page: the things a principal (certificate ARN) is attached to.</summary>
    public async Task<AwsPage<string>> ListPrincipalThingsAsync(string principal, int? maxResults = null, string? nextToken = null, CancellationToken cancellationToken = default)
    {
        string query = new QueryBuilder().Add("nextToken", nextToken).Add("maxResults", maxResults).ToString();
        var headers = new Dictionary<string, string> { ["x-amzn-principal"] = principal };
        var json = await CallAsync("ListPrincipalThings", HttpMethod.Get, "/principals/things" + query, principal, null, cancellationToken, headers: headers).ConfigureAwait(false);
        return new AwsPage<string>(json.Arr("things").Select(p => p.GetString() ?? string.Empty).ToList(), json.Str("nextToken"));
    }

    /// <summary>ListPrincipalThings, every page.</summary>
    public Task<IReadOnlyList<string>> ListAllPrincipalThingsAsync(string principal, int? maxResults = null, CancellationToken cancellationToken = default)
    {
        return Pager.AllAsync("ListPrincipalThings", token => ListPrincipalThingsAsync(principal, maxResults, token, cancellationToken));
    }

    // ---- Policies --------------------------------------------------------------------------------------------------

    /// <summary>CreatePolicy.</summary>
    public async Task<IotCreatedPolicy> CreatePolicyAsync(string policyName, string policyDocument, CancellationToken cancellationToken = default)
    {
        var body = JsonBody.Write(w => w.WriteString("policyDocument", policyDocument));
        var json = await CallAsync("CreatePolicy", HttpMethod.Post, "/policies/" + Seg(policyName), policyName, body, cancellationToken).ConfigureAwait(false);
        return new IotCreatedPolicy(json.Str("policyName") ?? policyName, Required(json.Str("policyArn"), "policyArn", "CreatePolicy"))
        {
            PolicyDocument = json.Str("policyDocument"),
            PolicyVersionId = json.Str("policyVersionId"),
        };
    }

    /// <summary>GetPolicy.</summary>
    public async Task<IotPolicyDescription> GetPolicyAsync(string policyName, CancellationToken cancellationToken = default)
    {
        var json = await CallAsync("GetPolicy", HttpMethod.Get, "/policies/" + Seg(policyName), policyName, null, cancellationToken).ConfigureAwait(false);
        return new IotPolicyDescription(json.Str("policyName") ?? policyName, json.Str("policyArn") ?? string.Empty)
        {
            PolicyDocument = json.Str("policyDocument"),
            DefaultVersionId = json.Str("defaultVersionId"),
            CreationDate = json.Time("creationDate"),
            LastModifiedDate = json.Time("lastModifiedDate"),
            GenerationId = json.Str("generationId"),
        };
    }

    /// <summary>AttachPolicy: attach a policy to a target (a certificate ARN, thing group ARN...).</summary>
    public async Task AttachPolicyAsync(string policyName, string target, CancellationToken cancellationToken = default)
    {
        var body = JsonBody.Write(w => w.WriteString("target", target));
        await CallAsync("AttachPolicy", HttpMethod.Put, "/target-policies/" + Seg(policyName), policyName, body, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>DetachPolicy.</summary>
    public async Task DetachPolicyAsync(string policyName, string target, CancellationToken cancellationToken = default)
    {
        var body = JsonBody.Write(w => w.WriteString("target", target));
        await CallAsync("DetachPolicy", HttpMethod.Post, "/target-policies/" + Seg(policyName), policyName, body, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>ListAttachedPolicies, one page: the policies attached to a target (e.g. a certificate ARN).</summary>
    public async Task<AwsPage<IotPolicySummary>> ListAttachedPoliciesAsync(string target, bool? recursive = null, int? pageSize = null, string? marker = null, CancellationToken cancellationToken = default)
    {
        string query = new QueryBuilder().Add("recursive", recursive).Add("marker", marker).Add("pageSize", pageSize).ToString();
        var json = await CallAsync("ListAttachedPolicies", HttpMethod.Post, "/attached-policies/" + Seg(target) + query, target, null, cancellationToken).ConfigureAwait(false);
        var policies = json.Arr("policies").Select(p => new IotPolicySummary(p.Str("policyName") ?? string.Empty, p.Str("policyArn") ?? string.Empty)).ToList();
        return new AwsPage<IotPolicySummary>(policies, json.Str("nextMarker"));
    }

    /// <summary>ListAttachedPolicies, every page.</summary>
    public Task<IReadOnlyList<IotPolicySummary>> ListAllAttachedPoliciesAsync(string target, bool? recursive = null, int? pageSize = null, CancellationToken cancellationToken = default)
    {
        return Pager.AllAsync("ListAttachedPolicies", marker => ListAttachedPoliciesAsync(target, recursive, pageSize, marker, cancellationToken));
    }

    // ---- Role aliases and endpoints --------------------------------------------------------------------------------

    /// <summary>ListPolicies, one page.</summary>
    public async Task<AwsPage<IotPolicySummary>> ListPoliciesAsync(int? pageSize = null, string? marker = null, CancellationToken cancellationToken = default)
    {
        string query = new QueryBuilder().Add("marker", marker).Add("pageSize", pageSize).ToString();
        var json = await CallAsync("ListPolicies", HttpMethod.Get, "/policies" + query, null, null, cancellationToken).ConfigureAwait(false);
        var policies = json.Arr("policies").Select(p => new IotPolicySummary(p.Str("policyName") ?? string.Empty, p.Str("policyArn") ?? string.Empty)).ToList();
        return new AwsPage<IotPolicySummary>(policies, json.Str("nextMarker"));
    }

    /// <summary>ListPolicies, every page.</summary>
    public Task<IReadOnlyList<IotPolicySummary>> ListAllPoliciesAsync(int? pageSize = null, CancellationToken cancellationToken = default)
    {
        return Pager.AllAsync("ListPolicies", marker => ListPoliciesAsync(pageSize, marker, cancellationToken));
    }

    /// <summary>ListTargetsForPolicy, one page: the principals (certificate ARNs, ...) the policy is attached to.</summary>
    public async Task<AwsPage<string>> ListTargetsForPolicyAsync(string policyName, int? pageSize = null, string? marker = null, CancellationToken cancellationToken = default)
    {
        string query = new QueryBuilder().Add("marker", marker).Add("pageSize", pageSize).ToString();
        var json = await CallAsync("ListTargetsForPolicy", HttpMethod.Post, "/policy-targets/" + Seg(policyName) + query, policyName, null, cancellationToken).ConfigureAwait(false);
        return new AwsPage<string>(json.Arr("targets").Select(t => t.GetString() ?? string.Empty).ToList(), json.Str("nextMarker"));
    }

    /// <summary>ListTargetsForPolicy, every page.</summary>
    public Task<IReadOnlyList<string>> ListAllTargetsForPolicyAsync(string policyName, int? pageSize = null, CancellationToken cancellationToken = default)
    {
        return Pager.AllAsync("ListTargetsForPolicy", marker => ListTargetsForPolicyAsync(policyName, pageSize, marker, cancellationToken));
    }

    /// <summary>ListPolicyVersions: (version id, whether it is the default).</summary>
    public async Task<IReadOnlyList<(string VersionId, bool IsDefault)>> ListPolicyVersionsAsync(string policyName, CancellationToken cancellationToken = default)
    {
        var json = await CallAsync("ListPolicyVersions", HttpMethod.Get, "/policies/" + Seg(policyName) + "/version", policyName, null, cancellationToken).ConfigureAwait(false);
        return json.Arr("policyVersions").Select(v => (v.Str("versionId") ?? string.Empty, v.TryGetProperty("isDefaultVersion", out var d) && d.ValueKind == System.Text.Json.JsonValueKind.True)).ToList();
    }

    /// <summary>DeletePolicyVersion (not the default version).</summary>
    public async Task DeletePolicyVersionAsync(string policyName, string versionId, CancellationToken cancellationToken = default)
    {
        await CallAsync("DeletePolicyVersion", HttpMethod.Delete, "/policies/" + Seg(policyName) + "/version/" + Seg(versionId), policyName, null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>DeletePolicy (it must be attached to nothing, and have no versions besides the default).</summary>
    public async Task DeletePolicyAsync(string policyName, CancellationToken cancellationToken = default)
    {
        await CallAsync("DeletePolicy", HttpMethod.Delete, "/policies/" + Seg(policyName), policyName, null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>ListRoleAliases, one page (names).</summary>
    public async Task<AwsPage<string>> ListRoleAliasesAsync(int? pageSize = null, string? marker = null, CancellationToken cancellationToken = default)
    {
        string query = new QueryBuilder().Add("pageSize", pageSize).Add("marker", marker).ToString();
        var json = await CallAsync("ListRoleAliases", HttpMethod.Get, "/role-aliases" + query, null, null, cancellationToken).ConfigureAwait(false);
        return new AwsPage<string>(json.Arr("roleAliases").Select(t => t.GetString() ?? string.Empty).ToList(), json.Str("nextMarker"));
    }

    /// <summary>ListRoleAliases, every page.</summary>
    public Task<IReadOnlyList<string>> ListAllRoleAliasesAsync(int? pageSize = null, CancellationToken cancellationToken = default)
    {
        return Pager.AllAsync("ListRoleAliases", marker => ListRoleAliasesAsync(pageSize, marker, cancellationToken));
    }

    /// <summary>DeleteRoleAlias.</summary>
    public async Task DeleteRoleAliasAsync(string roleAlias, CancellationToken cancellationToken = default)
    {
        await CallAsync("DeleteRoleAlias", HttpMethod.Delete, "/role-aliases/" + Seg(roleAlias), roleAlias, null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>CreateRoleAlias.</summary>
    public async Task<IotRoleAliasReference> CreateRoleAliasAsync(IotCreateRoleAliasRequest request, CancellationToken cancellationToken = default)
    {
        NotNull(request, nameof(request));
        var body = JsonBody.Write(w =>
        {
            w.WriteString("roleArn", request.RoleArn);
            w.Opt("credentialDurationSeconds", request.CredentialDurationSeconds);
        });
        var json = await CallAsync("CreateRoleAlias", HttpMethod.Post, "/role-aliases/" + Seg(request.RoleAlias), request.RoleAlias, body, cancellationToken).ConfigureAwait(false);
        return new IotRoleAliasReference(json.Str("roleAlias") ?? request.RoleAlias, Required(json.Str("roleAliasArn"), "roleAliasArn", "CreateRoleAlias"));
    }

    /// <summary>DescribeRoleAlias.</summary>
    public async Task<IotRoleAliasDescription> DescribeRoleAliasAsync(string roleAlias, CancellationToken cancellationToken = default)
    {
        var json = await CallAsync("DescribeRoleAlias", HttpMethod.Get, "/role-aliases/" + Seg(roleAlias), roleAlias, null, cancellationToken).ConfigureAwait(false);
        var d = json.Obj("roleAliasDescription");
        return new IotRoleAliasDescription(d.Str("roleAlias") ?? roleAlias, d.Str("roleAliasArn") ?? string.Empty)
        {
            RoleArn = d.Str("roleArn"),
            Owner = d.Str("owner"),
            CredentialDurationSeconds = d.Int("credentialDurationSeconds"),
            CreationDate = d.Time("creationDate"),
            LastModifiedDate = d.Time("lastModifiedDate"),
        };
    }

    /// <summary>UpdateRoleAlias.</summary>
    public async Task<IotRoleAliasReference> UpdateRoleAliasAsync(IotUpdateRoleAliasRequest request, CancellationToken cancellationToken = default)
    {
        NotNull(request, nameof(request));
        var body = JsonBody.Write(w =>
        {
            w.Opt("roleArn", request.RoleArn);
            w.Opt("credentialDurationSeconds", request.CredentialDurationSeconds);
        });
        var json = await CallAsync("UpdateRoleAlias", HttpMethod.Put, "/role-aliases/" + Seg(request.RoleAlias), request.RoleAlias, body, cancellationToken).ConfigureAwait(false);
        return new IotRoleAliasReference(json.Str("roleAlias") ?? request.RoleAlias, json.Str("roleAliasArn") ?? string.Empty);
    }

    /// <summary>
    /// DescribeEndpoint, e.g. <see cref="IotEndpointType.CredentialProvider"/> gives "&lt;prefix&gt;.credentials.iot.&lt;region&gt;.amazonaws.com"
    /// (stable per account and region on AWS; moto makes up a new prefix on every call).
    /// </summary>
    public async Task<string> DescribeEndpointAsync(string? endpointType = IotEndpointType.DataAts, CancellationToken cancellationToken = default)
    {
        string query = new QueryBuilder().Add("endpointType", endpointType).ToString();
        var json = await CallAsync("DescribeEndpoint", HttpMethod.Get, "/endpoint" + query, endpointType, null, cancellationToken).ConfigureAwait(false);
        return Required(json.Str("endpointAddress"), "endpointAddress", "DescribeEndpoint");
    }

    // ---- plumbing --------------------------------------------------------------------------------------------------

    private async Task<JsonElement> CallAsync(string operation, HttpMethod method, string pathAndQuery, string? target, byte[]? body,
        CancellationToken cancellationToken, bool idempotent = true, Dictionary<string, string>? headers = null)
    {
        var request = new AwsHttpRequest(operation, method, pathAndQuery)
        {
            Target = target,
            Body = body,
            ContentType = body is null ? null : JsonContentType,
            Idempotent = idempotent,
        };
        if (headers is not null)
        {
            foreach (var header in headers)
            {
                request.Headers[header.Key] = header.Value;
            }
        }

        var response = await _pipeline.SendAsync(_endpoint, request, cancellationToken).ConfigureAwait(false);
        if (response.Body.Length == 0)
        {
            return default;
        }

        try
        {
            using var doc = JsonDocument.Parse(response.Body);
            return doc.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            // AWS answered 2xx: the call took effect, but what it made is not known.
            throw new AwsServiceException("iot", operation, "MalformedResponse", "The response body is not JSON: " + ex.Message, response.RequestId, response.StatusCode, target, outcomeUnknown: true);
        }
    }

    private static IotCertificateReference ReadReference(JsonElement json, string operation)
    {
        return new IotCertificateReference(Required(json.Str("certificateId"), "certificateId", operation), Required(json.Str("certificateArn"), "certificateArn", operation));
    }

    private static IotCertificateSummary ReadSummary(JsonElement c)
    {
        return new IotCertificateSummary(c.Str("certificateId") ?? string.Empty, c.Str("certificateArn") ?? string.Empty)
        {
            Status = c.Str("status"),
            CertificateMode = c.Str("certificateMode"),
            CreationDate = c.Time("creationDate"),
        };
    }

    private static string Required(string? value, string member, string operation)
    {
        return value ?? throw new AwsServiceException("iot", operation, "MalformedResponse", $"The response has no '{member}'.", null, null, null, outcomeUnknown: true);
    }

    private static string Seg(string value)
    {
        if (string.IsNullOrEmpty(value))
        {
            throw new ZymException("AwsArgumentMissing", ZymErrorCategory.InvalidArgument, "A required name or id is empty.", value);
        }

        return Uri.EscapeDataString(value);
    }

    private static void NotNull(object? value, string name)
    {
        if (value is null)
        {
            throw new ArgumentNullException(name);
        }
    }
}
