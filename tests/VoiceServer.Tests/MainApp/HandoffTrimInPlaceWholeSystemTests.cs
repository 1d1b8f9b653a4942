using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using VoiceServer.Fakes;
using VoiceServer.Tests.Infrastructure;
using VoiceServer.TwilioEmulator;
using static VoiceServer.Tests.MainApp.HandoffWholeSystemTests;

namespace VoiceServer.Tests.MainApp;

/// <summary>
/// A handoff to the same voice, model and key with the <c>last_turns</c> or <c>summary</c> context, through the whole
/// system: the live conversation is trimmed item by item (<c>conversation.item.delete</c>, each confirmed) before the
/// <c>session.update</c>, on the one connection; a delete refused, or a session with more items than are tracked, has
/// the session replaced instead.
/// </summary>
public sealed class HandoffTrimInPlaceWholeSystemTests
{
    private const string Key = "sk-front-own-key-0123456789";
    private const string Summary = "Ana Pereira wants to change cake order C-3 to chocolate.";

    /// <summary>front hands to orders, the same voice and key, with <paramref name="handoff"/>'s context.</summary>
    private static async Task CreateAgentsAsync(SystemHarness system, JsonObject handoff)
    {
        await system.CreateAgentAsync("orders", "+15557007003", new JsonObject { ["name"] = "Orders", ["voice"] = "marin", ["prompt"] = "You are orders.", ["openAIKey"] = Key });
        handoff["agentId"] = "orders";
        handoff["description"] = "Cake orders.";
        await system.CreateAgentAsync("front", FrontNumber, new JsonObject
        {
            ["name"] = "Front desk",
            ["voice"] = "marin",
            ["prompt"] = "You are the front desk.",
            ["openAIKey"] = Key,
            ["handoffs"] = new JsonArray(handoff),
        });
    }

    /// <summary>
    /// One voiced caller turn (committed, its item added, transcribed) and the agent's voiced answer (its item added
    /// first), calling <paramref name="name"/> if given, in the real API's order. Returns the caller's item id.
    /// </summary>
    private static async Task<string> SpokenTurnAsync(SystemHarness system, FakeRealtimeConnection model, string turn, string callerSays, string agentSays, string? name = null, string arguments = "{}")
    {
        await model.SendSpeechStoppedAsync(cancellationToken: system.Token);
        var callerItem = model.ConversationItems[^1];
        await model.SendInputTranscriptionCompletedAsync(callerItem, callerSays, system.Token);
        await AgentAnswerAsync(system, model, turn, agentSays, name, arguments);
        return callerItem;
    }

    /// <summary>
    /// The caller presses <paramref name="key"/> (forwarded as a user text item, then a response asked for) and the agent
    /// answers, voiced. Returns the key press's item id.
    /// </summary>
    private static async Task<string> KeyPressTurnAsync(SystemHarness system, FakeTwilioCaller caller, FakeRealtimeConnection model, string turn, char key, string agentSays)
    {
        // The key comes on the caller's socket: only once the agent's last answer is in is the key press the later turn.
        await AnswerTakenAsync(system, model.Sent.Last(e => Is(e, "response.done"))["response"]!["id"]!.GetValue<string>());
        var asked = model.Received.Count(e => Is(e, "response.create"));
        await caller.SendDtmfAsync(key, system.Token);
        await model.WaitForEventCountAsync("response.create", asked + 1, system.Token);
        // The item went out before the response was asked for, and the fake takes events in order: it holds the item now.
        var keysItem = model.ConversationItems[^1];
        var created = model.Received.Last(e => Is(e, "conversation.item.create"));
        Assert.Equal($"The caller pressed {key}.", (string?)created["item"]!["content"]![0]!["text"]);
        await AgentAnswerAsync(system, model, turn, agentSays);
        return keysItem;
    }

    private static Task<CapturedLogEntry> AnswerTakenAsync(SystemHarness system, string responseId) =>
        system.Voice.Server.Logs.WaitForAsync(e => e.EventName == "ResponseDone" && e.Message.Contains(responseId, StringComparison.Ordinal), system.Token);

    /// <summary>The agent's voiced answer (its item added first), calling <paramref name="name"/> if given, in the real API's order.</summary>
    private static async Task AgentAnswerAsync(SystemHarness system, FakeRealtimeConnection model, string turn, string agentSays, string? name = null, string arguments = "{}")
    {
        var responseId = $"resp_{turn}";
        var itemId = $"item_agent_{turn}";
        await model.SendResponseCreatedAsync(responseId, system.Token);
        await model.SendOutputItemAddedAsync(responseId, itemId, system.Token);
        await model.SendAudioDeltaAsync(responseId, itemId, AudioFixtures.Tone(100), cancellationToken: system.Token);
        await model.SendTranscriptDoneAsync(responseId, itemId, agentSays, cancellationToken: system.Token);
        await model.SendAudioDoneAsync(responseId, itemId, cancellationToken: system.Token);
        await model.SendOutputItemDoneAsync(responseId, itemId, system.Token);
        if (name is not null)
        {
            await model.SendFunctionCallAsync(responseId, $"item_fc_{turn}", $"call_{turn}", name, arguments, system.Token);
        }

        await model.SendResponseDoneAsync(responseId, "completed", system.Token);
    }

    private static int IndexOf(FakeRealtimeConnection model, Func<JsonObject, bool> predicate) =>
        model.Received.ToList().FindIndex(e => predicate(e));

    private static bool Is(JsonObject clientEvent, string type) => (string?)clientEvent["type"] == type;

    private static async Task<JsonNode> StoredRecordAsync(SystemHarness system, FakeTwilioCaller caller)
    {
        await caller.SendStopAsync(system.Token);
        await system.Logs.WaitForAsync(e => e.EventName == "Stored", system.Token);
        return Assert.Single((await system.Admin.GetFromJsonAsync<JsonArray>("/api/calls?agentId=front", system.Token))!)!;
    }

    private static IEnumerable<string?> SegmentAgents(JsonNode record) =>
        record["record"]!["segments"]!.AsArray().Select(segment => (string?)segment!["agentId"]);

    [Theory]
    [MemberData(nameof(SystemHarness.Backends), MemberType = typeof(SystemHarness))]
    public async Task LastTurns_InPlace_DeletesEveryEarlierItemInOrder_KeepsTheLastTurns_ThenUpdatesTheSameSession(string backend)
    {
        await using var system = await SystemHarness.StartAsync(backend);
        await CreateAgentsAsync(system, new JsonObject { ["context"] = "last_turns", ["lastTurns"] = 2 });
        // Marks come back only when the test says: the new agent's words are still playing when the caller speaks.
        var (caller, front, callSid) = await CallFrontAsync(system, MarkMode.Manual);
        await using var callerLease = caller;

        var caller1 = await SpokenTurnAsync(system, front, "1", "Hello, this is Ana.", "Hello Ana, front desk here.");
        var caller2 = await SpokenTurnAsync(system, front, "2", "I ordered a cake.", "Which order is it?");
        var caller3 = await SpokenTurnAsync(system, front, "3", "Order C-3.", "Let me get orders.", "transfer_to_agent", Handoff("orders", "a cake order"));

        // The last two turns (the caller's third and the answer, with its handoff call) stay; everything before goes,
        // oldest first, each confirmed before the session becomes orders'.
        await front.WaitForEventCountAsync("session.update", 2, system.Token);
        Assert.Equal([caller1, "item_agent_1", caller2, "item_agent_2"], front.DeletedItems);
        Assert.Equal([caller1, "item_agent_1", caller2, "item_agent_2"], front.Received.Where(e => Is(e, "conversation.item.delete")).Select(e => (string?)e["item_id"]));
        Assert.Equal("You are orders.", (string?)front.SessionUpdates[1]["session"]!["instructions"]);
        Assert.Equal("handed_over", (string?)(await FunctionOutputAsync(system, front, "call_3"))["status"]);
        var takeOver = await front.WaitForEventAsync("response.create", system.Token);
        Assert.StartsWith("You are orders.", (string)takeOver["response"]!["instructions"]!, StringComparison.Ordinal);
        Assert.Equal([caller3, "item_agent_3", "item_fc_3"], front.ConversationItems.Take(3));
        var lastDelete = front.Received.ToList().FindLastIndex(e => Is(e, "conversation.item.delete"));
        var update = front.Received.ToList().FindLastIndex(e => Is(e, "session.update"));
        Assert.True(lastDelete < update && update < IndexOf(front, e => Is(e, "conversation.item.create") && (string?)e["item"]!["call_id"] == "call_3"));
        await system.Voice.Server.Logs.WaitForAsync(e => e.EventName == "HandedOverInPlace", system.Token);
        Assert.Equal(1, system.Voice.Realtime.ConnectionCount);
        Assert.Empty(ReplayedTexts(front));

        // The caller interrupts the new agent's first words: cleared, and truncated on the one session.
        var heardBefore = caller.ReceivedAudio.Length;
        await front.SendResponseCreatedAsync("resp_take_over", system.Token);
        await front.SendOutputItemAddedAsync("resp_take_over", "item_take_over", system.Token);
        await front.SendAudioDeltaAsync("resp_take_over", "item_take_over", AudioFixtures.Tone(1000), cancellationToken: system.Token);
        await caller.WaitForAudioBytesAsync(heardBefore + 8000, system.Token);
        await front.SendSpeechStartedAsync(cancellationToken: system.Token);
        await caller.WaitForClearAsync(system.Token);
        await front.WaitForEventAsync("conversation.item.truncate", e => (string?)e["item_id"] == "item_take_over", system.Token);

        var record = await StoredRecordAsync(system, caller);
        Assert.Equal((callSid, "caller_stopped"), ((string?)record["callSid"], (string?)record["endReason"]));
        Assert.Equal(["front", "orders"], SegmentAgents(record));
        Assert.Equal(0, (int)record["record"]!["modelReconnects"]!);
        Assert.Empty(front.ErrorsSent);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(4)]
    public async Task LastTurns_InPlace_AKeyPressTurn_IsKeptOrDeletedLikeASpokenTurnInItsPlace(int lastTurns)
    {
        await using var system = await SystemHarness.StartAsync("sqlite");
        await CreateAgentsAsync(system, new JsonObject { ["context"] = "last_turns", ["lastTurns"] = lastTurns });
        var (caller, front, _) = await CallFrontAsync(system);
        await using var callerLease = caller;

        var caller1 = await SpokenTurnAsync(system, front, "1", "Hello, this is Ana.", "Hello Ana, front desk here. Press 5 for orders.");
        var keys = await KeyPressTurnAsync(system, caller, front, "2", '5', "Orders it is. Your order number?");
        var caller3 = await SpokenTurnAsync(system, front, "3", "Order C-3.", "Let me get orders.", "transfer_to_agent", Handoff("orders", "a cake order"));

        // Six turns: the caller's, the agent's, the key press, the agent's, the caller's, the agent's with the handoff.
        // Three kept: the key press is the last to go. Four kept: it is the oldest item that stays.
        await front.WaitForEventCountAsync("session.update", 2, system.Token);
        List<string> conversation = [caller1, "item_agent_1", keys, "item_agent_2", caller3, "item_agent_3", "item_fc_3"];
        var cut = conversation.IndexOf(caller3) + 2 - lastTurns;
        Assert.Equal(conversation.Take(cut), front.DeletedItems);
        Assert.Equal(conversation.Skip(cut), front.ConversationItems.Take(conversation.Count - cut));
        Assert.Equal("You are orders.", (string?)front.SessionUpdates[1]["session"]!["instructions"]);
        await system.Voice.Server.Logs.WaitForAsync(e => e.EventName == "HandedOverInPlace", system.Token);
        Assert.DoesNotContain(system.Voice.Server.Logs.Entries, e => e.EventName == "HandoffInPlaceFallback");
        Assert.Equal(1, system.Voice.Realtime.ConnectionCount);
        Assert.Empty(front.ErrorsSent);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public async Task LastTurns_InPlace_OnASessionThatReplacedADroppedOne_TheReplayedItemsAreTrimmedByTheirTurns(int lastTurns)
    {
        // Time stands still: the reconnect's gap is never long enough for an apology, whatever the machine's speed.
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var system = await SystemHarness.StartAsync("sqlite", voiceTime: time);
        await CreateAgentsAsync(system, new JsonObject { ["context"] = "last_turns", ["lastTurns"] = lastTurns });
        var (caller, first, _) = await CallFrontAsync(system);
        await using var callerLease = caller;
        await SpokenTurnAsync(system, first, "1", "Hello, this is Ana.", "Hello Ana, front desk here.");
        await SpokenTurnAsync(system, first, "2", "I ordered a cake.", "Which order is it?");

        // The socket drops once the second answer is in; the new session is told the conversation so far as four text items.
        await AnswerTakenAsync(system, "resp_2");
        first.Abort();
        var front = await system.Voice.Realtime.WaitForConnectionAsync(1, system.Token);
        await system.Voice.Server.Logs.WaitForAsync(e => e.EventName == "ModelSessionReplaced", system.Token);
        // Caller audio follows the replay on the same socket: once it is in, so are the replayed items.
        await caller.SendAudioAsync(AudioFixtures.Tone(20), cancellationToken: system.Token);
        await front.WaitForEventAsync("input_audio_buffer.append", system.Token);
        Assert.Equal(["Hello, this is Ana.", "Hello Ana, front desk here.", "I ordered a cake.", "Which order is it?"], ReplayedTexts(front));
        var replayed = front.ConversationItems;
        Assert.Equal(4, replayed.Count);

        var caller3 = await SpokenTurnAsync(system, front, "3", "Order C-3.", "Let me get orders.", "transfer_to_agent", Handoff("orders", "a cake order"));

        // Two kept: every replayed item goes. Three kept: the replayed answer "Which order is it?" is the oldest that stays.
        await front.WaitForEventCountAsync("session.update", 2, system.Token);
        List<string> conversation = [.. replayed, caller3, "item_agent_3", "item_fc_3"];
        var cut = conversation.IndexOf(caller3) + 2 - lastTurns;
        Assert.Equal(conversation.Take(cut), front.DeletedItems);
        Assert.Equal(conversation.Skip(cut), front.ConversationItems.Take(conversation.Count - cut));
        Assert.Equal("You are orders.", (string?)front.SessionUpdates[1]["session"]!["instructions"]);
        await system.Voice.Server.Logs.WaitForAsync(e => e.EventName == "HandedOverInPlace", system.Token);
        Assert.DoesNotContain(system.Voice.Server.Logs.Entries, e => e.EventName == "HandoffInPlaceFallback");
        Assert.Equal(2, system.Voice.Realtime.ConnectionCount);
        Assert.Empty(front.ErrorsSent);

        var record = await StoredRecordAsync(system, caller);
        Assert.Equal(["front", "orders"], SegmentAgents(record));
        Assert.Equal(1, (int)record["record"]!["modelReconnects"]!);
    }

    [Fact]
    public async Task Summary_InPlace_DeletesEveryItemBeforeTheHandoff_AddsTheSummary_ThenUpdatesTheSameSession()
    {
        await using var system = await SystemHarness.StartAsync("sqlite");
        await CreateAgentsAsync(system, new JsonObject { ["context"] = "summary" });
        var (caller, front, _) = await CallFrontAsync(system);
        await using var callerLease = caller;

        var caller1 = await SpokenTurnAsync(system, front, "1", "Hello, this is Ana Pereira.", "Hello Ana, front desk here.");
        var caller2 = await SpokenTurnAsync(system, front, "2", "I want to change order C-3.", "Let me pass you to orders.", "transfer_to_agent", Handoff("orders", "an order change"));

        // The origin's session writes the summary out of band; only then is the conversation trimmed.
        var request = await front.WaitForOutOfBandRequestAsync(system.Token);
        Assert.Empty(front.DeletedItems);
        await front.SendOutOfBandTextResponseAsync(request, "resp_summary", Summary, cancellationToken: system.Token);

        await front.WaitForEventCountAsync("session.update", 2, system.Token);
        Assert.Equal([caller1, "item_agent_1", caller2, "item_agent_2"], front.DeletedItems);
        var note = front.Received.Single(e => Is(e, "conversation.item.create") && (string?)e["item"]?["role"] == "system");
        Assert.Contains(Summary, (string)note["item"]!["content"]![0]!["text"]!, StringComparison.Ordinal);
        Assert.Equal("handed_over", (string?)(await FunctionOutputAsync(system, front, "call_2"))["status"]);
        var takeOver = await front.WaitForEventAsync("response.create", e => e["response"]?["conversation"] is null, system.Token);
        Assert.StartsWith("You are orders.", (string)takeOver["response"]!["instructions"]!, StringComparison.Ordinal);
        var received = front.Received.ToList();
        Assert.True(received.FindLastIndex(e => Is(e, "conversation.item.delete")) < received.IndexOf(note));
        Assert.True(received.IndexOf(note) < received.FindLastIndex(e => Is(e, "session.update")));
        // The handoff's own call stays, answered; the summary follows it.
        Assert.Equal("item_fc_2", front.ConversationItems[0]);
        Assert.Equal(1, system.Voice.Realtime.ConnectionCount);
        Assert.Empty(ReplayedTexts(front));

        // The summary is billed to the front desk's segment: its configuration wrote it, before orders took over.
        await front.SendAudioResponseAsync("resp_3", "item_agent_3", AudioFixtures.Tone(100), cancellationToken: system.Token);
        await system.Voice.Server.Logs.WaitForAsync(e => e.EventName == "ResponseDone" && e.Message.Contains("resp_3", StringComparison.Ordinal), system.Token);
        var record = await StoredRecordAsync(system, caller);
        Assert.Equal(["front", "orders"], SegmentAgents(record));
        var done = ResponsesDone(front);
        static long Output(IEnumerable<JsonObject> responses) =>
            responses.Sum(r => r["response"]!["usage"]?["output_tokens"] is { } tokens ? long.Parse(tokens.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture) : 0);
        var segments = record["record"]!["segments"]!.AsArray();
        Assert.True(Output(done.Where(r => (string?)r["response"]!["id"] == "resp_summary")) > 0);
        Assert.Equal(Output(done.Where(r => (string?)r["response"]!["id"] != "resp_3")), (long)segments[0]!["usage"]!["outputTokens"]!);
        Assert.Equal(Output(done.Where(r => (string?)r["response"]!["id"] == "resp_3")), (long)segments[1]!["usage"]!["outputTokens"]!);
        Assert.Equal(0, (int)record["record"]!["modelReconnects"]!);
        Assert.Empty(front.ErrorsSent);
    }

    [Fact]
    public async Task ARefusedDelete_ReplacesTheSessionInstead_AndTheCallGoesOn()
    {
        await using var system = await SystemHarness.StartAsync("sqlite");
        await CreateAgentsAsync(system, new JsonObject { ["context"] = "last_turns", ["lastTurns"] = 2 });
        var (caller, front, _) = await CallFrontAsync(system);
        await using var callerLease = caller;

        var caller1 = await SpokenTurnAsync(system, front, "1", "Hello.", "Hello, front desk here.");
        // The server no longer has the caller's first item: deleting it is refused, as the real API refuses an unknown id.
        front.ForgetItem(caller1);
        await SpokenTurnAsync(system, front, "2", "Order C-3, please.", "Let me get orders.", "transfer_to_agent", Handoff("orders", "a cake order"));

        // Orders gets a session of its own, told the last two turns, and takes the call.
        var orders = await system.Voice.Realtime.WaitForConnectionAsync(1, system.Token);
        Assert.Equal("You are orders.", (string?)(await orders.WaitForEventAsync("session.update", system.Token))["session"]!["instructions"]);
        await orders.WaitForEventAsync("response.create", system.Token);
        Assert.Equal(["Order C-3, please.", "Let me get orders."], ReplayedTexts(orders));
        var refused = Assert.Single(front.ErrorsSent);
        Assert.Equal(("invalid_request_error", "item_id"), ((string?)refused["error"]!["type"], (string?)refused["error"]!["param"]));
        Assert.Equal(["item_agent_1"], front.DeletedItems);
        var fallback = await system.Voice.Server.Logs.WaitForAsync(e => e.EventName == "HandoffInPlaceFallback", system.Token);
        Assert.Contains($"refused to delete item {caller1}", fallback.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(system.Voice.Server.Logs.Entries, e => e.EventName == "HandedOverInPlace");
        await front.WaitForClientCloseAsync(system.Token);

        await orders.SendAudioResponseAsync("resp_3", "item_agent_3", AudioFixtures.Tone(100), cancellationToken: system.Token);
        await caller.WaitForAudioBytesAsync(3 * 800, system.Token);
        var record = await StoredRecordAsync(system, caller);
        Assert.Equal("caller_stopped", (string?)record["endReason"]);
        Assert.Equal(["front", "orders"], SegmentAgents(record));
        Assert.Empty(orders.ErrorsSent);
    }

    [Fact]
    public async Task DeletesNotConfirmedInTime_ReplaceTheSessionInstead()
    {
        // Started as far behind the main app's clock as the test moves it on, so the call record the voice server
        // signs at the end is not from the main app's future.
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow - TimeSpan.FromSeconds(15));
        await using var system = await SystemHarness.StartAsync("sqlite", voiceTime: time);
        await CreateAgentsAsync(system, new JsonObject { ["context"] = "last_turns", ["lastTurns"] = 1 });
        var (caller, front, _) = await CallFrontAsync(system);
        await using var callerLease = caller;

        await SpokenTurnAsync(system, front, "1", "Hello.", "Hello, front desk here.");
        front.HoldItemDeletes();
        await SpokenTurnAsync(system, front, "2", "Order C-3, please.", "Let me get orders.", "transfer_to_agent", Handoff("orders", "a cake order"));

        // Every item before the last turn is asked to go; none is confirmed, and no update goes out meanwhile.
        await front.WaitForEventCountAsync("conversation.item.delete", 3, system.Token);
        await system.Voice.Server.Logs.WaitForAsync(e => e.EventName == "HandoffTrimming", system.Token);
        Assert.Single(front.SessionUpdates);
        time.Advance(TimeSpan.FromSeconds(15));

        var orders = await system.Voice.Realtime.WaitForConnectionAsync(1, system.Token);
        await orders.WaitForEventAsync("response.create", system.Token);
        Assert.Equal(["Let me get orders."], ReplayedTexts(orders));
        Assert.Single(front.SessionUpdates);
        var fallback = await system.Voice.Server.Logs.WaitForAsync(e => e.EventName == "HandoffInPlaceFallback", system.Token);
        Assert.Contains("did not confirm 3 delete(s) within 15 s", fallback.Message, StringComparison.Ordinal);

        var record = await StoredRecordAsync(system, caller);
        Assert.Equal(["front", "orders"], SegmentAgents(record));
        Assert.Empty(front.ErrorsSent);
        Assert.Empty(orders.ErrorsSent);
    }

    [Fact]
    public async Task MoreItemsThanAreTracked_ReplacesTheSessionInstead_WithoutDeletingAnything()
    {
        await using var system = await SystemHarness.StartAsync("sqlite", voiceSettings: new Dictionary<string, string?> { ["MODEL_MAX_TRACKED_ITEMS"] = "3" });
        await CreateAgentsAsync(system, new JsonObject { ["context"] = "last_turns", ["lastTurns"] = 1 });
        var (caller, front, _) = await CallFrontAsync(system);
        await using var callerLease = caller;

        await SpokenTurnAsync(system, front, "1", "Hello.", "Hello, front desk here.");
        await SpokenTurnAsync(system, front, "2", "Order C-3, please.", "Let me get orders.", "transfer_to_agent", Handoff("orders", "a cake order"));

        var orders = await system.Voice.Realtime.WaitForConnectionAsync(1, system.Token);
        await orders.WaitForEventAsync("response.create", system.Token);
        Assert.Equal(["Let me get orders."], ReplayedTexts(orders));
        Assert.DoesNotContain(front.Received, e => Is(e, "conversation.item.delete"));
        var fallback = await system.Voice.Server.Logs.WaitForAsync(e => e.EventName == "HandoffInPlaceFallback", system.Token);
        Assert.Contains("more than 3 conversation items", fallback.Message, StringComparison.Ordinal);

        await orders.SendAudioResponseAsync("resp_3", "item_agent_3", AudioFixtures.Tone(100), cancellationToken: system.Token);
        await caller.WaitForAudioBytesAsync(3 * 800, system.Token);
        var record = await StoredRecordAsync(system, caller);
        Assert.Equal(["front", "orders"], SegmentAgents(record));
        Assert.Empty(front.ErrorsSent);
        Assert.Empty(orders.ErrorsSent);
    }
}
