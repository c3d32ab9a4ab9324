using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using ZymAws.Engine.Aws;

namespace ZymAws.Engine.Provisioning.Internal;

/// <summary>
/// The module's mark on the things it creates, and the one rule that reads it. Every thing provisioning creates carries
/// the attribute <see cref="AttributeName"/> = the id of the certificate it was created for. An undo takes a
/// certificate out of ACTIVE only after detaching it from everything, and deletes the marked thing last; so a later run
/// — with or without the journal — can tell a certificate the module's own unfinished undo left INACTIVE (attached to
/// nothing, named by its thing's marker) from one an operator disabled to keep a device off (still attached to its
/// thing, or not named by a marker), and finish the first without ever re-enabling the second.
/// </summary>
internal static class ThingMarker
{
    /// <summary>The thing attribute naming the certificate the module created the thing for.</summary>
    public const string AttributeName = "zymaws_certificate";

    /// <summary>AWS IoT allows a thing without a thing type at most this many attributes.</summary>
    public const int MaxAttributesWithoutType = 3;

    /// <summary>
    /// The attributes to create a thing with: the user's, plus the marker naming <paramref name="certificateId"/> unless
    /// that would exceed what AWS allows a thing without a type (then the thing is created unmarked).
    /// </summary>
    public static Dictionary<string, string> AttributesFor(IEnumerable<KeyValuePair<string, string>>? requested, string? thingTypeName, string certificateId, out bool marked)
    {
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var attribute in requested ?? Array.Empty<KeyValuePair<string, string>>())
        {
            attributes[attribute.Key] = attribute.Value;
        }

        marked = thingTypeName is not null || attributes.Count < MaxAttributesWithoutType;
        if (marked)
        {
            attributes[AttributeName] = certificateId;
        }

        return attributes;
    }

    /// <summary>The certificate id a thing's marker names, or null for a thing the module did not create.</summary>
    public static string? Of(IotThing thing) => thing.Attributes.TryGetValue(AttributeName, out string? id) && !string.IsNullOrEmpty(id) ? id : null;

    /// <summary>
    /// Whether <paramref name="certificate"/> (not ACTIVE) was left by an unfinished undo of the module: the device's
    /// thing carries the marker naming it, and it is attached to no thing and carries no policy (an undo detaches
    /// everything before it deactivates; an operator who disables a device's certificate leaves it attached).
    /// </summary>
    public static async Task<bool> IsLeftByUndoAsync(IotClient iot, IotThing? thing, IotCertificateDescription certificate, CancellationToken token)
    {
        if (thing is null || Of(thing) != certificate.CertificateId || string.Equals(certificate.Status, IotCertificateStatus.Active, StringComparison.Ordinal))
        {
            return false;
        }

        if (!string.Equals(certificate.Status, IotCertificateStatus.Inactive, StringComparison.Ordinal))
        {
            // REVOKED (or a transfer state): never the module's doing.
            return false;
        }

        var things = await iot.ListAllPrincipalThingsAsync(certificate.CertificateArn, cancellationToken: token).ConfigureAwait(false);
        if (things.Count > 0)
        {
            return false;
        }

        var policies = await iot.ListAllAttachedPoliciesAsync(certificate.CertificateArn, cancellationToken: token).ConfigureAwait(false);
        return policies.Count == 0;
    }
}
