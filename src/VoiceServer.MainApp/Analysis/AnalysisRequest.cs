using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;

namespace VoiceServer.MainApp.Analysis;

/// <summary>
/// One analysis asked of the model in one request: <see cref="Instructions"/> (what each part of the plan asks),
/// <see cref="Transcript"/> (the stored record's turns) and <see cref="ResponseSchema"/>, the strict schema of the whole
/// answer, <c>{summary, structuredData, success: {passed, reason}}</c> with only the parts the plan has. One request
/// rather than one per part: one transcript sent and billed once, one answer checked whole.
/// </summary>
internal sealed record AnalysisRequest(string Instructions, string Transcript, JsonObject ResponseSchema)
{
    /// <summary>The response format's name, as OpenAI's <c>json_schema.name</c> takes it (letters, digits, _ and -).</summary>
    public const string SchemaName = "call_analysis";

    public static AnalysisRequest For(AnalysisPlan plan, JsonElement record)
    {
        var instructions = new StringBuilder(
            "You analyse a finished phone call between an AI voice agent and a caller, from its transcript. " +
            "Answer with one JSON object in the given schema, from what the transcript says; never invent what it does not.\n");
        var properties = new JsonObject();
        if (plan.SummaryPrompt is { } summary)
        {
            instructions.Append("\nsummary: ").Append(summary).Append('\n');
            properties["summary"] = new JsonObject { ["type"] = "string" };
        }

        if (plan.StructuredDataSchema is { } schema)
        {
            instructions.Append("\nstructuredData: the data the schema describes, taken from the call; null where the call did not say.\n");
            properties["structuredData"] = JsonNode.Parse(schema.GetRawText());
        }

        if (plan.SuccessRubric is { } rubric)
        {
            instructions.Append("\nsuccess: whether the call succeeded by this rubric, passed true or false, and the reason in one or two sentences. Rubric: ")
                .Append(rubric).Append('\n');
            properties["success"] = new JsonObject
            {
                ["type"] = "object",
                ["properties"] = new JsonObject { ["passed"] = new JsonObject { ["type"] = "boolean" }, ["reason"] = new JsonObject { ["type"] = "string" } },
                ["required"] = new JsonArray("passed", "reason"),
                ["additionalProperties"] = false,
            };
        }

        var responseSchema = new JsonObject
        {
            ["type"] = "object",
            ["properties"] = properties,
            ["required"] = new JsonArray([.. properties.Select(static p => JsonValue.Create(p.Key))]),
            ["additionalProperties"] = false,
        };
        return new AnalysisRequest(instructions.ToString(), FormatTranscript(record), responseSchema);
    }

    /// <summary>
    /// The record's turns, one a line (<c>caller: …</c>, <c>agent: …</c>), after a line on how the call went. In a
    /// call handed between agents each agent line names its agent (<c>agent billing: …</c>).
    /// </summary>
    public static string FormatTranscript(JsonElement record)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"Call of {Number(record, "durationMs") / 1000} s, ended: {String(record, "endReason") ?? "unknown"} ({String(record, "endDetail") ?? "no detail"}).\n");
        if (record.TryGetProperty("turns", out var turns) && turns.ValueKind == JsonValueKind.Array)
        {
            var agents = turns.EnumerateArray().Select(static turn => String(turn, "agentId")).OfType<string>().Distinct(StringComparer.Ordinal).Count();
            foreach (var turn in turns.EnumerateArray())
            {
                var speaker = String(turn, "speaker") ?? "unknown";
                if (agents > 1 && speaker == "agent" && String(turn, "agentId") is { } agentId)
                {
                    speaker = "agent " + agentId;
                }

                var said = String(turn, "text") ?? "(no transcript)";
                var interrupted = turn.TryGetProperty("interrupted", out var flag) && flag.ValueKind == JsonValueKind.True ? " (cut off by the caller)" : string.Empty;
                text.Append(speaker).Append(": ").Append(said).Append(interrupted).Append('\n');
            }
        }

        return text.ToString();
    }

    /// <summary>
    /// Reads the model's answer: true with the stored result and its verdict when it is JSON that matches
    /// <see cref="ResponseSchema"/> (the agent's schema inside it); false with the reason otherwise.
    /// </summary>
    public bool TryReadAnswer(string? text, out string resultJson, out bool? passed, out string reason)
    {
        resultJson = string.Empty;
        passed = null;
        JsonElement answer;
        try
        {
            using var document = JsonDocument.Parse(text ?? string.Empty);
            answer = document.RootElement.Clone();
        }
        catch (JsonException)
        {
            reason = "the answer is not JSON";
            return false;
        }

        using var schemaDocument = JsonDocument.Parse(ResponseSchema.ToJsonString());
        var results = AnalysisPlanRules.Build(schemaDocument.RootElement).Evaluate(answer, new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (!results.IsValid)
        {
            var first = results.Details?.FirstOrDefault(static d => d.Errors is { Count: > 0 });
            reason = first is null
                ? "the answer does not match the schema"
                : $"the answer does not match the schema at '{first.InstanceLocation}': {first.Errors!.First().Value}";
            reason = reason.Length > 500 ? reason[..500] : reason;
            return false;
        }

        passed = answer.TryGetProperty("success", out var success) && success.TryGetProperty("passed", out var verdict) ? verdict.GetBoolean() : null;
        resultJson = answer.GetRawText();
        reason = string.Empty;
        return true;
    }

    private static string? String(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static long Number(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number) ? number : 0;
}
