using System.Text.Json;
using VoiceServer.MainApp.Hosting;

namespace VoiceServer.MainApp.Analysis;

/// <summary>
/// What an agent's calls are analysed for once their record is stored: a summary written as
/// <paramref name="SummaryPrompt"/> asks, data shaped by <paramref name="StructuredDataSchema"/> (a JSON Schema object
/// that OpenAI's strict structured outputs accept), and a verdict against <paramref name="SuccessRubric"/>. Each part is
/// optional; a plan without any part is no plan. The same shape is taken and shown by the admin API and stored as JSON.
/// </summary>
internal sealed record AnalysisPlan(string? SummaryPrompt, JsonElement? StructuredDataSchema, string? SuccessRubric)
{
    public string ToJson() => JsonSerializer.Serialize(this, MainAppJsonContext.Default.AnalysisPlan);

    /// <summary>A stored plan; null for none (or for a row an older version left empty).</summary>
    public static AnalysisPlan? FromJson(string? json) =>
        json is null ? null : JsonSerializer.Deserialize(json, MainAppJsonContext.Default.AnalysisPlan);
}
