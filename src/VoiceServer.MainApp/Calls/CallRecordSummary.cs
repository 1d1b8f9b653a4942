using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace VoiceServer.MainApp.Calls;

/// <summary>
/// What the store indexes and the listing shows of a call record, read from the record itself: the record's JSON is
/// the one source of these values, so the columns beside it and the listing cannot disagree with it.
/// <paramref name="Segments"/> are the record's, or for a record without them (a voice server from before handoffs)
/// one segment of the whole call, its agent's.
/// </summary>
internal sealed record CallRecordSummary(
    string CallId, string? AgentId, string? CallSid, DateTimeOffset StartedAt, DateTimeOffset EndedAt, long DurationMs, string EndReason, IReadOnlyList<CallSegmentView> Segments)
{
    /// <summary>
    /// More than a voice server ever sends (its <c>MAX_HANDOFFS_PER_CALL</c> is at most 50, so 51 segments): a record
    /// with more is not one of its records.
    /// </summary>
    public const int MaxSegments = 100;

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

        var agentId = OptionalString(record, "agentId");
        IReadOnlyList<CallSegmentView> segments;
        if (!record.TryGetProperty("segments", out var listed) || listed.ValueKind == JsonValueKind.Null)
        {
            segments = [new CallSegmentView(agentId, OptionalString(record, "model"), startedAt, endedAt, endReason, null, null, OptionalObject(record, "usage"), OptionalNumber(record, "estimatedCostUsd"), OptionalCount(record, "modelReconnects"))];
        }
        else if (!TryReadSegments(listed, out var read))
        {
            return false;
        }
        else
        {
            segments = read;
        }

        summary = new CallRecordSummary(callId, agentId, OptionalString(record, "callSid"), startedAt, endedAt, durationMs, endReason, segments);
        return true;
    }

    /// <summary>One to <see cref="MaxSegments"/> segments, each with its times and end reason, every other field absent, null or of its type.</summary>
    private static bool TryReadSegments(JsonElement listed, [NotNullWhen(true)] out List<CallSegmentView>? segments)
    {
        segments = null;
        if (listed.ValueKind != JsonValueKind.Array || listed.GetArrayLength() is 0 or > MaxSegments)
        {
            return false;
        }

        var read = new List<CallSegmentView>(listed.GetArrayLength());
        foreach (var segment in listed.EnumerateArray())
        {
            if (segment.ValueKind != JsonValueKind.Object ||
                !TryGetTime(segment, "startedAt", out var startedAt) ||
                !TryGetTime(segment, "endedAt", out var endedAt) ||
                !TryGetString(segment, "endReason", out var endReason) ||
                !IsAbsentOr(segment, "agentId", JsonValueKind.String) ||
                !IsAbsentOr(segment, "model", JsonValueKind.String) ||
                !IsAbsentOr(segment, "handedTo", JsonValueKind.String) ||
                !IsAbsentOr(segment, "handoffReason", JsonValueKind.String) ||
                !IsAbsentOr(segment, "usage", JsonValueKind.Object) ||
                !IsAbsentOr(segment, "estimatedCostUsd", JsonValueKind.Number) ||
                !IsAbsentOr(segment, "modelReconnects", JsonValueKind.Number) ||
                (segment.TryGetProperty("modelReconnects", out var reconnects) && reconnects.ValueKind == JsonValueKind.Number && !reconnects.TryGetInt32(out _)) ||
                (segment.TryGetProperty("estimatedCostUsd", out var cost) && cost.ValueKind == JsonValueKind.Number && !cost.TryGetDecimal(out _)))
            {
                return false;
            }

            read.Add(new CallSegmentView(
                OptionalString(segment, "agentId"),
                OptionalString(segment, "model"),
                startedAt,
                endedAt,
                endReason,
                OptionalString(segment, "handedTo"),
                OptionalString(segment, "handoffReason"),
                OptionalObject(segment, "usage"),
                OptionalNumber(segment, "estimatedCostUsd"),
                OptionalCount(segment, "modelReconnects")));
        }

        segments = read;
        return true;
    }

    private static bool IsAbsentOr(JsonElement element, string name, JsonValueKind kind) =>
        !element.TryGetProperty(name, out var property) || property.ValueKind == JsonValueKind.Null || property.ValueKind == kind;

    private static JsonElement? OptionalObject(JsonElement element, string name) =>
        element.TryGetProperty(name, out var property) && property.ValueKind == JsonValueKind.Object ? property.Clone() : null;

    private static int? OptionalCount(JsonElement element, string name) =>
        element.TryGetProperty(name, out var property) && property.ValueKind == JsonValueKind.Number && property.TryGetInt32(out var value) ? value : null;

    private static decimal? OptionalNumber(JsonElement element, string name) =>
        element.TryGetProperty(name, out var property) && property.ValueKind == JsonValueKind.Number && property.TryGetDecimal(out var value) ? value : null;

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
