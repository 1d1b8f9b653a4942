using System.Net.Http.Json;
using System.Text.Json.Nodes;
using VoiceServer.Fakes;
using VoiceServer.TwilioEmulator;

namespace VoiceServer.Tests.MainApp;

/// <summary>
/// Agents handing a call to each other, through the whole system: the main app's TwiML, the voice server, the fake
/// Realtime server playing each agent's model, and the main app answering the voice server's signed handoff requests.
/// The caller's socket stays open throughout; an agent with another voice gets a model session of its own, one with
/// the same voice, model and key takes over the live session (HandoffContextWholeSystemTests covers both further).
/// </summary>
public sealed class HandoffWholeSystemTests
{
    internal const string FrontNumber = "+15557005001";
    private const string BillingKey = "sk-billing-own-key-0123456789";

    /// <summary>
    /// front (marin) → billing (cedar, told the last 2 turns: a session of its own) → refunds (cedar and billing's key,
    /// told everything: billing's session, updated in place).
    /// </summary>
    private static async Task CreateChainAsync(SystemHarness system)
    {
        await system.CreateAgentAsync("refunds", "+15557005003", new JsonObject { ["name"] = "Refunds", ["voice"] = "cedar", ["prompt"] = "You are refunds.", ["openAIKey"] = BillingKey });
        await system.CreateAgentAsync("billing", "+15557005002", new JsonObject
        {
            ["name"] = "Billing",
            ["voice"] = "cedar",
            ["prompt"] = "You are billing.",
            ["openAIKey"] = BillingKey,
            ["handoffs"] = new JsonArray(new JsonObject { ["agentId"] = "refunds", ["description"] = "The caller wants money back." }),
        });
        await system.CreateAgentAsync("front", FrontNumber, new JsonObject
        {
            ["name"] = "Front desk",
            ["voice"] = "marin",
            ["prompt"] = "You are the front desk.",
            ["openAIKey"] = "sk-front-own-key-0123456789",
            ["handoffs"] = new JsonArray(new JsonObject { ["agentId"] = "billing", ["description"] = "Invoices and payments.", ["context"] = "last_turns", ["lastTurns"] = 2 }),
        });
    }

    internal static async Task<(FakeTwilioCaller Caller, FakeRealtimeConnection Model, string CallSid)> CallFrontAsync(SystemHarness system, MarkMode marks = MarkMode.Immediate)
    {
        var callSid = TwilioIds.NewCallSid();
        var twiml = await system.CallAsync(FrontNumber, callSid);
        var caller = await FakeTwilioCaller.ConnectAsync(twiml.StreamUrl!, new FakeTwilioCallerOptions { CallSid = callSid, MarkMode = marks }, system.Token);
        await caller.SendConnectedAsync(system.Token);
        await caller.SendStartAsync(twiml.Parameters, cancellationToken: system.Token);
        var model = await system.Voice.Realtime.WaitForConnectionAsync(0, system.Token);

        await model.WaitForEventAsync("session.update", system.Token);
        // The model's turns count from the moment the call is ready (its session confirmed, audio flowing).
        await system.Voice.Server.Logs.WaitForAsync(e => e.EventName == "CallReady", system.Token);
        return (caller, model, callSid);
    }

    /// <summary>One caller turn, transcribed, then an agent turn that speaks and calls <paramref name="name"/> (if any), in the real API's order.</summary>
    internal static async Task TurnAsync(SystemHarness system, FakeRealtimeConnection model, string turn, string callerSays, string agentSays, string? name = null, string arguments = "{}")
    {
        await model.SendInputTranscriptionCompletedAsync($"item_caller_{turn}", callerSays, system.Token);
        var responseId = $"resp_{turn}";
        var itemId = $"item_agent_{turn}";
        await model.SendResponseCreatedAsync(responseId, system.Token);
        await model.SendAudioDeltaAsync(responseId, itemId, AudioFixtures.Tone(100), cancellationToken: system.Token);
        await model.SendTranscriptDoneAsync(responseId, itemId, agentSays, cancellationToken: system.Token);
        if (name is not null)
        {
            await model.SendFunctionCallAsync(responseId, $"item_fc_{turn}", $"call_{turn}", name, arguments, system.Token);
        }

        await model.SendAudioDoneAsync(responseId, itemId, cancellationToken: system.Token);
        await model.SendResponseDoneAsync(responseId, "completed", system.Token);
    }

    internal static string Handoff(string agent, string reason, JsonObject? arguments = null)
    {
        var call = new JsonObject { ["agent"] = agent, ["reason"] = reason };
        if (arguments is not null)
        {
            call["arguments"] = arguments;
        }

        return call.ToJsonString();
    }

    internal static async Task<JsonObject> FunctionOutputAsync(SystemHarness system, FakeRealtimeConnection model, string toolCallId)
    {
        var created = await model.WaitForEventAsync("conversation.item.create", e => (string?)e["item"]?["call_id"] == toolCallId, system.Token);
        return JsonNode.Parse((string)created["item"]!["output"]!)!.AsObject();
    }

    /// <summary>The caller's and agents' turns replayed into <paramref name="model"/> (system messages apart).</summary>
    internal static IEnumerable<string> ReplayedTexts(FakeRealtimeConnection model) =>
        model.Received
            .Where(e => (string?)e["type"] == "conversation.item.create" && (string?)e["item"]?["type"] == "message" && (string?)e["item"]?["role"] != "system")
            .Select(e => (string)e["item"]!["content"]![0]!["text"]!);

    [Theory]
    [MemberData(nameof(SystemHarness.Backends), MemberType = typeof(SystemHarness))]
    public async Task AChainOfThreeAgents_EachTakesOverTheSameCall_AnotherVoiceInANewSession_TheSameVoiceInPlace(string backend)
    {
        await using var system = await SystemHarness.StartAsync(backend);
        await CreateChainAsync(system);
        var (caller, front, callSid) = await CallFrontAsync(system);
        await using var callerLease = caller;

        await TurnAsync(system, front, "1", "Hello.", "Hello, front desk here.");
        await TurnAsync(system, front, "2", "I have a question about invoice INV-7.", "Let me pass you to billing.", "transfer_to_agent", Handoff("billing", "an invoice question", new JsonObject { ["invoice"] = "INV-7" }));

        // Billing: another voice, so a session of its own on billing's own key, told the last two turns only.
        var billing = await system.Voice.Realtime.WaitForConnectionAsync(1, system.Token);
        Assert.Equal($"Bearer {BillingKey}", billing.Headers["Authorization"]);
        var session = (await billing.WaitForEventAsync("session.update", system.Token))["session"]!;
        Assert.Equal("You are billing.", (string?)session["instructions"]);
        Assert.Equal("cedar", (string?)session["audio"]!["output"]!["voice"]);
        Assert.Contains(session["tools"]!.AsArray(), tool => (string?)tool!["name"] == "transfer_to_agent");
        var takeOver = await billing.WaitForEventAsync("response.create", system.Token);
        var instructions = (string)takeOver["response"]!["instructions"]!;
        Assert.StartsWith("You are billing.", instructions, StringComparison.Ordinal);
        Assert.Contains("an invoice question", instructions, StringComparison.Ordinal);
        Assert.Contains("INV-7", instructions, StringComparison.Ordinal);
        Assert.Equal(["I have a question about invoice INV-7.", "Let me pass you to billing."], ReplayedTexts(billing));
        var (frontClosed, _) = await front.WaitForClientCloseAsync(system.Token);
        Assert.NotNull(frontClosed);

        // Refunds: billing's voice, model and key, told the whole conversation: billing's session becomes refunds', in place.
        var updatesBefore = billing.SessionUpdates.Count;
        await TurnAsync(system, billing, "3", "Actually I want my money back.", "Refunds will help you.", "transfer_to_agent", Handoff("refunds", "a refund"));
        await billing.WaitForEventCountAsync("session.update", updatesBefore + 1, system.Token);
        var inPlace = billing.SessionUpdates[updatesBefore]["session"]!;
        Assert.Equal("You are refunds.", (string?)inPlace["instructions"]);
        Assert.Equal("cedar", (string?)inPlace["audio"]!["output"]!["voice"]);
        Assert.Empty(inPlace["tools"]!.AsArray()); // refunds hands nothing on: billing's transfer_to_agent is gone
        Assert.Equal("handed_over", (string?)(await FunctionOutputAsync(system, billing, "call_3"))["status"]);
        await billing.WaitForEventCountAsync("response.create", 2, system.Token);
        Assert.StartsWith("You are refunds.", (string)billing.Received.Last(e => (string?)e["type"] == "response.create")["response"]!["instructions"]!, StringComparison.Ordinal);
        Assert.Equal(2, system.Voice.Realtime.ConnectionCount);
        Assert.Equal(["I have a question about invoice INV-7.", "Let me pass you to billing."], ReplayedTexts(billing));

        // The caller heard every agent on the one socket, and hangs up once refunds' response is billed.
        await billing.SendAudioResponseAsync("resp_4", "item_agent_4", AudioFixtures.Tone(100), cancellationToken: system.Token);
        await caller.WaitForAudioBytesAsync(3 * 800, system.Token);
        await system.Voice.Server.Logs.WaitForAsync(e => e.EventName == "ResponseDone" && e.Message.Contains("resp_4", StringComparison.Ordinal), system.Token);
        await caller.SendStopAsync(system.Token);
        await system.Logs.WaitForAsync(e => e.EventName == "Stored", system.Token);
        var record = Assert.Single((await system.Admin.GetFromJsonAsync<JsonArray>("/api/calls?agentId=front", system.Token))!)!;
        Assert.Equal((callSid, "caller_stopped", "front"), ((string?)record["callSid"], (string?)record["endReason"], (string?)record["agentId"]));
        Assert.Equal(0, (int)record["record"]!["modelReconnects"]!);
        Assert.Empty(billing.ErrorsSent);
        Assert.DoesNotContain(system.Logs.Entries, e => e.Message.Contains(BillingKey, StringComparison.Ordinal));
        Assert.DoesNotContain(system.Voice.Server.Logs.Entries, e => e.Message.Contains(BillingKey, StringComparison.Ordinal));
        // Billing's session served refunds too: what it billed from refunds' first response on is refunds'.
        static bool Refunds(JsonObject done) => (string?)done["response"]!["id"] == "resp_4";
        AssertSegmentsOfTheChain(record, [ResponsesDone(front), [.. ResponsesDone(billing).Where(done => !Refunds(done))], [.. ResponsesDone(billing).Where(Refunds)]]);

        // Listing by agent finds the call for each agent that held it, not only the one it was placed for.
        foreach (var agent in new[] { "billing", "refunds" })
        {
            var held = Assert.Single((await system.Admin.GetFromJsonAsync<JsonArray>($"/api/calls?agentId={agent}", system.Token))!)!;
            Assert.Equal(record.ToJsonString(), held.ToJsonString());
        }

        Assert.Empty((await system.Admin.GetFromJsonAsync<JsonArray>("/api/calls?agentId=sales", system.Token))!);
    }

    [Theory]
    [MemberData(nameof(SystemHarness.Backends), MemberType = typeof(SystemHarness))]
    public async Task ADropAfterAHandoff_TheReplacementSessionStaysInTheNewAgentsSegment(string backend)
    {
        await using var system = await SystemHarness.StartAsync(backend);
        await CreateChainAsync(system);
        var (caller, front, _) = await CallFrontAsync(system);
        await using var callerLease = caller;
        await TurnAsync(system, front, "1", "Billing, please.", "One moment.", "transfer_to_agent", Handoff("billing", "billing"));
        var billing = await system.Voice.Realtime.WaitForConnectionAsync(1, system.Token);
        await billing.WaitForEventAsync("response.create", system.Token);
        await TurnAsync(system, billing, "2", "It is about invoice INV-7.", "Let me look.");
        await system.Voice.Server.Logs.WaitForAsync(e => e.EventName == "ResponseDone" && e.Message.Contains("resp_2", StringComparison.Ordinal), system.Token);

        // Billing's session hits the provider's cap: a new one, billing's again, carries on.
        await billing.CloseAsync(System.Net.WebSockets.WebSocketCloseStatus.EndpointUnavailable, "Your session hit the maximum duration of 60 minutes.", system.Token);
        var billingAgain = await system.Voice.Realtime.WaitForConnectionAsync(2, system.Token);
        Assert.Equal($"Bearer {BillingKey}", billingAgain.Headers["Authorization"]);
        await system.Voice.Server.Logs.WaitForAsync(e => e.EventName == "ModelSessionReplaced" && e.Message.Contains("session_cap", StringComparison.Ordinal), system.Token);
        await TurnAsync(system, billingAgain, "3", "Is it paid?", "Yes, it is paid.");
        await system.Voice.Server.Logs.WaitForAsync(e => e.EventName == "ResponseDone" && e.Message.Contains("resp_3", StringComparison.Ordinal), system.Token);
        await caller.SendStopAsync(system.Token);
        await system.Logs.WaitForAsync(e => e.EventName == "Stored", system.Token);

        var view = Assert.Single((await system.Admin.GetFromJsonAsync<JsonArray>("/api/calls?agentId=billing", system.Token))!)!;
        var record = view["record"]!;
        var segments = record["segments"]!.AsArray();
        foreach (var listed in new[] { segments, view["segments"]!.AsArray() })
        {
            Assert.Equal(
                [("front", "handoff", 0), ("billing", "caller_stopped", 1)],
                listed.Select(s => ((string?)s!["agentId"], (string?)s["endReason"], (int)s["modelReconnects"]!)));
        }

        Assert.Equal(1, (int)record["modelReconnects"]!);
        // Billing's segment billed both of billing's sessions, front's only its own.
        long Output(params FakeRealtimeConnection[] sessions) =>
            sessions.Sum(session => Tokens(session.Sent.Where(e => (string?)e["type"] == "response.done"), "output_token_details", "text_tokens") +
                Tokens(session.Sent.Where(e => (string?)e["type"] == "response.done"), "output_token_details", "audio_tokens"));
        Assert.Equal((Output(front), Output(billing, billingAgain)), ((long)segments[0]!["usage"]!["outputTokens"]!, (long)segments[1]!["usage"]!["outputTokens"]!));
        Assert.Equal(Output(front, billing, billingAgain), (long)record["usage"]!["outputTokens"]!);
        Assert.Equal(["front", "front", "billing", "billing", "billing", "billing"], record["turns"]!.AsArray().Select(t => (string?)t!["agentId"]));
    }

    internal static List<JsonObject> ResponsesDone(FakeRealtimeConnection session) => [.. session.Sent.Where(e => (string?)e["type"] == "response.done")];

    /// <summary>
    /// The stored record of front → billing → refunds, as the admin API lists it: a segment per agent with its times,
    /// why it ended, the model's reason and what that agent's responses billed (<paramref name="responsesDone"/>, per
    /// segment); every turn tagged with its agent.
    /// </summary>
    private static void AssertSegmentsOfTheChain(JsonNode view, IReadOnlyList<JsonObject>[] responsesDone)
    {
        var record = view["record"]!;
        var segments = record["segments"]!.AsArray();
        Assert.Equal(
            [("front", "handoff", "billing", "an invoice question"), ("billing", "handoff", "refunds", "a refund"), ("refunds", "caller_stopped", null, null)],
            segments.Select(s => ((string?)s!["agentId"], (string?)s["endReason"], (string?)s["handedTo"], (string?)s["handoffReason"])));

        // One after the other, from the call's start to its end.
        var times = segments.Select(s => (Start: Time(s!["startedAt"]), End: Time(s!["endedAt"]))).ToList();
        Assert.Equal(Time(record["startedAt"]), times[0].Start);
        Assert.Equal(Time(record["endedAt"]), times[^1].End);
        for (var index = 0; index < times.Count; index++)
        {
            Assert.True(times[index].Start <= times[index].End);
            if (index > 0)
            {
                Assert.Equal(times[index - 1].End, times[index].Start);
            }
        }

        // Each segment billed what its agent's session reported, priced at gpt-realtime; the call is the sum.
        decimal totalCost = 0;
        var fields = new[] { "inputTextTokens", "inputAudioTokens", "outputTextTokens", "outputAudioTokens" };
        var totals = new long[fields.Length];
        for (var index = 0; index < responsesDone.Length; index++)
        {
            var expected = new[]
            {
                Tokens(responsesDone[index], "input_token_details", "text_tokens"),
                Tokens(responsesDone[index], "input_token_details", "audio_tokens"),
                Tokens(responsesDone[index], "output_token_details", "text_tokens"),
                Tokens(responsesDone[index], "output_token_details", "audio_tokens"),
            };
            var usage = segments[index]!["usage"]!;
            Assert.Equal(expected, fields.Select(field => (long)usage[field]!));
            Assert.True(expected[2] + expected[3] > 0);
            var cost = ((expected[0] * 4m) + (expected[1] * 32m) + (expected[2] * 16m) + (expected[3] * 64m)) / 1_000_000m;
            Assert.Equal(decimal.Round(cost, 6), (decimal)segments[index]!["estimatedCostUsd"]!);
            Assert.Equal("gpt-realtime", (string?)segments[index]!["model"]);
            totalCost += (decimal)segments[index]!["estimatedCostUsd"]!;
            for (var field = 0; field < fields.Length; field++)
            {
                totals[field] += expected[field];
            }
        }

        Assert.Equal(totals, fields.Select(field => (long)record["usage"]![field]!));
        Assert.Equal(totalCost, (decimal)record["estimatedCostUsd"]!);

        // The listing's own segments are the record's, in the same order.
        Assert.Equal(
            segments.Select(s => ((string?)s!["agentId"], (string?)s["endReason"], (decimal)s["estimatedCostUsd"]!)),
            view["segments"]!.AsArray().Select(s => ((string?)s!["agentId"], (string?)s["endReason"], (decimal)s["estimatedCostUsd"]!)));

        // Whose turn each line was: the caller's lines are the agent's that held the call at the time.
        Assert.Equal(
            [
                ("caller", "front", "Hello."),
                ("agent", "front", "Hello, front desk here."),
                ("caller", "front", "I have a question about invoice INV-7."),
                ("agent", "front", "Let me pass you to billing."),
                ("caller", "billing", "Actually I want my money back."),
                ("agent", "billing", "Refunds will help you."),
                ("agent", "refunds", null),
            ],
            record["turns"]!.AsArray().Select(t => ((string?)t!["speaker"], (string?)t["agentId"], (string?)t["text"])));
    }

    private static DateTimeOffset Time(JsonNode? value) => DateTimeOffset.Parse((string)value!, System.Globalization.CultureInfo.InvariantCulture);

    private static long Tokens(IEnumerable<JsonObject> responsesDone, string detail, string field) =>
        responsesDone.Sum(done => done["response"]!["usage"]?[detail]?[field] is { } tokens ? long.Parse(tokens.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture) : 0);

    [Theory]
    [InlineData("sales")] // not listed: the model is refused at once
    [InlineData("billing")] // listed, but deleted since: the main app refuses it
    public async Task AnUnknownDestination_IsAToolError_TheCallGoesOnWithTheSameAgent(string destination)
    {
        await using var system = await SystemHarness.StartAsync("sqlite");
        await CreateChainAsync(system);
        using (var deleted = await system.Admin.DeleteAsync("/api/agents/billing", system.Token))
        {
            Assert.True(deleted.IsSuccessStatusCode);
        }

        var (caller, front, _) = await CallFrontAsync(system);
        await using var callerLease = caller;

        await TurnAsync(system, front, "1", "Billing, please.", "One moment.", "transfer_to_agent", Handoff(destination, "billing"));

        Assert.Contains("error", (await FunctionOutputAsync(system, front, "call_1")).ToJsonString(), StringComparison.Ordinal);
        await front.WaitForEventAsync("response.create", system.Token); // the same agent explains
        Assert.Equal(1, system.Voice.Realtime.ConnectionCount);
    }

    [Fact]
    public async Task TheLoopCap_RefusesTheHandoffOneTooMany_TheCallGoesOn()
    {
        await using var system = await SystemHarness.StartAsync("sqlite", voiceSettings: new Dictionary<string, string?> { ["MAX_HANDOFFS_PER_CALL"] = "1" });
        await CreateChainAsync(system);
        using (var back = await system.Admin.PutAsJsonAsync("/api/agents/billing", new JsonObject
        {
            ["name"] = "Billing",
            ["handoffs"] = new JsonArray(new JsonObject { ["agentId"] = "front", ["description"] = "Anything that is not billing." }),
        }, system.Token))
        {
            Assert.True(back.IsSuccessStatusCode);
        }

        var (caller, front, _) = await CallFrontAsync(system);
        await using var callerLease = caller;
        await TurnAsync(system, front, "1", "Billing, please.", "One moment.", "transfer_to_agent", Handoff("billing", "billing"));
        var billing = await system.Voice.Realtime.WaitForConnectionAsync(1, system.Token);
        await billing.WaitForEventAsync("response.create", system.Token);

        await TurnAsync(system, billing, "2", "Back to the front desk.", "One moment.", "transfer_to_agent", Handoff("front", "not billing"));

        Assert.Contains("most allowed", (await FunctionOutputAsync(system, billing, "call_2")).ToJsonString(), StringComparison.Ordinal);
        await billing.WaitForEventCountAsync("response.create", 2, system.Token);
        Assert.Equal(2, system.Voice.Realtime.ConnectionCount);
    }

    [Fact]
    public async Task ABargeInDuringTheNewAgentsFirstWords_ClearsTheCallerAndTruncatesOnTheNewSession()
    {
        await using var system = await SystemHarness.StartAsync("sqlite");
        await CreateChainAsync(system);
        // Marks come back only when the test says: the new agent's words are still playing when the caller speaks.
        var (caller, front, _) = await CallFrontAsync(system, MarkMode.Manual);
        await using var callerLease = caller;
        await TurnAsync(system, front, "1", "Billing, please.", "One moment.", "transfer_to_agent", Handoff("billing", "billing"));
        var billing = await system.Voice.Realtime.WaitForConnectionAsync(1, system.Token);
        await billing.WaitForEventAsync("response.create", system.Token);
        var heardBefore = caller.ReceivedAudio.Length;

        // The new agent starts speaking; the caller talks over it.
        await billing.SendResponseCreatedAsync("resp_take_over", system.Token);
        await billing.SendAudioDeltaAsync("resp_take_over", "item_take_over", AudioFixtures.Tone(1000), cancellationToken: system.Token);
        await caller.WaitForAudioBytesAsync(heardBefore + 8000, system.Token);
        await billing.SendSpeechStartedAsync(cancellationToken: system.Token);

        await caller.WaitForClearAsync(system.Token);
        var truncate = await billing.WaitForEventAsync("conversation.item.truncate", system.Token);
        Assert.Equal("item_take_over", (string?)truncate["item_id"]);
        Assert.DoesNotContain(front.Received, e => (string?)e["type"] == "conversation.item.truncate");
        Assert.Empty(billing.ErrorsSent);
    }

    [Fact]
    public async Task AHandoffWhileAToolCallIsInFlight_WaitsForTheToolsAnswer_ThenSwitches()
    {
        await using var tool = await FakeHttpReceiver.StartAsync();
        tool.HoldRequests();
        await using var system = await SystemHarness.StartAsync("sqlite", voiceSettings: new Dictionary<string, string?> { ["TOOL_TIMEOUT_SECONDS"] = "1" });
        await CreateChainAsync(system);
        var lookup = new JsonArray(new JsonObject { ["name"] = "lookup_order", ["description"] = "Find an order", ["url"] = tool.Url("/orders").ToString() }).ToJsonString();
        using (var withTool = await system.Admin.PutAsJsonAsync("/api/agents/front", new JsonObject { ["name"] = "Front desk", ["tools"] = lookup }, system.Token))
        {
            Assert.True(withTool.IsSuccessStatusCode);
        }

        var (caller, front, _) = await CallFrontAsync(system);
        await using var callerLease = caller;

        // One response calls the webhook tool and hands over; the tool does not answer in time.
        await front.SendResponseCreatedAsync("resp_1", system.Token);
        await front.SendFunctionCallAsync("resp_1", "item_fc_a", "call_lookup", "lookup_order", """{"orderId":"A-17"}""", system.Token);
        await front.SendFunctionCallAsync("resp_1", "item_fc_b", "call_handoff", "transfer_to_agent", Handoff("billing", "billing"), system.Token);
        await front.SendResponseDoneAsync("resp_1", "completed", system.Token);
        await tool.WaitForRequestAsync(0, system.Token);

        // The switch comes once the tool's call is answered (here by its timeout), on the old session; the new one follows.
        Assert.Contains("did not answer", (await FunctionOutputAsync(system, front, "call_lookup")).ToJsonString(), StringComparison.Ordinal);
        var billing = await system.Voice.Realtime.WaitForConnectionAsync(1, system.Token);
        await billing.WaitForEventAsync("response.create", system.Token);
        Assert.DoesNotContain(front.Received, e => (string?)e["type"] == "response.create");
        Assert.DoesNotContain(front.Received, e => (string?)e["item"]?["call_id"] == "call_handoff");
    }
}
