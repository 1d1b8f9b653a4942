using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using VoiceServer.Fakes;
using VoiceServer.Tests.Infrastructure;
using VoiceServer.TwilioEmulator;

namespace VoiceServer.Tests.LiveCalls;

/// <summary>
/// Once the call's time limit has started its goodbye, nothing else is said: a response that was waiting for the
/// current one (an operator's message, the answer to a key press) is dropped, and one asked for during the goodbye is
/// never requested. Marks are returned by hand, so the goodbye is still playing when its <c>response.done</c> arrives,
/// the moment a waiting response would otherwise go out.
/// </summary>
public sealed class NothingAfterTheGoodbyeTests
{
    private const string Text = "Our office closes in ten minutes.";

    private static Task<CallHarness> StartAsync(TimeProvider time) =>
        CallHarness.StartAsync(
            settings: new Dictionary<string, string?>
            {
                ["CONFIG_SIGNING_KEY"] = ConfigTokens.SigningKey,
                ["TWILIO_AUTH_TOKEN"] = CommandedCalls.AuthToken,
                ["PUBLIC_BASE_URL"] = "wss://voice.example.com",
                ["MAX_CALL_DURATION"] = "60",
            },
            timeProvider: time);

    /// <summary>A call whose configuration is signed for its CallSid, so it takes operators' commands.</summary>
    private static Task<(FakeTwilioCaller Caller, FakeRealtimeConnection Model)> StartBoundCallAsync(CallHarness harness) =>
        CommandedCalls.StartBoundCallAsync(harness, markMode: MarkMode.Manual);

    private static Task<HttpResponseMessage> SayAsync(CallHarness harness, string callSid, string text) =>
        SignedCommands.PostAsync(harness.Server, callSid, SignedCommands.Command(callSid, "say", text: text).ToJsonString(), harness.Token);

    private static async Task<string?> DetailAsync(HttpResponseMessage response) =>
        (string?)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["detail"];

    private static int Count(FakeRealtimeConnection model, string type) => model.Received.Count(e => (string?)e["type"] == type);

    /// <summary>The agent is in the middle of a response: its first chunk has reached the caller.</summary>
    private static async Task StartSpeakingAsync(CallHarness harness, FakeTwilioCaller caller, FakeRealtimeConnection model)
    {
        await model.SendResponseCreatedAsync("resp_busy", harness.Token);
        await model.SendAudioDeltaAsync("resp_busy", "item_busy", AudioFixtures.Tone(100), cancellationToken: harness.Token);
        await caller.WaitForAudioBytesAsync(800, harness.Token);
    }

    private static async Task FinishSpeakingAsync(CallHarness harness, FakeRealtimeConnection model)
    {
        await model.SendAudioDoneAsync("resp_busy", "item_busy", cancellationToken: harness.Token);
        await model.SendResponseDoneAsync("resp_busy", cancellationToken: harness.Token);
    }

    /// <summary>
    /// The time limit's goodbye is asked for, said and (its <paramref name="marks"/> returned) played; the call ends
    /// with max_duration and the model session is closed, so everything the server sent it has arrived.
    /// </summary>
    private static async Task SayTheGoodbyeAsync(CallHarness harness, FakeTwilioCaller caller, FakeRealtimeConnection model, int marks)
    {
        var goodbye = await model.WaitForEventAsync("response.create", harness.Token);
        Assert.Contains("time limit", (string?)goodbye["response"]!["instructions"], StringComparison.Ordinal);
        var done = harness.Server.Logs.Entries.Count(e => e.EventName == "ResponseDone");
        await model.SendAudioResponseAsync("resp_bye", "item_bye", AudioFixtures.Tone(200), cancellationToken: harness.Token);
        // The goodbye's response.done has been handled (anything waiting would have gone out) before it has played.
        await harness.Server.WaitForLogCountAsync("ResponseDone", done + 1, harness.Token);
        await caller.WaitForPendingMarksAsync(marks, harness.Token);
        await caller.AckPendingMarksAsync(marks, harness.Token);

        await harness.AssertCallEndedAsync(caller, System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, "max_duration");
        await model.WaitForClientCloseAsync(harness.Token);
    }

    [Fact]
    public async Task OperatorSay_WaitingBehindAResponse_TimeLimitPasses_NotSaid_LoggedAsNotSaid_OnlyTheGoodbye()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var harness = await StartAsync(time);
        var (caller, model) = await StartBoundCallAsync(harness);
        await StartSpeakingAsync(harness, caller, model);
        using var response = await SayAsync(harness, caller.CallSid, Text);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("the agent will say it after its current response", await DetailAsync(response));

        time.Advance(TimeSpan.FromSeconds(60));
        await harness.Server.Logs.WaitForAsync(e => e.EventName == "MaxDurationReached", harness.Token);
        await FinishSpeakingAsync(harness, model);

        // The response's chunk and item mark, the goodbye's two chunks and item mark.
        await SayTheGoodbyeAsync(harness, caller, model, marks: 5);
        Assert.Equal(1, Count(model, "response.create"));
        Assert.DoesNotContain(model.Received, e => ((string?)e["response"]?["instructions"])?.Contains(Text, StringComparison.Ordinal) == true);
        var lost = Assert.Single(harness.Server.Logs.Entries, e => e.EventName == "OperatorMessageNotDelivered");
        Assert.Contains("the call is ending", lost.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Text, lost.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KeyPress_WaitingBehindAResponse_TimeLimitPasses_NotAnswered_OnlyTheGoodbye()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var harness = await StartAsync(time);
        var (caller, model) = await StartBoundCallAsync(harness);
        await StartSpeakingAsync(harness, caller, model);
        await caller.SendDtmfAsync('5', harness.Token);
        await harness.Server.WaitForLogCountAsync("KeysSent", 1, harness.Token);

        time.Advance(TimeSpan.FromSeconds(60));
        await harness.Server.Logs.WaitForAsync(e => e.EventName == "MaxDurationReached", harness.Token);
        await FinishSpeakingAsync(harness, model);

        await SayTheGoodbyeAsync(harness, caller, model, marks: 5);
        Assert.Equal(1, Count(model, "response.create"));
        Assert.Single(harness.Server.Logs.Entries, e => e.EventName == "ResponseNotRequestedWhileEnding");
        Assert.DoesNotContain(harness.Server.Logs.Entries, e => e.EventName == "OperatorMessageNotDelivered");
    }

    [Fact]
    public async Task KeyPress_WhileTheGoodbyeIsSaid_HeardByTheModel_NotAnswered()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var harness = await StartAsync(time);
        var (caller, model) = await StartBoundCallAsync(harness);

        time.Advance(TimeSpan.FromSeconds(60));
        await model.WaitForEventAsync("response.create", harness.Token);
        await caller.SendDtmfAsync('5', harness.Token);
        await harness.Server.WaitForLogCountAsync("KeysSent", 1, harness.Token);

        // The goodbye's two chunks and item mark.
        await SayTheGoodbyeAsync(harness, caller, model, marks: 3);
        Assert.Equal(1, Count(model, "response.create"));
        Assert.Single(model.Received, e => (string?)e["type"] == "conversation.item.create");
        Assert.Single(harness.Server.Logs.Entries, e => e.EventName == "ResponseNotRequestedWhileEnding");
    }
}
