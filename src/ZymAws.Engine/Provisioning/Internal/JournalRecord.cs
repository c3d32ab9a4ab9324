using System;
using System.Globalization;
using System.IO;
using System.Text;
using System.Text.Json;

namespace ZymAws.Engine.Provisioning.Internal;

/// <summary>Event names in the journal. "...ing" records are intents written before an AWS-mutating call.</summary>
internal static class JournalEvents
{
    public const string RunStarted = "RunStarted";
    public const string CertificateRegistering = "CertificateRegistering";
    public const string CertificateIssuing = "CertificateIssuing";
    public const string CertificateIssueAbsent = "CertificateIssueAbsent";

    /// <summary>The AWS call announced by the step's intent was refused (a definite 4xx answer): it changed nothing.</summary>
    public const string IntentVoid = "IntentVoid";
    public const string CertificateReady = "CertificateReady";
    public const string CertificateActivating = "CertificateActivating";
    public const string CertificateActivated = "CertificateActivated";
    public const string ThingCreating = "ThingCreating";
    public const string ThingReady = "ThingReady";
    public const string PrincipalAttaching = "PrincipalAttaching";
    public const string PrincipalReady = "PrincipalReady";
    public const string PolicyAttaching = "PolicyAttaching";
    public const string PolicyReady = "PolicyReady";
    public const string Provisioned = "Provisioned";
    public const string PolicyDetached = "PolicyDetached";
    public const string PrincipalDetached = "PrincipalDetached";
    public const string ThingDeleted = "ThingDeleted";
    public const string CertificateDeactivated = "CertificateDeactivated";
    public const string CertificateDeleted = "CertificateDeleted";
    public const string RolledBack = "RolledBack";

    /// <summary>The undo of a failed device stopped before it finished; the device's state says what is left.</summary>
    public const string RollbackFailed = "RollbackFailed";
    public const string Failed = "Failed";
}

/// <summary>One line of the journal. Null members are left out of the JSON.</summary>
internal sealed class JournalRecord
{
    public JournalRecord(string @event, string? thing)
    {
        Event = @event;
        Thing = thing;
        At = DateTimeOffset.UtcNow;
    }

    public DateTimeOffset At { get; set; }

    public string Event { get; }

    public string? Thing { get; }

    /// <summary>SHA-256 of the device's input (certificate or CSR DER), to tell a changed input from a resumed one.</summary>
    public string? Input { get; set; }

    public string? CertificateId { get; set; }

    public string? CertificateArn { get; set; }

    public string? CertificatePem { get; set; }

    public string? ThingArn { get; set; }

    /// <summary>For ThingReady: the certificate id the thing's marker names (<see cref="ThingMarker"/>), if any.</summary>
    public string? Marker { get; set; }

    public string? Policy { get; set; }

    /// <summary>Whether the batch created the resource (so a rollback may remove it).</summary>
    public bool? Owned { get; set; }

    /// <summary>SHA-256 of the CSR DER (CertificateIssuing / CertificateReady in mode FromCsr).</summary>
    public string? Csr { get; set; }

    public string? Message { get; set; }

    /// <summary>For IntentVoid: "Thing", "Principal", "Policy" or "Activation".</summary>
    public string? Step { get; set; }

    public string? Mode { get; set; }

    public string? Account { get; set; }

    public string? Region { get; set; }

    public string? CaCertificateId { get; set; }

    public byte[] ToLine()
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            w.WriteString("at", At.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture));
            w.WriteString("event", Event);
            Opt(w, "thing", Thing);
            Opt(w, "input", Input);
            Opt(w, "certificateId", CertificateId);
            Opt(w, "certificateArn", CertificateArn);
            Opt(w, "thingArn", ThingArn);
            Opt(w, "marker", Marker);
            Opt(w, "policy", Policy);
            if (Owned is bool owned)
            {
                w.WriteBoolean("owned", owned);
            }

            Opt(w, "csr", Csr);
            Opt(w, "step", Step);
            Opt(w, "mode", Mode);
            Opt(w, "account", Account);
            Opt(w, "region", Region);
            Opt(w, "caCertificateId", CaCertificateId);
            Opt(w, "message", Message);
            Opt(w, "certificatePem", CertificatePem);
            w.WriteEndObject();
        }

        stream.WriteByte((byte)'\n');
        return stream.ToArray();
    }

    /// <summary>Parses one line; null when it is not a journal record.</summary>
    public static JournalRecord? TryParse(string line)
    {
        try
        {
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || Str(root, "event") is not string ev)
            {
                return null;
            }

            var record = new JournalRecord(ev, Str(root, "thing"))
            {
                Input = Str(root, "input"),
                CertificateId = Str(root, "certificateId"),
                CertificateArn = Str(root, "certificateArn"),
                CertificatePem = Str(root, "certificatePem"),
                ThingArn = Str(root, "thingArn"),
                Marker = Str(root, "marker"),
                Policy = Str(root, "policy"),
                Csr = Str(root, "csr"),
                Step = Str(root, "step"),
                Message = Str(root, "message"),
                Mode = Str(root, "mode"),
                Account = Str(root, "account"),
                Region = Str(root, "region"),
                CaCertificateId = Str(root, "caCertificateId"),
            };
            if (root.TryGetProperty("owned", out var owned) && (owned.ValueKind == JsonValueKind.True || owned.ValueKind == JsonValueKind.False))
            {
                record.Owned = owned.GetBoolean();
            }

            if (Str(root, "at") is string at && DateTimeOffset.TryParse(at, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
            {
                record.At = time;
            }
            else
            {
                return null;
            }

            return record;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static void Opt(Utf8JsonWriter w, string name, string? value)
    {
        if (value is not null)
        {
            w.WriteString(name, value);
        }
    }

    private static string? Str(JsonElement root, string name) =>
        root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    public override string ToString() => Encoding.UTF8.GetString(ToLine()).TrimEnd('\n');
}
