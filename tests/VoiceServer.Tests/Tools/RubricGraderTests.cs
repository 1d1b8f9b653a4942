using System.Text.Json.Nodes;
using VoiceServer.Fakes;
using VoiceServer.Simulator.Scenarios;
using VoiceServer.Simulator.Scenarios.Grading;
using VoiceServer.Tests.Infrastructure;

namespace VoiceServer.Tests.Tools;

/// <summary>
/// The two graders: phrases (deterministic, no key) and a model, here the fake Chat Completions server, which refuses
/// any request that is not a strict json_schema structured output.
/// </summary>
public sealed class RubricGraderTests
{
    private const string Key = "sk-grader-test-key-0123456789";

    private static readonly Scenario s_scenario = new()
    {
        Name = "books a table",
        Target = new ScenarioTarget { StreamUrl = new Uri("ws://127.0.0.1:1/api/twilio/media-stream") },
        Goal = "Book a table for two.",
        MaxTurns = 2,
        MaxDuration = TimeSpan.FromSeconds(60),
        Rubric =
        [
            new RubricCriterion("asks-size", "The agent asks how many people.", ["how many"], []),
            new RubricCriterion("no-refusal", "The agent never refuses.", [], ["cannot help"]),
            new RubricCriterion("confirms", "The agent confirms the booking.", ["confirmed", "eight"], []),
            new RubricCriterion("friendly", "The agent is friendly.", [], []),
        ],
    };

    private static readonly ConversationOutcome s_call = new()
    {
        End = CallEnd.TurnLimit,
        CallerTurns = 2,
        Duration = TimeSpan.FromSeconds(12),
        Transcript =
        [
            new TranscriptTurn(Speaker.Agent, "Rosa's Bistro, how can I help?", TimeSpan.FromSeconds(0.5)),
            new TranscriptTurn(Speaker.Caller, "A table, please.", TimeSpan.FromSeconds(2)),
            new TranscriptTurn(Speaker.Agent, "For how many people?", TimeSpan.FromSeconds(4)),
            new TranscriptTurn(Speaker.Caller, "Two, at EIGHT.", TimeSpan.FromSeconds(6), Interrupted: true),
        ],
    };

    [Fact]
    public async Task Phrases_EveryExpectPresent_NoExpectNot_IgnoringCase()
    {
        var results = await new PhraseGrader().GradeAsync(s_scenario, s_call, CancellationToken.None);

        Assert.Equal(["asks-size", "no-refusal", "confirms", "friendly"], results.Select(r => r.Id));
        Assert.Equal([true, true, false, false], results.Select(r => r.Passed));
        Assert.Equal("the transcript says \"how many\" (agent)", results[0].Reason);
        Assert.Equal("it never says \"cannot help\"", results[1].Reason);
        Assert.Equal("the transcript never says \"confirmed\"", results[2].Reason);
        Assert.Contains("only a grading model can judge", results[3].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Phrases_AnExpectNotSaid_FailsNamingWhoAndWhen()
    {
        var call = s_call with { Transcript = [.. s_call.Transcript, new TranscriptTurn(Speaker.Agent, "Sorry, I cannot help with that.", TimeSpan.FromSeconds(8.25))] };

        var results = await new PhraseGrader().GradeAsync(s_scenario, call, CancellationToken.None);

        Assert.False(results[1].Passed);
        Assert.Equal("the agent says \"cannot help\" (at 8.3 s)", results[1].Reason);
    }

    [Fact]
    public async Task Model_StrictJsonSchemaRequest_TheTranscriptAndRubric_VerdictsInRubricOrder()
    {
        using var timeout = TestTimeout.Create();
        await using var openAI = await FakeOpenAIChatServer.StartAsync(timeout.Token);
        openAI.Script(FakeChatReply.Answer(new JsonObject
        {
            ["criteria"] = new JsonArray(
                new JsonObject { ["id"] = "confirms", ["passed"] = false, ["reason"] = "The agent never confirms." },
                new JsonObject { ["id"] = "asks-size", ["passed"] = true, ["reason"] = "Turn 3 asks \"For how many people?\"" },
                new JsonObject { ["id"] = "friendly", ["passed"] = true, ["reason"] = "Warm greeting." }),
        }));
        var grader = new ModelGrader(Key, "gpt-4.1-mini", openAI.BaseUrl);

        var results = await grader.GradeAsync(s_scenario, s_call, timeout.Token);

        Assert.Equal(["asks-size", "no-refusal", "confirms", "friendly"], results.Select(r => r.Id));
        Assert.Equal([true, false, false, true], results.Select(r => r.Passed));
        Assert.Equal("Turn 3 asks \"For how many people?\"", results[0].Reason);
        Assert.Equal("the grading model gave no verdict on this criterion", results[1].Reason);
        Assert.Equal("The agent never confirms.", results[2].Reason);

        var request = Assert.Single(openAI.Requests);
        Assert.Equal(Key, request.ApiKey);
        Assert.Equal("gpt-4.1-mini", (string?)request.Body["model"]);
        var format = request.Body["response_format"]!;
        Assert.Equal("json_schema", (string?)format["type"]);
        Assert.Equal(ModelGrader.SchemaName, (string?)format["json_schema"]!["name"]);
        Assert.True((bool)format["json_schema"]!["strict"]!);
        var item = request.ResponseSchema["properties"]!["criteria"]!["items"]!;
        Assert.Equal(["asks-size", "no-refusal", "confirms", "friendly"], item["properties"]!["id"]!["enum"]!.AsArray().Select(id => (string?)id));
        Assert.Contains("[3] Agent: For how many people?", request.Text, StringComparison.Ordinal);
        Assert.Contains("[4] Caller: Two, at EIGHT. (cut off)", request.Text, StringComparison.Ordinal);
        Assert.Contains("- confirms: The agent confirms the booking.", request.Text, StringComparison.Ordinal);
        Assert.Contains("The caller's goal: Book a table for two.", request.Text, StringComparison.Ordinal);
        Assert.Contains("How the call ended: turn limit", request.Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("refused", "the grading model refused: I can't grade this.")]
    [InlineData("status", "the grading request failed: HTTP 401")]
    [InlineData("not json", "the grading model's answer is not JSON")]
    [InlineData("no criteria", "has no \"criteria\" array")]
    public async Task Model_NoVerdicts_AGradingError_WithoutTheKey(string reply, string expected)
    {
        using var timeout = TestTimeout.Create();
        await using var openAI = await FakeOpenAIChatServer.StartAsync(timeout.Token);
        openAI.Script(reply switch
        {
            "refused" => FakeChatReply.Refused("I can't grade this."),
            "status" => FakeChatReply.Status(401, $"Incorrect API key provided: {Key}."),
            "not json" => FakeChatReply.Answer("verdicts: all good"),
            _ => FakeChatReply.Answer("""{"verdicts":[]}"""),
        });

        var error = await Assert.ThrowsAsync<GradingException>(() => new ModelGrader(Key, "gpt-4.1-mini", openAI.BaseUrl).GradeAsync(s_scenario, s_call, timeout.Token));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Key, error.ToString(), StringComparison.Ordinal);
    }
}
