using VoiceServer.MainApp.Analysis;

namespace VoiceServer.MainApp.Data;

/// <summary>
/// Which stored call records a listing returns: by agent, by start time (<paramref name="Since"/> inclusive,
/// <paramref name="Until"/> exclusive), by the state of their analysis; at most <paramref name="Limit"/>, newest first.
/// </summary>
internal sealed record CallRecordFilter(string? AgentId = null, DateTimeOffset? Since = null, DateTimeOffset? Until = null, AnalysisFilter? Analysis = null, int Limit = 100);
