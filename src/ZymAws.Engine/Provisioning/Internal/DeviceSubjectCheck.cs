using System;
using System.Threading;
using System.Threading.Tasks;
using ZymAws.Engine.Aws;
using ZymAws.Engine.Pki;

namespace ZymAws.Engine.Provisioning.Internal;

/// <summary>
/// Would the device's subject (seed layout) send it to the right place? Before any AWS change, a certificate or CSR whose
/// subject contradicts the run is refused: CN is not the thing name, L= is not the region, O= is not the account's
/// credentials-provider prefix, OU= names a role alias that does not exist, ST= is not the policy being attached. Such a
/// device could be provisioned but would never get credentials with the defaults every device uses. A field that is
/// absent is no contradiction (the device is then configured some other way); it is reported once per batch.
/// <see cref="FleetProvisioningOptions.AllowSubjectMismatch"/> accepts a deliberate mismatch.
/// </summary>
internal static class DeviceSubjectCheck
{
    /// <exception cref="ZymException">SubjectThingMismatch, SubjectRegionMismatch, SubjectEndpointMismatch,
    /// SubjectRoleAliasNotFound, SubjectPolicyMismatch (InvalidData; target = the device's item).</exception>
    public static async Task CheckAsync(DeviceContext device, CancellationToken cancellationToken)
    {
        var batch = device.Batch;
        var subject = device.Certificate?.DeviceSubject ?? device.Csr?.DeviceSubject;
        if (subject is null || batch.Options.AllowSubjectMismatch)
        {
            return;
        }

        if (subject.ThingName.Length > 0 && !string.Equals(subject.ThingName, device.Thing, StringComparison.Ordinal))
        {
            throw Mismatch(device, "SubjectThingMismatch", $"its CN is '{subject.ThingName}', but it is being provisioned as thing '{device.Thing}' (devices send their CN as the thing name)");
        }

        if (subject.Region is not null && !string.Equals(subject.Region, batch.Region, StringComparison.OrdinalIgnoreCase))
        {
            throw Mismatch(device, "SubjectRegionMismatch", $"its L= (region) is '{subject.Region}', but it is being provisioned in {batch.Region}");
        }

        if (subject.IotPolicy is not null && !string.Equals(subject.IotPolicy, device.Policy, StringComparison.Ordinal))
        {
            throw Mismatch(device, "SubjectPolicyMismatch", $"its ST= (IoT policy) is '{subject.IotPolicy}', but policy '{device.Policy}' is being attached");
        }

        if (subject.CredentialEndpoint is not null)
        {
            string prefix = await batch.CredentialEndpointPrefixAsync(cancellationToken).ConfigureAwait(false);
            if (!string.Equals(subject.CredentialEndpoint, prefix, StringComparison.OrdinalIgnoreCase))
            {
                throw Mismatch(device, "SubjectEndpointMismatch", $"its O= (credentials-provider endpoint prefix) is '{subject.CredentialEndpoint}', but this account's endpoint in {batch.Region} is '{CredentialEndpointName.Format(prefix, batch.Region)}'");
            }
        }

        if (subject.RoleAlias is not null && !await batch.RoleAliasExistsAsync(subject.RoleAlias, cancellationToken).ConfigureAwait(false))
        {
            throw Mismatch(device, "SubjectRoleAliasNotFound", $"its OU= names role alias '{subject.RoleAlias}', which does not exist in {batch.Region} (New-ZymRoleAlias or Initialize-ZymCredentialProvider creates it)");
        }

        if (subject.CredentialEndpoint is null || subject.RoleAlias is null || subject.Region is null)
        {
            batch.NoteIncompleteSubject(device.Thing, subject);
        }
    }

    private static ZymException Mismatch(DeviceContext device, string errorId, string what) => new(
        errorId,
        ZymErrorCategory.InvalidData,
        $"The certificate of '{device.Thing}' would not get credentials: {what}. Nothing was changed in AWS; " +
        "fix the subject, or use -AllowSubjectMismatch if the device is configured otherwise on purpose.",
        device.ErrorTarget);
}
