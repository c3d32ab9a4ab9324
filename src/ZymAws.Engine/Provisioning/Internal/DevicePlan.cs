using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ZymAws.Engine.Aws;

namespace ZymAws.Engine.Provisioning.Internal;

/// <summary>
/// What provisioning a device would do: the sentence ShouldProcess asks with, and the -WhatIf plan found by read-only
/// checks (nothing is journaled or changed).
/// </summary>
internal static class DevicePlan
{
    /// <summary>The action ShouldProcess asks about.</summary>
    public static string Describe(DeviceContext device)
    {
        string certificate = device.Mode switch
        {
            CertificateRegistrationMode.FromCsr => "Have AWS IoT issue a certificate from the CSR",
            CertificateRegistrationMode.WithoutCa => $"Register certificate {device.Certificate!.CertificateId} without a CA",
            _ => $"Register certificate {device.Certificate!.CertificateId}",
        };
        return $"{certificate}, create the thing if missing, attach the certificate to it and attach IoT policy '{device.Policy}'";
    }

    /// <summary>
    /// The AWS changes provisioning would make, from read-only checks; an empty plan means everything is in place.
    /// Null when <paramref name="token"/> was cancelled.
    /// </summary>
    public static async Task<IReadOnlyList<string>?> PlanAsync(DeviceContext device, DeviceProvisioningOutcome result, CancellationToken token)
    {
        var iot = device.Iot;
        var state = device.State;
        var planned = new List<string>();
        try
        {
            string? certificateArn = state.CertificateArn;
            if (certificateArn is null)
            {
                if (device.Mode == CertificateRegistrationMode.FromCsr)
                {
                    planned.Add(ProvisioningOperations.CreateCertificateFromCsr);
                }
                else
                {
                    var description = await TryAsync(() => iot.DescribeCertificateAsync(device.Certificate!.CertificateId, token)).ConfigureAwait(false);
                    if (description is not null)
                    {
                        certificateArn = description.CertificateArn;
                        result.CertificateId = description.CertificateId;
                        result.CertificateArn ??= description.CertificateArn;
                        if (!string.Equals(description.Status, IotCertificateStatus.Active, StringComparison.Ordinal))
                        {
                            planned.Add($"(certificate is {description.Status}: provisioning would fail with CertificateNotActive)");
                        }
                    }
                    else
                    {
                        planned.Add(device.Mode == CertificateRegistrationMode.WithCa ? "RegisterCertificate" : ProvisioningOperations.RegisterCertificateWithoutCa);
                    }
                }
            }

            bool thingExists = state.ThingArn is not null || await TryAsync(() => iot.DescribeThingAsync(device.Thing, token)).ConfigureAwait(false) is not null;
            if (!thingExists)
            {
                planned.Add("CreateThing");
            }

            if (certificateArn is null || !thingExists ||
                !(await iot.ListAllThingPrincipalsAsync(device.Thing, cancellationToken: token).ConfigureAwait(false)).Contains(certificateArn, StringComparer.Ordinal))
            {
                planned.Add("AttachThingPrincipal");
            }

            if (certificateArn is null ||
                !(await iot.ListAllAttachedPoliciesAsync(certificateArn, cancellationToken: token).ConfigureAwait(false)).Any(p => p.PolicyName == device.Policy))
            {
                planned.Add("AttachPolicy");
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            return null;
        }
        catch (ZymException ex)
        {
            planned.Add("(could not check what exists: " + ex.Message + ")");
        }

        return planned;
    }

    /// <summary>A Describe call's answer, or null when AWS says there is no such resource.</summary>
    public static async Task<T?> TryAsync<T>(Func<Task<T>> describe)
        where T : class
    {
        try
        {
            return await describe().ConfigureAwait(false);
        }
        catch (AwsServiceException ex) when (ex.IsNotFound)
        {
            return null;
        }
    }
}
