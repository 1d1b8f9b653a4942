using System.Text.Json;

namespace VoiceServer.MainApp.Analysis;

/// <summary>
/// A call's analysis as the admin API shows it, beside the record: <c>status</c> (<c>pending</c>, <c>completed</c>,
/// <c>error</c>), <c>passed</c> (the rubric's verdict), <c>result</c> (<c>{summary, structuredData, success}</c>, the
/// parts the plan asks for), and for a pending or failed one the attempts so far, the next one's time and the last error.
/// </summary>
internal sealed record AnalysisView(
    string Status,
    bool? Passed,
    JsonElement? Result,
    int Attempts,
    DateTimeOffset? NextAttemptAt,
    string? LastError,
    DateTimeOffset CreatedAt,
    DateTimeOffset? CompletedAt)
{
    public static AnalysisView From(StoredAnalysis stored)
    {
        JsonElement? result = null;
        if (stored.ResultJson is { } json)
        {
            using var document = JsonDocument.Parse(json);
            result = document.RootElement.Clone();
        }

        return new AnalysisView(
            stored.Status,
            stored.Passed,
            result,
            stored.Attempts,
            stored.Status == AnalysisStatus.Pending ? stored.NextAttemptAt : null,
            stored.LastError,
            stored.CreatedAt,
            stored.CompletedAt);
    }
}
