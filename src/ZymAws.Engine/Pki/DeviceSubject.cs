using System;
using System.Collections.Generic;
using Org.BouncyCastle.Asn1;

namespace ZymAws.Engine.Pki;

/// <summary>
/// A device's subject in the seed layout: ST = IoT policy, L = AWS region, O = credentials-provider endpoint
/// prefix, OU = role alias, CN = thing name (ASN.1 order ST, L, O, OU, CN, as <c>openssl req -subj
/// "/ST=pol/L=us-east-1/O=c123/OU=alias/CN=thing"</c> writes it). Values are stored as UTF8String and read back
/// by attribute OID, so commas, quotes, plus signs, backslashes and non-ASCII text survive the round trip.
/// </summary>
public sealed class DeviceSubject : IEquatable<DeviceSubject>
{
    /// <summary>Longest value accepted for any field.</summary>
    public const int MaxValueLength = 128;

    /// <summary>Creates a subject for a new CSR. The thing name is validated; the other fields are optional.</summary>
    /// <param name="thingName">1-128 characters of [a-zA-Z0-9:_-].</param>
    /// <param name="iotPolicy">IoT policy name (ST).</param>
    /// <param name="region">AWS region, e.g. us-east-1 (L).</param>
    /// <param name="credentialEndpoint">Credentials-provider endpoint prefix (O). A full host name or URL
    /// ("cxxxx.credentials.iot.us-east-1.amazonaws.com") is reduced to its prefix, and gives the region when
    /// <paramref name="region"/> is not given (see <see cref="Aws.CredentialEndpointName.Parse"/>).</param>
    /// <param name="roleAlias">Role alias name (OU).</param>
    /// <exception cref="ZymException">ThingNameInvalid, SubjectInvalid, CredentialEndpointInvalid (InvalidArgument).</exception>
    public DeviceSubject(string thingName, string? iotPolicy = null, string? region = null, string? credentialEndpoint = null, string? roleAlias = null)
    {
        ValidateThingName(thingName);
        ThingName = thingName;
        IotPolicy = Check(iotPolicy, "IotPolicy");
        string? givenRegion = Check(region, "Region");
        var endpoint = Aws.CredentialEndpointName.Parse(credentialEndpoint, givenRegion);
        Region = givenRegion ?? endpoint?.Region;
        CredentialEndpoint = endpoint?.Prefix;
        RoleAlias = Check(roleAlias, "RoleAlias");
    }

    private DeviceSubject(string thingName, string? iotPolicy, string? region, string? credentialEndpoint, string? roleAlias, bool _)
    {
        ThingName = thingName;
        IotPolicy = iotPolicy;
        Region = region;
        CredentialEndpoint = credentialEndpoint;
        RoleAlias = roleAlias;
    }

    /// <summary>Thing name (CN). Empty when a parsed subject has no CN; may be invalid in a parsed subject (see <see cref="IsThingNameValid"/>).</summary>
    public string ThingName { get; }

    /// <summary>IoT policy name (ST), or null.</summary>
    public string? IotPolicy { get; }

    /// <summary>AWS region (L), or null.</summary>
    public string? Region { get; }

    /// <summary>Credentials-provider endpoint prefix (O), or null.</summary>
    public string? CredentialEndpoint { get; }

    /// <summary>Role alias (OU), or null.</summary>
    public string? RoleAlias { get; }

    /// <summary>Whether <see cref="ThingName"/> is a valid AWS IoT thing name.</summary>
    public bool IsThingNameValid => IsValidThingName(ThingName);

    /// <summary>
    /// The credentials-provider host, "&lt;prefix&gt;.credentials.iot.&lt;region&gt;.amazonaws.com" (".com.cn" for cn- regions),
    /// or null when the prefix or region is missing.
    /// </summary>
    public string? CredentialEndpointHost => CredentialEndpoint is null || Region is null
        ? null
        : Aws.CredentialEndpointName.Format(CredentialEndpoint, Region);

    /// <summary>True when <paramref name="name"/> is 1-128 characters of [a-zA-Z0-9:_-].</summary>
    public static bool IsValidThingName(string? name)
    {
        if (name is null || name.Length < 1 || name.Length > 128)
        {
            return false;
        }

        foreach (char c in name)
        {
            if (!(c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or ':' or '_' or '-'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Throws ZymException "ThingNameInvalid" (InvalidArgument, Target = the name) unless the name is valid.</summary>
    public static void ValidateThingName(string? name)
    {
        if (!IsValidThingName(name))
        {
            string shown = name is null ? "(null)" : name.Length > 140 ? name.Substring(0, 140) + "…" : name;
            throw new ZymException(
                PkiErrorIds.ThingNameInvalid,
                ZymErrorCategory.InvalidArgument,
                $"'{shown}' is not a valid thing name: use 1-128 characters of letters, digits, ':', '_' and '-'.",
                name);
        }
    }

    /// <summary>
    /// Parses a distinguished name (RFC 4514 "CN=thing,OU=alias,…" or OpenSSL "/ST=…/CN=thing") into a
    /// subject; the thing name must be valid.
    /// </summary>
    public static DeviceSubject Parse(string distinguishedName)
    {
        var parsed = FromName(DistinguishedName.Parse(distinguishedName));
        return new DeviceSubject(parsed.ThingName, parsed.IotPolicy, parsed.Region, parsed.CredentialEndpoint, parsed.RoleAlias);
    }

    /// <summary>RFC 4514 form, most specific first: "CN=thing,OU=alias,O=prefix,L=region,ST=policy".</summary>
    public string ToDistinguishedName() => DistinguishedName.Format(ToAsn1());

    /// <inheritdoc />
    public override string ToString() => ToDistinguishedName();

    /// <inheritdoc />
    public bool Equals(DeviceSubject? other) => other is not null
        && ThingName == other.ThingName && IotPolicy == other.IotPolicy && Region == other.Region
        && CredentialEndpoint == other.CredentialEndpoint && RoleAlias == other.RoleAlias;

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as DeviceSubject);

    /// <inheritdoc />
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(ThingName);

    /// <summary>Reads the seed layout from a Name by attribute OID (the most specific value wins when repeated); no validation.</summary>
    internal static DeviceSubject FromName(Asn1Sequence name) => FromAttributes(DistinguishedName.Attributes(name));

    internal static DeviceSubject FromAttributes(List<DistinguishedName.Attribute> attributes) => new(
        DistinguishedName.Last(attributes, DistinguishedName.CommonName) ?? string.Empty,
        DistinguishedName.Last(attributes, DistinguishedName.State),
        DistinguishedName.Last(attributes, DistinguishedName.Locality),
        DistinguishedName.Last(attributes, DistinguishedName.Organization),
        DistinguishedName.Last(attributes, DistinguishedName.OrganizationalUnit),
        false);

    internal Asn1Sequence ToAsn1()
    {
        var rdns = new List<(DerObjectIdentifier, string)>(5);
        if (IotPolicy is not null)
        {
            rdns.Add((DistinguishedName.State, IotPolicy));
        }

        if (Region is not null)
        {
            rdns.Add((DistinguishedName.Locality, Region));
        }

        if (CredentialEndpoint is not null)
        {
            rdns.Add((DistinguishedName.Organization, CredentialEndpoint));
        }

        if (RoleAlias is not null)
        {
            rdns.Add((DistinguishedName.OrganizationalUnit, RoleAlias));
        }

        if (ThingName.Length > 0)
        {
            rdns.Add((DistinguishedName.CommonName, ThingName));
        }

        return DistinguishedName.Build(rdns);
    }

    private static string? Check(string? value, string field)
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        if (value!.Length > MaxValueLength)
        {
            throw new ZymException(PkiErrorIds.SubjectInvalid, ZymErrorCategory.InvalidArgument, $"{field} is longer than {MaxValueLength} characters.", value);
        }

        foreach (char c in value)
        {
            if (c < 0x20 || c == 0x7F)
            {
                throw new ZymException(PkiErrorIds.SubjectInvalid, ZymErrorCategory.InvalidArgument, $"{field} contains a control character.", value);
            }
        }

        if (value.Trim().Length == 0)
        {
            throw new ZymException(PkiErrorIds.SubjectInvalid, ZymErrorCategory.InvalidArgument, $"{field} is blank.", value);
        }

        return value;
    }
}
