using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace VoiceServer.MainApp.Calls;

/// <summary>
/// What the store indexes and the listing shows of a call record, read from the record itself: the record's JSON is
/// the one source of these values, so the columns beside it and the listing cannot disagree with it.
/// </summary>
internal sealed record CallRecordSummary(string CallId, string? AgentId, string? CallSid, DateTimeOffset StartedAt, DateTimeOffset EndedAt, long DurationMs, string EndReason)
{
    /// <summary>Reads a record of schema version 1; false when it is not one (a field missing or of the wrong type).</summary>
    public static bool TryRead(JsonElement record, [NotNullWhen(true)] out CallRecordSummary? summary)
    {
        summary = null;
        if (record.ValueKind != JsonValueKind.Object ||
            !TryGetString(record, "callId", out var callId) || callId.Length == 0 ||
            !TryGetString(record, "endReason", out var endReason) ||
            !TryGetTime(record, "startedAt", out var startedAt) ||
            !TryGetTime(record, "endedAt", out var endedAt) ||
            !record.TryGetProperty("durationMs", out var duration) || duration.ValueKind != JsonValueKind.Number || !duration.TryGetInt64(out var durationMs))
        {
            return false;
        }

        summary = new CallRecordSummary(callId, OptionalString(record, "agentId"), OptionalString(record, "callSid"), startedAt, endedAt, durationMs, endReason);
        return true;
    }

    private static bool TryGetString(JsonElement record, string name, [NotNullWhen(true)] out string? value)
    {
        value = record.TryGetProperty(name, out var property) && property.ValueKind == JsonValueKind.String ? property.GetString() : null;
        return value is not null;
    }

    private static string? OptionalString(JsonElement record, string name) => TryGetString(record, name, out var value) ? value : null;

    private static bool TryGetTime(JsonElement record, string name, out DateTimeOffset value)
    {
        value = default;
        return record.TryGetProperty(name, out var property) && property.ValueKind == JsonValueKind.String && property.TryGetDateTimeOffset(out value);
    }
}
