using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using VoiceServer.Fakes;
using VoiceServer.TwilioEmulator;
using static VoiceServer.Tests.MainApp.HandoffWholeSystemTests;

namespace VoiceServer.Tests.MainApp;

/// <summary>
/// What the next agent is told, through the whole system: a <c>summary</c> written out of band by the origin's model
/// session (never heard, never in the transcript), its fallback to the last turns, its wait for the origin's active
/// response; and a handoff to the same voice, model and key, which updates the live session instead of opening one.
/// </summary>
public sealed class HandoffContextWholeSystemTests
{
    private const string FrontKey = "sk-front-own-key-0123456789";
    private const string BillingKey = "sk-billing-own-key-0123456789";
    private const string Summary = "Ana Pereira asks why invoice INV-7 was charged twice; nothing has been refunded yet.";

    /// <summary>front (marin) hands to billing (cedar, another voice) with the summary context.</summary>
    private static async Task CreateSummaryChainAsync(SystemHarness system, JsonArray? frontTools = null)
    {
        await system.CreateAgentAsync("billing", "+15557006002", new JsonObject { ["name"] = "Billing", ["voice"] = "cedar", ["prompt"] = "You are billing.", ["openAIKey"] = BillingKey });
        var front = new JsonObject
        {
            ["name"] = "Front desk",
            ["voice"] = "marin",
            ["prompt"] = "You are the front desk.",
            ["openAIKey"] = FrontKey,
            ["handoffs"] = new JsonArray(new JsonObject { ["agentId"] = "billing", ["description"] = "Invoices and payments.", ["context"] = "summary" }),
        };
        if (frontTools is not null)
        {
            front["tools"] = frontTools.ToJsonString();
        }

        await system.CreateAgentAsync("front", FrontNumber, front);
    }

    private static JsonArray LookupTool(FakeHttpReceiver tool) =>
        new(new JsonObject { ["name"] = "lookup_order", ["description"] = "Find an order", ["url"] = tool.Url("/orders").ToString() });

    private static IEnumerable<JsonObject> SystemMessages(FakeRealtimeConnection model) =>
        model.Received.Where(e => (string?)e["type"] == "conversation.item.create" && (string?)e["item"]?["role"] == "system");

    [Theory]
    [MemberData(nameof(SystemHarness.Backends), MemberType = typeof(SystemHarness))]
    public async Task ASummaryHandoff_TheOriginWritesItOutOfBand_TheNextAgentIsToldIt_TheCallerNeverHearsIt(string backend)
    {
        await using var system = await SystemHarness.StartAsync(backend);
        await CreateSummaryChainAsync(system);
        var (caller, front, callSid) = await CallFrontAsync(system);
        await using var callerLease = caller;

        await TurnAsync(system, front, "1", "Hello, this is Ana Pereira.", "Hello Ana, front desk here.");
        await TurnAsync(system, front, "2", "Invoice INV-7 was charged twice.", "Let me pass you to billing.", "transfer_to_agent", Handoff("billing", "a double charge", new JsonObject { ["invoice"] = "INV-7" }));
        await caller.WaitForAudioBytesAsync(2 * 800, system.Token);

        // The origin's session, still open, is asked for a text response outside the conversation, tagged as ours.
        var request = await front.WaitForOutOfBandRequestAsync(system.Token);
        var asked = request["response"]!;
        Assert.Equal("none", (string?)asked["conversation"]);
        Assert.Equal(["text"], asked["output_modalities"]!.AsArray().Select(modality => (string?)modality));
        Assert.Equal("none", (string?)asked["tool_choice"]);
        Assert.Equal("handoff_summary", (string?)asked["metadata"]!["voice_server_purpose"]);
        Assert.Contains("summary", (string)asked["instructions"]!, StringComparison.OrdinalIgnoreCase);
        Assert.NotNull((string?)request["event_id"]);

        // Billing's session opens meanwhile; it is told the summary, then takes over.
        var billing = await system.Voice.Realtime.WaitForConnectionAsync(1, system.Token);
        await front.SendOutOfBandTextResponseAsync(request, "resp_summary", Summary, cancellationToken: system.Token);
        var takeOver = await billing.WaitForEventAsync("response.create", system.Token);
        var note = Assert.Single(SystemMessages(billing));
        var told = (string)note["item"]!["content"]![0]!["text"]!;
        Assert.Contains(Summary, told, StringComparison.Ordinal);
        Assert.Contains("a double charge", told, StringComparison.Ordinal);
        Assert.Contains("INV-7", told, StringComparison.Ordinal);
        Assert.True(billing.Received.ToList().IndexOf(note) < billing.Received.ToList().IndexOf(takeOver));
        Assert.Empty(ReplayedTexts(billing));
        Assert.StartsWith("You are billing.", (string)takeOver["response"]!["instructions"]!, StringComparison.Ordinal);

        // The summary was never the conversation's: no audio, no response of the call, no transcript line.
        Assert.Equal(2 * 800, caller.ReceivedAudio.Length);
        Assert.DoesNotContain(system.Voice.Server.Logs.Entries, e => e.Message.Contains("resp_summary", StringComparison.Ordinal));
        await system.Voice.Server.Logs.WaitForAsync(e => e.EventName == "HandoffSummaryReceived", system.Token);

        await billing.SendAudioResponseAsync("resp_3", "item_agent_3", AudioFixtures.Tone(100), cancellationToken: system.Token);
        await caller.WaitForAudioBytesAsync(3 * 800, system.Token);
        await caller.SendStopAsync(system.Token);
        await system.Logs.WaitForAsync(e => e.EventName == "Stored", system.Token);
        var record = Assert.Single((await system.Admin.GetFromJsonAsync<JsonArray>("/api/calls?agentId=front", system.Token))!)!;
        Assert.Equal(callSid, (string?)record["callSid"]);
        var turns = record["record"]!["turns"]!.ToJsonString();
        Assert.Contains("Hello, this is Ana Pereira.", turns, StringComparison.Ordinal);
        Assert.DoesNotContain("charged twice; nothing", turns, StringComparison.Ordinal);

        // The summary is billed, to the front desk's segment: its session wrote it.
        static long OutputTokens(IEnumerable<JsonObject> responsesDone) =>
            responsesDone.Sum(done => done["response"]!["usage"]?["output_tokens"] is { } tokens ? long.Parse(tokens.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture) : 0);
        var frontDone = front.Sent.Where(e => (string?)e["type"] == "response.done").ToList();
        Assert.True(OutputTokens(frontDone.Where(done => (string?)done["response"]!["id"] == "resp_summary")) > 0);
        var segments = record["record"]!["segments"]!.AsArray();
        Assert.Equal(["front", "billing"], segments.Select(segment => (string?)segment!["agentId"]));
        Assert.Equal(OutputTokens(frontDone), (long)segments[0]!["usage"]!["outputTokens"]!);
        Assert.Empty(front.ErrorsSent);
        Assert.Empty(billing.ErrorsSent);
    }

    [Fact]
    public async Task ASummaryThatDoesNotCome_InTime_TheLastTurnsAreToldInstead()
    {
        // Started as far behind the main app's clock as the test moves it on, so the call record the voice server
        // signs at the end is not from the main app's future.
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow - TimeSpan.FromSeconds(5));
        await using var system = await SystemHarness.StartAsync("sqlite", voiceTime: time);
        await CreateSummaryChainAsync(system);
        var (caller, front, _) = await CallFrontAsync(system);
        await using var callerLease = caller;

        await TurnAsync(system, front, "1", "Hello.", "Hello, front desk here.");
        await TurnAsync(system, front, "2", "Invoice INV-7, please.", "Let me pass you to billing.", "transfer_to_agent", Handoff("billing", "an invoice"));
        await front.WaitForOutOfBandRequestAsync(system.Token);
        var billing = await system.Voice.Realtime.WaitForConnectionAsync(1, system.Token);
        // Billing's session is up before the clock moves, so only the summary's wait can run out.
        await system.Voice.Server.Logs.WaitForAsync(e => e.EventName == "ModelSessionConfirmed" && e.Message.Contains("voice cedar", StringComparison.Ordinal), system.Token);

        // The origin never answers: after 5 s (virtual) the turns go instead, within the fallback's six.
        time.Advance(TimeSpan.FromSeconds(5));
        await billing.WaitForEventAsync("response.create", system.Token);
        Assert.Equal(["Hello.", "Hello, front desk here.", "Invoice INV-7, please.", "Let me pass you to billing."], ReplayedTexts(billing));
        Assert.Empty(SystemMessages(billing));
        var failed = await system.Voice.Server.Logs.WaitForAsync(e => e.EventName == "HandoffSummaryFailed", system.Token);
        Assert.Contains("no summary within 5 s", failed.Message, StringComparison.Ordinal);
        Assert.Contains("the last 6 turn(s)", failed.Message, StringComparison.Ordinal);
        Assert.Empty(billing.ErrorsSent);

        // Ended, and its record stored, here: the record's delivery waits for nothing but the virtual clock at shutdown.
        await caller.SendStopAsync(system.Token);
        await system.Logs.WaitForAsync(e => e.EventName == "Stored", system.Token);
    }

    [Fact]
    public async Task ASummaryAskedWhileTheOriginHasAnActiveResponse_WaitsForItsResponseDone()
    {
        await using var tool = await FakeHttpReceiver.StartAsync();
        tool.HoldRequests();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var system = await SystemHarness.StartAsync("sqlite", voiceSettings: new Dictionary<string, string?> { ["TOOL_TIMEOUT_SECONDS"] = "1" }, voiceTime: time);
        await CreateSummaryChainAsync(system, LookupTool(tool));
        var (caller, front, _) = await CallFrontAsync(system);
        await using var callerLease = caller;

        // One response looks an order up (the tool holds its answer) and hands over.
        await front.SendResponseCreatedAsync("resp_1", system.Token);
        await front.SendFunctionCallAsync("resp_1", "item_fc_a", "call_lookup", "lookup_order", """{"orderId":"A-17"}""", system.Token);
        await front.SendFunctionCallAsync("resp_1", "item_fc_b", "call_handoff", "transfer_to_agent", Handoff("billing", "billing"), system.Token);
        await front.SendResponseDoneAsync("resp_1", "completed", system.Token);
        await tool.WaitForRequestAsync(0, system.Token);
        await system.Voice.Server.Logs.WaitForAsync(e => e.EventName == "HandoffDestinationFetched", system.Token);

        // Meanwhile the caller spoke and the origin answers: a response is active when the tool times out and the switch begins.
        await front.SendResponseCreatedAsync("resp_vad", system.Token);
        await front.SendAudioDeltaAsync("resp_vad", "item_vad", AudioFixtures.Tone(100), cancellationToken: system.Token);
        await caller.WaitForAudioBytesAsync(800, system.Token);
        time.Advance(TimeSpan.FromSeconds(1));
        await system.Voice.Server.Logs.WaitForAsync(e => e.EventName == "HandoffSummaryWaiting", system.Token);
        Assert.Empty(front.OutOfBandRequests);

        // Only its response.done lets the summary be asked for: the fake would refuse an overlapping response.create.
        await front.SendAudioDoneAsync("resp_vad", "item_vad", cancellationToken: system.Token);
        await front.SendResponseDoneAsync("resp_vad", "completed", system.Token);
        var request = await front.WaitForOutOfBandRequestAsync(system.Token);
        await front.SendOutOfBandTextResponseAsync(request, "resp_summary", Summary, cancellationToken: system.Token);
        var billing = await system.Voice.Realtime.WaitForConnectionAsync(1, system.Token);
        await billing.WaitForEventAsync("response.create", system.Token);
        Assert.Contains(Summary, (string)Assert.Single(SystemMessages(billing))["item"]!["content"]![0]!["text"]!, StringComparison.Ordinal);
        Assert.Empty(front.ErrorsSent);

        // Ended, and its record stored, here: the record's delivery waits for nothing but the virtual clock at shutdown.
        await caller.SendStopAsync(system.Token);
        await system.Logs.WaitForAsync(e => e.EventName == "Stored", system.Token);
    }

    [Fact]
    public async Task AHandoffToTheSameVoiceModelAndKey_UpdatesTheLiveSession_NoSecondConnection_TheNewAgentsConfigurationFollows()
    {
        await using var tool = await FakeHttpReceiver.StartAsync();
        tool.ResponseBody = """{"status":"shipped"}""";
        await using var system = await SystemHarness.StartAsync("sqlite");
        await system.CreateAgentAsync("orders", "+15557006003", new JsonObject
        {
            ["name"] = "Orders",
            ["voice"] = "marin",
            ["prompt"] = "You are orders.",
            ["openAIKey"] = FrontKey,
            ["tools"] = LookupTool(tool).ToJsonString(),
        });
        await system.CreateAgentAsync("front", FrontNumber, new JsonObject
        {
            ["name"] = "Front desk",
            ["voice"] = "marin",
            ["prompt"] = "You are the front desk.",
            ["openAIKey"] = FrontKey,
            ["handoffs"] = new JsonArray(new JsonObject { ["agentId"] = "orders", ["description"] = "Orders." }),
        });
        // Marks come back only when the test says: the new agent's words are still playing when the caller speaks.
        var (caller, front, callSid) = await CallFrontAsync(system, MarkMode.Manual);
        await using var callerLease = caller;

        await TurnAsync(system, front, "1", "Where is my cake?", "Let me get orders.", "transfer_to_agent", Handoff("orders", "an order question"));

        // The same session gets orders' instructions and tools; no new connection, nothing replayed.
        await front.WaitForEventCountAsync("session.update", 2, system.Token);
        var session = front.SessionUpdates[1]["session"]!;
        Assert.Equal("You are orders.", (string?)session["instructions"]);
        Assert.Equal("marin", (string?)session["audio"]!["output"]!["voice"]);
        Assert.Equal(["lookup_order"], session["tools"]!.AsArray().Select(t => (string?)t!["name"]));
        Assert.Equal("handed_over", (string?)(await FunctionOutputAsync(system, front, "call_1"))["status"]);
        var takeOver = await front.WaitForEventAsync("response.create", system.Token);
        var instructions = (string)takeOver["response"]!["instructions"]!;
        Assert.StartsWith("You are orders.", instructions, StringComparison.Ordinal);
        Assert.Contains("an order question", instructions, StringComparison.Ordinal);
        await system.Voice.Server.Logs.WaitForAsync(e => e.EventName == "HandedOverInPlace", system.Token);
        Assert.Equal(1, system.Voice.Realtime.ConnectionCount);
        Assert.Empty(ReplayedTexts(front));

        // The caller interrupts the new agent's first words: cleared, and truncated on the one session.
        var heardBefore = caller.ReceivedAudio.Length;
        await front.SendResponseCreatedAsync("resp_take_over", system.Token);
        await front.SendAudioDeltaAsync("resp_take_over", "item_take_over", AudioFixtures.Tone(1000), cancellationToken: system.Token);
        await caller.WaitForAudioBytesAsync(heardBefore + 8000, system.Token);
        await front.SendSpeechStartedAsync(cancellationToken: system.Token);
        await caller.WaitForClearAsync(system.Token);
        // The fake cancels the response by itself (interrupt_response), as the real API does.
        await front.WaitForEventAsync("conversation.item.truncate", e => (string?)e["item_id"] == "item_take_over", system.Token);

        // Later tool calls run with orders' configuration, in its name.
        await front.SendResponseCreatedAsync("resp_3", system.Token);
        await front.SendFunctionCallAsync("resp_3", "item_fc_3", "call_lookup", "lookup_order", """{"orderId":"C-3"}""", system.Token);
        await front.SendResponseDoneAsync("resp_3", "completed", system.Token);
        var lookup = JsonNode.Parse((await tool.WaitForRequestAsync(0, system.Token)).Body)!;
        Assert.Equal("orders", (string?)lookup["agentId"]);
        Assert.Equal("shipped", (string?)(await FunctionOutputAsync(system, front, "call_lookup"))["status"]);

        await caller.SendStopAsync(system.Token);
        await system.Logs.WaitForAsync(e => e.EventName == "Stored", system.Token);
        var record = Assert.Single((await system.Admin.GetFromJsonAsync<JsonArray>("/api/calls?agentId=front", system.Token))!)!;
        Assert.Equal((callSid, "caller_stopped"), ((string?)record["callSid"], (string?)record["endReason"]));
        Assert.Equal(0, (int)record["record"]!["modelReconnects"]!);
        Assert.Empty(front.ErrorsSent);
    }
}
