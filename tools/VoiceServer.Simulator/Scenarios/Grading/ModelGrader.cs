using System.ClientModel;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using OpenAI;
using OpenAI.Chat;

namespace VoiceServer.Simulator.Scenarios.Grading;

/// <summary>
/// Grades with a model, through the official OpenAI .NET library as the main app's post-call analysis does: Chat
/// Completions with a strict <c>json_schema</c> response format whose answer holds one verdict per criterion (its id
/// restricted to the rubric's ids), to OpenAI or any compatible base URL.
/// </summary>
public sealed class ModelGrader(string apiKey, string model, Uri baseUrl) : IRubricGrader
{
    public const string SchemaName = "rubric_grades";

    private const string Instructions =
        """
        You grade a phone call between a simulated caller and a company's AI phone agent against a rubric.
        For each criterion, decide from the transcript alone whether it holds. Pass a criterion only when the transcript
        shows it; when the call ended before the agent could show it, it fails. Give a one-sentence reason that points at
        what was said (quote briefly). The agent's turns are a transcription of its audio as the caller heard it, so
        allow for small recognition errors. Give exactly one verdict for every criterion id.
        """;

    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(120);

    public async Task<IReadOnlyList<CriterionResult>> GradeAsync(Scenario scenario, ConversationOutcome outcome, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(outcome);
        var client = new ChatClient(model, new ApiKeyCredential(apiKey), new OpenAIClientOptions { Endpoint = baseUrl, NetworkTimeout = s_timeout });
        var options = new ChatCompletionOptions
        {
            ResponseFormat = ChatResponseFormat.CreateJsonSchemaFormat(
                SchemaName,
                BinaryData.FromString(Schema(scenario.Rubric).ToJsonString()),
                jsonSchemaIsStrict: true),
        };
        ChatMessage[] messages = [new SystemChatMessage(Instructions), new UserChatMessage(Question(scenario, outcome))];
        ChatCompletion completion;
        try
        {
            completion = await client.CompleteChatAsync(messages, options, cancellationToken);
        }
        catch (ClientResultException ex)
        {
            // The API's own error text may quote the key it was given ("Incorrect API key provided: …").
            throw new GradingException(WithoutKey($"the grading request failed: HTTP {ex.Status}: {ex.Message}"));
        }
        catch (HttpRequestException ex)
        {
            throw new GradingException(WithoutKey($"the grading request failed: {ex.Message}"));
        }

        if (completion.Refusal is { } refusal)
        {
            throw new GradingException(WithoutKey($"the grading model refused: {refusal}"));
        }

        if (completion.Content.Count == 0)
        {
            throw new GradingException("the grading model answered with no content");
        }

        return Read(completion.Content[0].Text, scenario.Rubric);
    }

    private string WithoutKey(string message) => message.Replace(apiKey, "***", StringComparison.Ordinal);

    /// <summary>The answer's schema, strict: every object closed, every property required, ids from the rubric.</summary>
    public static JsonObject Schema(IReadOnlyList<RubricCriterion> rubric)
    {
        ArgumentNullException.ThrowIfNull(rubric);
        return new JsonObject
        {
            ["type"] = "object",
            ["properties"] = new JsonObject
            {
                ["criteria"] = new JsonObject
                {
                    ["type"] = "array",
                    ["items"] = new JsonObject
                    {
                        ["type"] = "object",
                        ["properties"] = new JsonObject
                        {
                            ["id"] = new JsonObject { ["type"] = "string", ["enum"] = new JsonArray([.. rubric.Select(c => JsonValue.Create(c.Id))]) },
                            ["passed"] = new JsonObject { ["type"] = "boolean" },
                            ["reason"] = new JsonObject { ["type"] = "string" },
                        },
                        ["required"] = new JsonArray("id", "passed", "reason"),
                        ["additionalProperties"] = false,
                    },
                },
            },
            ["required"] = new JsonArray("criteria"),
            ["additionalProperties"] = false,
        };
    }

    /// <summary>What the model reads: the goal, how the call ended, the numbered transcript and the rubric.</summary>
    public static string Question(Scenario scenario, ConversationOutcome call)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(call);
        var text = new StringBuilder();
        text.Append("The caller's goal: ").Append(scenario.Goal).Append('\n');
        text.Append("How the call ended: ").Append(ConversationOutcome.Describe(call.End)).Append('\n');
        text.Append("\nTranscript:\n");
        if (call.Transcript.Count == 0)
        {
            text.Append("(nothing was said)\n");
        }

        for (var i = 0; i < call.Transcript.Count; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"[{i + 1}] {call.Transcript[i]}\n");
        }

        text.Append("\nRubric:\n");
        foreach (var criterion in scenario.Rubric)
        {
            text.Append("- ").Append(criterion.Id).Append(": ").Append(criterion.Description).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>The verdicts in the rubric's order; a criterion the answer skipped fails, saying so.</summary>
    public static IReadOnlyList<CriterionResult> Read(string answer, IReadOnlyList<RubricCriterion> rubric)
    {
        ArgumentNullException.ThrowIfNull(rubric);
        var verdicts = new Dictionary<string, CriterionResult>(StringComparer.Ordinal);
        try
        {
            if (JsonNode.Parse(answer) is not JsonObject { } root || root["criteria"] is not JsonArray criteria)
            {
                throw new GradingException("the grading model's answer has no \"criteria\" array");
            }

            foreach (var node in criteria)
            {
                if (node is JsonObject verdict
                    && verdict["id"] is JsonValue id && id.TryGetValue<string>(out var idText)
                    && verdict["passed"] is JsonValue passed && passed.TryGetValue<bool>(out var passedValue)
                    && verdict["reason"] is JsonValue reason && reason.TryGetValue<string>(out var reasonText))
                {
                    verdicts.TryAdd(idText, new CriterionResult(idText, passedValue, reasonText));
                }
            }
        }
        catch (JsonException ex)
        {
            throw new GradingException("the grading model's answer is not JSON", ex);
        }

        return [.. rubric.Select(criterion => verdicts.TryGetValue(criterion.Id, out var verdict)
            ? verdict
            : new CriterionResult(criterion.Id, false, "the grading model gave no verdict on this criterion"))];
    }
}
