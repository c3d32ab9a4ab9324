using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using Org.BouncyCastle.Asn1;

namespace ZymAws.Engine.Pki;

/// <summary>
/// X.501 names without BouncyCastle's string round trips: built attribute by attribute from raw values
/// (so no value is ever re-interpreted), formatted per RFC 4514 (most specific RDN first, every special
/// character escaped), and parsed from RFC 4514 text or OpenSSL's "/C=US/O=Acme/CN=x" form.
/// </summary>
internal static class DistinguishedName
{
    internal static readonly DerObjectIdentifier CommonName = new("2.5.4.3");
    internal static readonly DerObjectIdentifier Country = new("2.5.4.6");
    internal static readonly DerObjectIdentifier Locality = new("2.5.4.7");
    internal static readonly DerObjectIdentifier State = new("2.5.4.8");
    internal static readonly DerObjectIdentifier Organization = new("2.5.4.10");
    internal static readonly DerObjectIdentifier OrganizationalUnit = new("2.5.4.11");
    internal static readonly DerObjectIdentifier SerialNumber = new("2.5.4.5");
    internal static readonly DerObjectIdentifier DnQualifier = new("2.5.4.46");
    internal static readonly DerObjectIdentifier DomainComponent = new("0.9.2342.19200300.100.1.25");
    internal static readonly DerObjectIdentifier EmailAddress = new("1.2.840.113549.1.9.1");

    private static readonly (string Name, DerObjectIdentifier Oid)[] s_names =
    {
        ("CN", CommonName),
        ("C", Country),
        ("L", Locality),
        ("ST", State),
        ("O", Organization),
        ("OU", OrganizationalUnit),
        ("STREET", new DerObjectIdentifier("2.5.4.9")),
        ("SERIALNUMBER", SerialNumber),
        ("DC", DomainComponent),
        ("UID", new DerObjectIdentifier("0.9.2342.19200300.100.1.1")),
        ("emailAddress", EmailAddress),
        ("title", new DerObjectIdentifier("2.5.4.12")),
        ("SN", new DerObjectIdentifier("2.5.4.4")),
        ("GN", new DerObjectIdentifier("2.5.4.42")),
        ("initials", new DerObjectIdentifier("2.5.4.43")),
        ("pseudonym", new DerObjectIdentifier("2.5.4.65")),
        ("postalCode", new DerObjectIdentifier("2.5.4.17")),
        ("dnQualifier", DnQualifier),
        ("name", new DerObjectIdentifier("2.5.4.41")),
    };

    private static readonly Dictionary<string, DerObjectIdentifier> s_byName = BuildByName();
    private static readonly Dictionary<string, string> s_byOid = BuildByOid();

    /// <summary>One attribute of a name, in ASN.1 order.</summary>
    internal readonly struct Attribute
    {
        public Attribute(DerObjectIdentifier oid, Asn1Encodable value, int rdnIndex)
        {
            Oid = oid;
            Value = value;
            RdnIndex = rdnIndex;
        }

        public DerObjectIdentifier Oid { get; }

        public Asn1Encodable Value { get; }

        public int RdnIndex { get; }

        public string Text => ValueToString(Value);
    }

    internal static string ShortName(DerObjectIdentifier oid)
        => s_byOid.TryGetValue(oid.Id, out var name) ? name : oid.Id;

    /// <summary>Builds a Name from single-valued RDNs, in ASN.1 order (least specific first).</summary>
    internal static Asn1Sequence Build(IEnumerable<(DerObjectIdentifier Oid, string Value)> rdns)
    {
        var v = new Asn1EncodableVector();
        foreach (var (oid, value) in rdns)
        {
            v.Add(new DerSet(new DerSequence(oid, EncodeValue(oid, value))));
        }

        return new DerSequence(v);
    }

    /// <summary>String type per attribute: PrintableString for C, serialNumber, dnQualifier (when printable), IA5String for DC and email, UTF8String otherwise.</summary>
    internal static Asn1Encodable EncodeValue(DerObjectIdentifier oid, string value)
    {
        if ((oid.Equals(Country) || oid.Equals(SerialNumber) || oid.Equals(DnQualifier)) && DerPrintableString.IsPrintableString(value))
        {
            return new DerPrintableString(value);
        }

        if ((oid.Equals(DomainComponent) || oid.Equals(EmailAddress)) && IsAscii(value))
        {
            return new DerIA5String(value);
        }

        return new DerUtf8String(value);
    }

    internal static string ValueToString(Asn1Encodable value)
    {
        if (value is IAsn1String s && value is not DerUniversalString)
        {
            return s.GetString();
        }

        return "#" + Hex.Lower(value.GetEncoded(Asn1Encodable.Der));
    }

    /// <summary>All attributes in ASN.1 order (multi-valued RDNs flattened; RdnIndex tells them apart).</summary>
    internal static List<Attribute> Attributes(Asn1Sequence name)
    {
        var list = new List<Attribute>(name.Count);
        for (int i = 0; i < name.Count; i++)
        {
            var rdn = Asn1Set.GetInstance(name[i]);
            foreach (Asn1Encodable element in rdn)
            {
                var atv = Asn1Sequence.GetInstance(element);
                if (atv.Count != 2)
                {
                    throw new ArgumentException("An attribute of the name is not a (type, value) pair.");
                }

                list.Add(new Attribute(DerObjectIdentifier.GetInstance(atv[0]), atv[1], i));
            }
        }

        return list;
    }

    /// <summary>The last (most specific) value of an attribute, or null.</summary>
    internal static string? Last(List<Attribute> attributes, DerObjectIdentifier oid)
    {
        for (int i = attributes.Count - 1; i >= 0; i--)
        {
            if (attributes[i].Oid.Equals(oid))
            {
                return attributes[i].Text;
            }
        }

        return null;
    }

    internal static int Count(List<Attribute> attributes, DerObjectIdentifier oid)
    {
        int n = 0;
        foreach (var a in attributes)
        {
            if (a.Oid.Equals(oid))
            {
                n++;
            }
        }

        return n;
    }

    /// <summary>RFC 4514: most specific RDN first, multi-valued RDNs joined with '+'.</summary>
    internal static string Format(Asn1Sequence name)
    {
        var attributes = Attributes(name);
        var sb = new StringBuilder();
        int lastRdn = -1;
        for (int i = attributes.Count - 1; i >= 0; i--)
        {
            var a = attributes[i];
            if (sb.Length > 0)
            {
                sb.Append(a.RdnIndex == lastRdn ? '+' : ',');
            }

            lastRdn = a.RdnIndex;
            sb.Append(ShortName(a.Oid)).Append('=');
            if (a.Value is IAsn1String && a.Value is not DerUniversalString)
            {
                AppendEscaped(sb, a.Text);
            }
            else
            {
                sb.Append(a.Text); // "#hex" of the DER value, per RFC 4514 section 2.4
            }
        }

        return sb.ToString();
    }

    internal static void AppendEscaped(StringBuilder sb, string value)
    {
        for (int i = 0; i < value.Length; i++)
        {
            char c = value[i];
            bool special = c is ',' or '+' or '"' or '\\' or '<' or '>' or ';';
            if (special
                || (i == 0 && (c == '#' || c == ' '))
                || (i == value.Length - 1 && c == ' '))
            {
                sb.Append('\\').Append(c);
            }
            else if (c < 0x20 || c == 0x7F)
            {
                sb.Append('\\').Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
            }
            else
            {
                sb.Append(c);
            }
        }
    }

    /// <summary>
    /// Parses RFC 4514 text ("CN=Fleet CA,O=Acme": most specific first) or OpenSSL's slash form
    /// ("/O=Acme/CN=Fleet CA": ASN.1 order). Returns the Name in ASN.1 order.
    /// </summary>
    internal static Asn1Sequence Parse(string text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw Invalid(text, "it is empty");
        }

        string trimmed = text.Trim();
        List<List<(DerObjectIdentifier, Asn1Encodable)>> rdns = trimmed[0] == '/' ? ParseSlash(trimmed) : ParseRfc4514(trimmed);
        if (rdns.Count == 0)
        {
            throw Invalid(text, "it has no attributes");
        }

        var v = new Asn1EncodableVector();
        foreach (var rdn in rdns)
        {
            var set = new Asn1EncodableVector();
            foreach (var (oid, value) in rdn)
            {
                set.Add(new DerSequence(oid, value));
            }

            v.Add(new DerSet(set));
        }

        return new DerSequence(v);
    }

    private static List<List<(DerObjectIdentifier, Asn1Encodable)>> ParseRfc4514(string text)
    {
        var rdns = new List<List<(DerObjectIdentifier, Asn1Encodable)>>();
        var current = new List<(DerObjectIdentifier, Asn1Encodable)>();
        int pos = 0;
        while (true)
        {
            SkipSpaces(text, ref pos);
            int eq = text.IndexOf('=', pos);
            if (eq < 0)
            {
                throw Invalid(text, $"'{text.Substring(pos)}' has no '='");
            }

            var oid = AttributeType(text, text.Substring(pos, eq - pos).Trim());
            pos = eq + 1;
            SkipSpaces(text, ref pos);
            Asn1Encodable value;
            if (pos < text.Length && text[pos] == '#')
            {
                int start = ++pos;
                while (pos < text.Length && text[pos] != ',' && text[pos] != '+' && text[pos] != ';')
                {
                    pos++;
                }

                value = HexValue(text, text.Substring(start, pos - start).Trim());
            }
            else if (pos < text.Length && text[pos] == '"')
            {
                pos++;
                var raw = new List<byte>();
                bool closed = false;
                while (pos < text.Length)
                {
                    char c = text[pos];
                    if (c == '"')
                    {
                        pos++;
                        closed = true;
                        break;
                    }

                    if (c == '\\')
                    {
                        ReadEscape(text, ref pos, raw);
                        continue;
                    }

                    AppendUtf8(raw, text, ref pos);
                }

                if (!closed)
                {
                    throw Invalid(text, "a quoted value is not closed");
                }

                SkipSpaces(text, ref pos);
                value = EncodeValue(oid, DecodeUtf8(text, raw));
            }
            else
            {
                var raw = new List<byte>();
                int lastSignificant = 0; // raw length up to the last escaped or non-space char
                while (pos < text.Length)
                {
                    char c = text[pos];
                    if (c == ',' || c == '+' || c == ';')
                    {
                        break;
                    }

                    if (c == '\\')
                    {
                        ReadEscape(text, ref pos, raw);
                        lastSignificant = raw.Count;
                        continue;
                    }

                    AppendUtf8(raw, text, ref pos);
                    if (c != ' ')
                    {
                        lastSignificant = raw.Count;
                    }
                }

                raw.RemoveRange(lastSignificant, raw.Count - lastSignificant);
                value = EncodeValue(oid, DecodeUtf8(text, raw));
            }

            current.Add((oid, value));
            if (pos >= text.Length)
            {
                rdns.Add(current);
                break;
            }

            char sep = text[pos++];
            if (sep != '+')
            {
                rdns.Add(current);
                current = new List<(DerObjectIdentifier, Asn1Encodable)>();
            }

            if (pos >= text.Length)
            {
                throw Invalid(text, "it ends with a separator");
            }
        }

        rdns.Reverse(); // RFC 4514 lists the most specific RDN first
        return rdns;
    }

    private static List<List<(DerObjectIdentifier, Asn1Encodable)>> ParseSlash(string text)
    {
        var rdns = new List<List<(DerObjectIdentifier, Asn1Encodable)>>();
        int pos = 1;
        while (pos < text.Length)
        {
            var sb = new StringBuilder();
            while (pos < text.Length && text[pos] != '/')
            {
                if (text[pos] == '\\' && pos + 1 < text.Length)
                {
                    pos++;
                }

                sb.Append(text[pos++]);
            }

            pos++;
            string part = sb.ToString();
            int eq = part.IndexOf('=');
            if (eq <= 0)
            {
                throw Invalid(text, $"'{part}' is not type=value");
            }

            var oid = AttributeType(text, part.Substring(0, eq).Trim());
            rdns.Add(new List<(DerObjectIdentifier, Asn1Encodable)> { (oid, EncodeValue(oid, part.Substring(eq + 1))) });
        }

        return rdns;
    }

    private static DerObjectIdentifier AttributeType(string text, string type)
    {
        if (type.StartsWith("OID.", StringComparison.OrdinalIgnoreCase))
        {
            type = type.Substring(4);
        }

        if (s_byName.TryGetValue(type, out var oid))
        {
            return oid;
        }

        if (type.Length > 0 && char.IsDigit(type[0]))
        {
            try
            {
                return new DerObjectIdentifier(type);
            }
            catch (FormatException)
            {
            }
            catch (ArgumentException)
            {
            }
        }

        throw Invalid(text, $"'{type}' is not a known attribute type");
    }

    private static Asn1Encodable HexValue(string text, string hex)
    {
        try
        {
            return Asn1Object.FromByteArray(Hex.Decode(hex));
        }
        catch (Exception ex) when (ex is FormatException or System.IO.IOException or ArgumentException)
        {
            throw Invalid(text, $"'#{hex}' is not hex-encoded DER");
        }
    }

    private static void ReadEscape(string text, ref int pos, List<byte> raw)
    {
        pos++; // backslash
        if (pos >= text.Length)
        {
            throw Invalid(text, "it ends with a lone backslash");
        }

        if (pos + 1 < text.Length && Hex.IsHexDigit(text[pos]) && Hex.IsHexDigit(text[pos + 1]))
        {
            raw.Add((byte)((Hex.Nibble(text[pos]) << 4) | Hex.Nibble(text[pos + 1])));
            pos += 2;
            return;
        }

        AppendUtf8(raw, text, ref pos);
    }

    private static void AppendUtf8(List<byte> raw, string text, ref int pos)
    {
        int len = char.IsHighSurrogate(text[pos]) && pos + 1 < text.Length ? 2 : 1;
        raw.AddRange(Encoding.UTF8.GetBytes(text.Substring(pos, len)));
        pos += len;
    }

    private static string DecodeUtf8(string text, List<byte> raw)
    {
        try
        {
            return new UTF8Encoding(false, true).GetString(raw.ToArray());
        }
        catch (DecoderFallbackException)
        {
            throw Invalid(text, "an escaped byte sequence is not UTF-8");
        }
    }

    private static void SkipSpaces(string text, ref int pos)
    {
        while (pos < text.Length && text[pos] == ' ')
        {
            pos++;
        }
    }

    private static bool IsAscii(string value)
    {
        foreach (char c in value)
        {
            if (c > 0x7F)
            {
                return false;
            }
        }

        return true;
    }

    private static ZymException Invalid(string? text, string reason)
        => new(PkiErrorIds.SubjectInvalid, ZymErrorCategory.InvalidArgument, $"'{text}' is not a valid distinguished name: {reason}.", text);

    private static Dictionary<string, DerObjectIdentifier> BuildByName()
    {
        var d = new Dictionary<string, DerObjectIdentifier>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, oid) in s_names)
        {
            d[name] = oid;
        }

        d["E"] = EmailAddress;
        d["S"] = State;
        d["street"] = d["STREET"];
        d["commonName"] = CommonName;
        d["countryName"] = Country;
        d["localityName"] = Locality;
        d["stateOrProvinceName"] = State;
        d["organizationName"] = Organization;
        d["organizationalUnitName"] = OrganizationalUnit;
        d["surname"] = d["SN"];
        d["givenName"] = d["GN"];
        d["userid"] = d["UID"];
        return d;
    }

    private static Dictionary<string, string> BuildByOid()
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, oid) in s_names)
        {
            d[oid.Id] = name;
        }

        return d;
    }
}
