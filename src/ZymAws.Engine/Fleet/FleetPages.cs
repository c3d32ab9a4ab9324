using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using ZymAws.Engine.Aws;
using ZymAws.Engine.Aws.Internal;

namespace ZymAws.Engine.Fleet;

/// <summary>
/// The fleet read by pages of <see cref="PageSize"/> (AWS's largest): a few calls per 250 devices instead of several per
/// device. Each page goes to the caller as it arrives and nothing is kept here, so a listing of any size runs in
/// constant memory; what to keep is the caller's choice (<see cref="FleetReader"/> keeps every certificate for a
/// listing, provisioning's reconcile keeps compact facts). Returns the number of pages (= calls) read.
/// </summary>
internal static class FleetPages
{
    /// <summary>The largest page every IoT list operation accepts.</summary>
    public const int PageSize = 250;

    /// <summary>The certificates a registered CA issued (ListCertificatesByCA, with status), or every certificate (ListCertificates) when <paramref name="caCertificateId"/> is null.</summary>
    public static Task<int> CertificatesAsync(IotClient iot, string? caCertificateId, Func<IReadOnlyList<IotCertificateSummary>, Task> onPage, CancellationToken cancellationToken)
    {
        return caCertificateId is null
            ? Pager.EachAsync("ListCertificates", marker => iot.ListCertificatesAsync(PageSize, marker, null, cancellationToken), onPage)
            : Pager.EachAsync("ListCertificatesByCA", marker => iot.ListCertificatesByCaAsync(caCertificateId, PageSize, marker, null, cancellationToken), onPage);
    }

    /// <summary>Every thing, with its attributes (ListThings).</summary>
    public static Task<int> ThingsAsync(IotClient iot, Func<IReadOnlyList<IotThingSummary>, Task> onPage, CancellationToken cancellationToken)
    {
        return Pager.EachAsync("ListThings", token => iot.ListThingsAsync(new IotListThingsRequest { MaxResults = PageSize, NextToken = token }, cancellationToken), onPage);
    }

    /// <summary>The principals (certificate ARNs, ...) a policy is attached to (ListTargetsForPolicy).</summary>
    public static Task<int> PolicyTargetsAsync(IotClient iot, string policyName, Func<IReadOnlyList<string>, Task> onPage, CancellationToken cancellationToken)
    {
        return Pager.EachAsync("ListTargetsForPolicy", marker => iot.ListTargetsForPolicyAsync(policyName, PageSize, marker, cancellationToken), onPage);
    }

    /// <summary>The certificate id at the end of a certificate ARN (…:cert/&lt;id&gt;), or null for another kind of principal.</summary>
    public static string? CertificateIdOf(string principalArn)
    {
        int at = principalArn.IndexOf(":cert/", StringComparison.Ordinal);
        return at < 0 ? null : principalArn.Substring(at + ":cert/".Length);
    }
}
