using System.Text.Json;

namespace VoiceServer.MainApp.Calls;

/// <summary>
/// One agent's part of a call, as the record's <c>segments</c> show it: who held the call, from when to when, why
/// that ended (<c>handoff</c>, to <paramref name="HandedTo"/> for <paramref name="HandoffReason"/>, or the call's end
/// reason), what its model sessions billed (<paramref name="Usage"/> as the record has it) and cost, and how many of
/// them were replaced mid-call. A record of a voice server from before segments has one, read from the record's own fields.
/// </summary>
internal sealed record CallSegmentView(
    string? AgentId,
    string? Model,
    DateTimeOffset StartedAt,
    DateTimeOffset EndedAt,
    string EndReason,
    string? HandedTo,
    string? HandoffReason,
    JsonElement? Usage,
    decimal? EstimatedCostUsd,
    int? ModelReconnects);
