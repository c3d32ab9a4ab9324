using System.Collections.Generic;

namespace ZymAws.Engine.Provisioning;

/// <summary>One device to provision: its thing name, its certificate (or CSR) and what to attach.</summary>
public sealed class DeviceProvisioningRequest
{
    /// <summary>Creates a request for the thing <paramref name="thingName"/>.</summary>
    public DeviceProvisioningRequest(string thingName)
    {
        ThingName = thingName;
    }

    /// <summary>The thing name (1-128 of <c>[a-zA-Z0-9:_-]</c>); unique within a batch.</summary>
    public string ThingName { get; set; }

    /// <summary>The device certificate PEM (modes WithCa and WithoutCa).</summary>
    public string? CertificatePem { get; set; }

    /// <summary>The device CSR PEM (mode FromCsr: AWS IoT issues the certificate).</summary>
    public string? CsrPem { get; set; }

    /// <summary>The file <see cref="CertificatePem"/> was read from (or named with it), if any: results carry it so a retry finds the certificate.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>The file <see cref="CsrPem"/> was read from (or named with it), if any.</summary>
    public string? CsrPath { get; set; }

    /// <summary>The IoT policy to attach to the certificate; null: <see cref="FleetProvisioningOptions.PolicyName"/>.</summary>
    public string? PolicyName { get; set; }

    /// <summary>A thing type for a new thing (must exist). An existing thing is left as it is.</summary>
    public string? ThingTypeName { get; set; }

    /// <summary>Attributes for a new thing. An existing thing is left as it is.</summary>
    public IDictionary<string, string>? Attributes { get; set; }

    /// <summary>Whatever the caller wants back with the result (the pipeline object): errors are reported against it.</summary>
    public object? SourceItem { get; set; }

    /// <summary>The certificate or CSR as <see cref="DeviceRequests.Build"/> parsed it (used while the PEM is unchanged).</summary>
    internal ParsedInput? Parsed { get; set; }

    /// <inheritdoc />
    public override string ToString() => ThingName;
}
