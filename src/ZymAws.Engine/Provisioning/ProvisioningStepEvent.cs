namespace ZymAws.Engine.Provisioning;

/// <summary>One step of one device done and journaled (for step-level verbose output or progress).</summary>
public sealed class ProvisioningStepEvent
{
    internal ProvisioningStepEvent(string thingName, string step, string? certificateId, object? sourceItem)
    {
        ThingName = thingName;
        Step = step;
        CertificateId = certificateId;
        SourceItem = sourceItem;
    }

    public string ThingName { get; }

    /// <summary>The AWS operation just completed: "RegisterCertificate", "CreateCertificateFromCsr", "CreateThing", "AttachThingPrincipal", "AttachPolicy", or a rollback step.</summary>
    public string Step { get; }

    public string? CertificateId { get; }

    public object? SourceItem { get; }

    public override string ToString() => $"{ThingName}: {Step}";
}
