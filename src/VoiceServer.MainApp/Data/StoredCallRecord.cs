namespace VoiceServer.MainApp.Data;

/// <summary>
/// A call record the voice server delivered, as stored; <paramref name="Outbound"/> when the app placed the call, and
/// then Twilio's <paramref name="AnsweredBy"/>; <paramref name="Analysis"/> when its agent had an analysis plan.
/// </summary>
internal sealed record StoredCallRecord(
    string CallId,
    string? AgentId,
    string? CallSid,
    DateTimeOffset StartedAt,
    DateTimeOffset EndedAt,
    long DurationMs,
    string EndReason,
    string RecordJson,
    DateTimeOffset ReceivedAt,
    bool Outbound = false,
    string? AnsweredBy = null,
    Analysis.StoredAnalysis? Analysis = null);
