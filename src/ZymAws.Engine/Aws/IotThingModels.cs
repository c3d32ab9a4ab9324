using System.Collections.Generic;

namespace ZymAws.Engine.Aws;

/// <summary>CreateThing input.</summary>
public sealed record IotCreateThingRequest(string ThingName)
{
    public string? ThingTypeName { get; init; }

    public IReadOnlyDictionary<string, string>? Attributes { get; init; }

    public string? BillingGroupName { get; init; }
}

/// <summary>CreateThing output.</summary>
public sealed record IotThingReference(string ThingName, string ThingArn, string? ThingId);

/// <summary>DescribeThing output.</summary>
public sealed record IotThing(string ThingName, string ThingArn)
{
    public string? ThingId { get; init; }

    public string? ThingTypeName { get; init; }

    public IReadOnlyDictionary<string, string> Attributes { get; init; } = new Dictionary<string, string>();

    public long? Version { get; init; }

    public string? BillingGroupName { get; init; }

    public string? DefaultClientId { get; init; }
}

/// <summary>A thing as listed by ListThings.</summary>
public sealed record IotThingSummary(string ThingName, string ThingArn)
{
    public string? ThingTypeName { get; init; }

    public IReadOnlyDictionary<string, string> Attributes { get; init; } = new Dictionary<string, string>();

    public long? Version { get; init; }
}

/// <summary>ListThings filters and paging.</summary>
public sealed record IotListThingsRequest
{
    /// <summary>Page size (1-250).</summary>
    public int? MaxResults { get; init; }

    public string? NextToken { get; init; }

    public string? AttributeName { get; init; }

    public string? AttributeValue { get; init; }

    public string? ThingTypeName { get; init; }

    public bool? UsePrefixAttributeValue { get; init; }
}
