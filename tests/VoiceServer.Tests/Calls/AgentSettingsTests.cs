using System.Text.Json.Nodes;
using VoiceServer.Tests.Infrastructure;
using VoiceServer.TwilioEmulator;

namespace VoiceServer.Tests.Calls;

/// <summary>The per-call agent settings reach the model's session in the GA shape (the fake rejects any other).</summary>
public sealed class AgentSettingsTests
{
    private const string LookupTool =
        """[{"name":"lookup_order","description":"Find an order","parameters":{"type":"object","properties":{"orderId":{"type":"string"}},"required":["orderId"]},"url":"https://tools.example.com/orders"}]""";

    [Fact]
    public async Task EverySetting_InTheSessionUpdate_AcceptedByTheModel()
    {
        // Signed for this call: only then may transferNumbers be used.
        await using var harness = await CallHarness.StartAsync(settings: new Dictionary<string, string?> { ["CONFIG_SIGNING_KEY"] = ConfigTokens.SigningKey });
        var options = new FakeTwilioCallerOptions();
        var token = ConfigTokens.SignedAndEncrypted(
            new JsonObject
            {
                ["agentId"] = CallHarness.AgentId,
                ["openAIKey"] = CallHarness.CallKey,
                ["language"] = "de",
                ["vad"] = "semantic_vad",
                ["vadEagerness"] = "high",
                ["noiseReduction"] = "near_field",
                ["tools"] = LookupTool,
                ["endCall"] = "true",
                ["transferNumbers"] = "+15557654321",
            },
            callSid: options.CallSid);
        var (_, model) = await harness.StartCallAsync(new Dictionary<string, string> { ["config"] = token }, options);

        var session = model.SessionUpdates[0]["session"]!;
        var input = session["audio"]!["input"]!;
        Assert.Equal("gpt-4o-mini-transcribe", (string?)input["transcription"]!["model"]);
        Assert.Equal("de", (string?)input["transcription"]!["language"]);
        Assert.Equal("near_field", (string?)input["noise_reduction"]!["type"]);
        Assert.Equal("semantic_vad", (string?)input["turn_detection"]!["type"]);
        Assert.Equal("high", (string?)input["turn_detection"]!["eagerness"]);
        Assert.Equal("auto", (string?)session["tool_choice"]);
        var tools = session["tools"]!.AsArray();
        Assert.Equal(["lookup_order", "end_call", "transfer_call"], tools.Select(t => (string)t!["name"]!));
        Assert.All(tools, t => Assert.Equal("function", (string?)t!["type"]));
        Assert.Equal("orderId", (string?)tools[0]!["parameters"]!["required"]![0]);
        Assert.False(tools[0]!.AsObject().ContainsKey("url"));
        Assert.Equal("+15557654321", (string?)tools[2]!["parameters"]!["properties"]!["number"]!["enum"]![0]);
        Assert.Empty(model.ErrorsSent);
    }

    [Fact]
    public async Task ServerVadKnobs_InTheSessionUpdate()
    {
        await using var harness = await CallHarness.StartAsync();
        var (_, model) = await harness.StartCallAsync(CallHarness.Parameters(("vadThreshold", "0.7"), ("vadSilenceMs", "800"), ("vadPrefixPaddingMs", "200")));

        var vad = model.SessionUpdates[0]["session"]!["audio"]!["input"]!["turn_detection"]!;
        Assert.Equal(("server_vad", 0.7, 800, 200), ((string)vad["type"]!, (double)vad["threshold"]!, (int)vad["silence_duration_ms"]!, (int)vad["prefix_padding_ms"]!));
        Assert.False(model.SessionUpdates[0]["session"]!.AsObject().ContainsKey("tools"));
    }

    [Fact]
    public async Task PromptOverTheParameterLimit_SplitOverNumberedParameters()
    {
        await using var harness = await CallHarness.StartAsync();
        var prompt = string.Concat(Enumerable.Repeat("You answer questions about orders, politely and briefly. ", 30));
        var parameters = CallHarness.Parameters();
        foreach (var (chunk, index) in prompt.Chunk(450).Select((chunk, index) => (new string(chunk), index)))
        {
            parameters[$"prompt.{index}"] = chunk;
        }

        var (_, model) = await harness.StartCallAsync(parameters);

        Assert.Equal(prompt, (string?)model.SessionUpdates[0]["session"]!["instructions"]);
        Assert.All(parameters, p => Assert.True(p.Key.Length + p.Value.Length < 500));
    }

    [Fact]
    public async Task InvalidSettingInStart_ClosedWith1008NamingIt_ModelNeverContacted()
    {
        await using var harness = await CallHarness.StartAsync();
        var caller = await harness.ConnectAsync();
        await caller.SendStartAsync(CallHarness.Parameters(("tools", """[{"name":"lookup"}]""")), cancellationToken: harness.Token);

        var description = await harness.AssertCallEndedAsync(caller, System.Net.WebSockets.WebSocketCloseStatus.PolicyViolation, "invalid_configuration");
        Assert.Contains("url", description, StringComparison.Ordinal);
        Assert.Equal(0, harness.Realtime.UpgradeAttemptCount);
    }
}
