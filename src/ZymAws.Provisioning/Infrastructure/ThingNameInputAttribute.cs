using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;

namespace ZymAws.Provisioning.Infrastructure;

/// <summary>
/// A thing-name parameter takes text, never an object made into text. PowerShell binds an object piped by value to a
/// string parameter through its ToString(), so Initialize-ZymCredentialProvider's setup result (or a certificate, a
/// file object) would become a "thing name" such as "fleetAlias -> arn:aws:iam::…". PowerShell applies this
/// transformation before it tries to bind by value, so here an object that is not text is taken by its name properties
/// (the parameter's name and aliases, as binding by property name would: a CSV row's ThingName), and an object with
/// none of them is refused for what it is. Numbers stay names (a thing named 1001).
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class ThingNameInputAttribute : ArgumentTransformationAttribute
{
    private readonly string[] _properties;

    /// <param name="properties">The properties that name the thing, in order (default: ThingName).</param>
    public ThingNameInputAttribute(params string[] properties)
    {
        _properties = properties is { Length: > 0 } ? properties : new[] { "ThingName" };
    }

    /// <inheritdoc />
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        var value = PSValues.Unwrap(inputData);
        if (value is null or string || IsName(value))
        {
            return inputData;
        }

        if (value is IEnumerable items and not IDictionary)
        {
            var names = new List<object?>();
            foreach (var item in items)
            {
                names.Add(NameOf(item));
            }

            return names.ToArray();
        }

        return NameOf(inputData);
    }

    private object? NameOf(object? item)
    {
        var value = PSValues.Unwrap(item);
        if (value is null or string || IsName(value))
        {
            return value;
        }

        var wrapped = item as PSObject ?? PSObject.AsPSObject(value);
        foreach (var name in _properties)
        {
            if (wrapped.Properties[name] is { } property)
            {
                // (An object that names no thing, e.g. a certificate-only device: no name, so -CertificateId decides.)
                return PSValues.Unwrap(property.Value) is { } named ? named.ToString() : Array.Empty<string>();
            }
        }

        throw new ArgumentTransformationMetadataException(
            $"A {value.GetType().Name} is not a thing name: give the name as text, or an object with a {_properties[0]} property.");
    }

    private static bool IsName(object value) => value is char || (value.GetType().IsPrimitive && value is not bool) || value is decimal;
}
