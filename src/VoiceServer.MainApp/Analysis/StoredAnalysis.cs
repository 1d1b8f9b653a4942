namespace VoiceServer.MainApp.Analysis;

/// <summary>
/// A call's analysis as stored: <see cref="AnalysisStatus"/>, the attempts made, the last failure's reason (never a key),
/// the model's answer as JSON once completed and its success verdict (null without a rubric).
/// </summary>
internal sealed record StoredAnalysis(
    string Status,
    int Attempts,
    DateTimeOffset? NextAttemptAt,
    string? LastError,
    string? ResultJson,
    bool? Passed,
    DateTimeOffset CreatedAt,
    DateTimeOffset? CompletedAt);

/// <summary>The values of <c>call_analyses.status</c>.</summary>
internal static class AnalysisStatus
{
    /// <summary>Waiting for its next attempt, or being worked now.</summary>
    public const string Pending = "pending";

    /// <summary>The model's answer is stored and matched the plan's schema.</summary>
    public const string Completed = "completed";

    /// <summary>Given up: every attempt failed, a final refusal, or an answer that twice did not match the schema.</summary>
    public const string Error = "error";
}
