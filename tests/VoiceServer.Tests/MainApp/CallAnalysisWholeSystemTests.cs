using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using VoiceServer.Fakes;
using VoiceServer.TwilioEmulator;

namespace VoiceServer.Tests.MainApp;

/// <summary>
/// Post-call analysis end to end, on both databases: a call through Twilio's webhook, the voice server and the fake
/// Realtime server, its record stored with its analysis from the fake Chat Completions API; and a main app stopped
/// with analyses pending (one of them mid-request) and started again on the same database, which completes them all.
/// </summary>
public sealed class CallAnalysisWholeSystemTests
{
    [Theory]
    [MemberData(nameof(SystemHarness.Backends), MemberType = typeof(SystemHarness))]
    public async Task Call_ThroughTheVoiceServer_IsStoredWithItsAnalysis(string backend)
    {
        await using var openAI = await FakeOpenAIChatServer.StartAsync();
        openAI.DefaultReply = FakeChatReply.Answer(CallAnalysisTests.Answer());
        await using var system = await SystemHarness.StartAsync(backend, CallAnalysisTests.Settings(openAI));
        await system.CreateAgentAsync("bakery", CallAnalysisTests.Number, CallAnalysisTests.Bakery());
        var callSid = TwilioIds.NewCallSid();

        var twiml = await system.CallAsync(CallAnalysisTests.Number, callSid);
        Assert.Equal(HttpStatusCode.OK, twiml.Status);
        await using (var caller = await FakeTwilioCaller.ConnectAsync(twiml.StreamUrl!, new FakeTwilioCallerOptions { CallSid = callSid, MarkMode = MarkMode.Immediate }, system.Token))
        {
            await caller.SendConnectedAsync(system.Token);
            await caller.SendStartAsync(twiml.Parameters, cancellationToken: system.Token);
            var model = await system.Voice.Realtime.WaitForConnectionAsync(0, system.Token);
            await model.WaitForEventAsync("response.create", system.Token); // the greeting
            await model.SendAudioResponseAsync("resp_1", "item_1", AudioFixtures.Tone(200), cancellationToken: system.Token);
            await caller.WaitForAudioBytesAsync(1600, system.Token);
            await caller.SendStopAsync(system.Token);
        }

        var stored = await system.Logs.WaitForAsync(e => e.EventName == "Stored", system.Token);
        var completed = await system.Logs.WaitForAsync(e => e.EventName == "AnalysisCompleted", system.Token);

        var call = Assert.Single((await system.Admin.GetFromJsonAsync<JsonArray>("/api/calls?agentId=bakery&analysis=passed", system.Token))!)!;
        Assert.Equal(callSid, (string?)call["callSid"]);
        Assert.Contains((string)call["callId"]!, completed.Message, StringComparison.Ordinal);
        Assert.Contains((string)call["callId"]!, stored.Message, StringComparison.Ordinal);
        var analysis = call["analysis"]!;
        Assert.Equal("completed", (string?)analysis["status"]);
        Assert.True(JsonNode.DeepEquals(CallAnalysisTests.Answer(), analysis["result"]));

        // The model read the record the voice server delivered: its end and every turn of it, on the agent's key.
        var request = Assert.Single(openAI.Requests);
        Assert.Equal(CallAnalysisTests.AgentKey, request.ApiKey);
        Assert.Contains($"ended: {(string)call["endReason"]!}", request.Text, StringComparison.Ordinal);
        foreach (var turn in call["record"]!["turns"]!.AsArray())
        {
            Assert.Contains($"{(string)turn!["speaker"]!}: {(string?)turn["text"] ?? "(no transcript)"}", request.Text, StringComparison.Ordinal);
        }

        Assert.DoesNotContain(system.Logs.Entries, e => e.Message.Contains(CallAnalysisTests.AgentKey, StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(SystemHarness.Backends), MemberType = typeof(SystemHarness))]
    public async Task MainAppRestart_WithAnalysesPending_LosesNone(string backend)
    {
        await using var openAI = await FakeOpenAIChatServer.StartAsync();
        // The first instance's request never gets an answer: it is mid-request when the app stops.
        openAI.HoldRequests();
        await using var system = await SystemHarness.StartAsync(backend, CallAnalysisTests.Settings(openAI));
        await system.CreateAgentAsync("bakery", CallAnalysisTests.Number, CallAnalysisTests.Bakery());
        string[] callIds = ["call-restart-1", "call-restart-2", "call-restart-3"];
        foreach (var callId in callIds)
        {
            using var stored = await system.PostCallRecordAsync(SystemHarness.CallRecord(callId).ToJsonString());
            Assert.Equal(HttpStatusCode.OK, stored.StatusCode);
        }

        await openAI.WaitForRequestAsync(1, system.Token);
        var pending = await system.Admin.GetFromJsonAsync<JsonArray>("/api/calls?analysis=pending", system.Token);
        Assert.Equal(3, pending!.Count);

        await system.RestartMainAppAsync(whileStopped: () =>
        {
            // The API answers again: the next instance finds the three analyses still pending in the database.
            openAI.Release();
            openAI.DefaultReply = FakeChatReply.Answer(CallAnalysisTests.Answer());
        });

        foreach (var callId in callIds)
        {
            await CallAnalysisTests.WaitForAnalysisAsync(system, "AnalysisCompleted", callId);
        }

        var released = Assert.Single(system.Logs.Entries, e => e.EventName == "AnalysisReleased");
        var calls = (await system.Admin.GetFromJsonAsync<JsonArray>("/api/calls?analysis=passed", system.Token))!;
        Assert.Equal(callIds, calls.Select(c => (string)c!["callId"]!).Order(StringComparer.Ordinal));
        foreach (var call in calls)
        {
            Assert.Equal("completed", (string?)call!["analysis"]!["status"]);
            // The attempt cut short by the stop is not counted: each took one attempt that was answered.
            Assert.Equal(1, (int)call["analysis"]!["attempts"]!);
        }

        // One request before the stop, one for each analysis after it: none was lost, none was made twice.
        Assert.Equal(4, openAI.Requests.Count);
        Assert.Contains(callIds, callId => released.Message.Contains(callId, StringComparison.Ordinal));
    }
}
