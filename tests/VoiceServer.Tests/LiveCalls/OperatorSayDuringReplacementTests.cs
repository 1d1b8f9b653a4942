using System.Net;
using System.Net.WebSockets;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using VoiceServer.Fakes;
using VoiceServer.Tests.Infrastructure;
using VoiceServer.TwilioEmulator;

namespace VoiceServer.Tests.LiveCalls;

/// <summary>
/// An operator's <c>say</c> while the call's model session is being replaced (a dropped Realtime socket, the new
/// session's handshake held by the fake): accepted, and said once by the session that takes over, after its own
/// first words; lost only when the call ends first, and then logged as not said.
/// </summary>
public sealed class OperatorSayDuringReplacementTests
{
    private const string Text = "Our office closes in ten minutes.";

    private static Task<CallHarness> StartAsync(TimeProvider? time = null) =>
        CallHarness.StartAsync(
            settings: new Dictionary<string, string?>
            {
                ["CONFIG_SIGNING_KEY"] = ConfigTokens.SigningKey,
                ["TWILIO_AUTH_TOKEN"] = CommandedCalls.AuthToken,
                ["PUBLIC_BASE_URL"] = "wss://voice.example.com",
            },
            timeProvider: time);

    /// <summary>A call whose configuration is signed for its CallSid, so it takes operators' commands.</summary>
    private static Task<(FakeTwilioCaller Caller, FakeRealtimeConnection Model)> StartBoundCallAsync(CallHarness harness) =>
        CommandedCalls.StartBoundCallAsync(harness, markMode: MarkMode.Immediate);

    private static Task<HttpResponseMessage> SayAsync(CallHarness harness, string callSid, string text) =>
        SignedCommands.PostAsync(harness.Server, callSid, SignedCommands.Command(callSid, "say", text: text).ToJsonString(), harness.Token);

    private static async Task<string?> DetailAsync(HttpResponseMessage response) =>
        (string?)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["detail"];

    private static async Task DropTheModelSessionAsync(CallHarness harness, FakeRealtimeConnection model)
    {
        harness.Realtime.HoldUpgrades();
        model.Abort();
        await harness.Realtime.WaitForUpgradeAttemptsAsync(2, harness.Token);
        await harness.Server.WaitForLogCountAsync("ModelSessionReplacing", 1, harness.Token);
    }

    /// <summary>A bound call whose agent is speaking, with an operator's message accepted to follow its response.</summary>
    private static async Task<(FakeTwilioCaller Caller, FakeRealtimeConnection Model)> StartCallWithASayWaitingAsync(CallHarness harness)
    {
        var (caller, model) = await StartBoundCallAsync(harness);
        await model.SendResponseCreatedAsync("resp_busy", harness.Token);
        await model.SendAudioDeltaAsync("resp_busy", "item_busy", AudioFixtures.Tone(100), cancellationToken: harness.Token);
        await caller.WaitForAudioBytesAsync(800, harness.Token);
        using var response = await SayAsync(harness, caller.CallSid, Text);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("the agent will say it after its current response", await DetailAsync(response));
        return (caller, model);
    }

    private static IReadOnlyList<JsonObject> Responses(FakeRealtimeConnection model) =>
        [.. model.Received.Where(e => (string?)e["type"] == "response.create")];

    private static string? Instructions(JsonObject request) => (string?)request["response"]?["instructions"];

    [Fact]
    public async Task Say_WhileTheSessionIsReplaced_Accepted_SaidOnceByTheNewSession_AfterItsApology()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var harness = await StartAsync(time);
        var (caller, first) = await StartBoundCallAsync(harness);
        await DropTheModelSessionAsync(harness, first);

        using var response = await SayAsync(harness, caller.CallSid, Text);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("the agent will say it once its connection to the model is back", await DetailAsync(response));
        // A gap long enough for the agent's apology, which comes first and is not cut off.
        time.Advance(TimeSpan.FromSeconds(4));
        harness.Realtime.ReleaseUpgrades();
        var second = await harness.Realtime.WaitForConnectionAsync(1, harness.Token);
        var apology = await second.WaitForEventAsync("response.create", harness.Token);
        Assert.Contains("apologise", Instructions(apology), StringComparison.Ordinal);
        await harness.Server.WaitForLogCountAsync("ModelSessionReplaced", 1, harness.Token);
        Assert.Single(Responses(second));
        await second.SendAudioResponseAsync("resp_sorry", "item_sorry", AudioFixtures.Tone(200), cancellationToken: harness.Token);
        await second.WaitForEventCountAsync("response.create", 2, harness.Token);
        Assert.Contains($"\"{Text}\"", Instructions(Responses(second)[1]), StringComparison.Ordinal);
        await second.SendAudioResponseAsync("resp_say", "item_say", AudioFixtures.Tone(200), cancellationToken: harness.Token);
        await caller.WaitForAudioBytesAsync(3200, harness.Token);

        Assert.Equal(2, Responses(second).Count);
        Assert.Empty(Responses(first));
        Assert.Single(harness.Server.Logs.Entries, e => e.EventName == "OperatorCommand");
        await caller.SendStopAsync(harness.Token);
        await harness.AssertCallEndedAsync(caller, WebSocketCloseStatus.NormalClosure, "caller_stopped");
        Assert.DoesNotContain(harness.Server.Logs.Entries, e => e.EventName == "OperatorMessageNotDelivered");
    }

    [Fact]
    public async Task TwoSays_DuringOneReplacement_TheSecondIs409_TheFirstSaidOnceAtTheSwitch()
    {
        await using var harness = await StartAsync();
        var (caller, first) = await StartBoundCallAsync(harness);
        await DropTheModelSessionAsync(harness, first);
        using var accepted = await SayAsync(harness, caller.CallSid, Text);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);

        using var second = await SayAsync(harness, caller.CallSid, "And one more thing.");

        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        Assert.Equal("the agent already has a response waiting; try again in a moment", await DetailAsync(second));
        harness.Realtime.ReleaseUpgrades();
        var model = await harness.Realtime.WaitForConnectionAsync(1, harness.Token);
        // A short gap: no apology, so the message is the new session's first response.
        var request = await model.WaitForEventAsync("response.create", harness.Token);
        Assert.Contains($"\"{Text}\"", Instructions(request), StringComparison.Ordinal);
        await model.SendAudioResponseAsync("resp_say", "item_say", AudioFixtures.Tone(200), cancellationToken: harness.Token);
        await caller.WaitForAudioBytesAsync(1600, harness.Token);
        // Once the message is out, the call takes the next one again.
        using var third = await SayAsync(harness, caller.CallSid, "And one more thing.");
        Assert.Equal(HttpStatusCode.Accepted, third.StatusCode);
        await model.WaitForEventCountAsync("response.create", 2, harness.Token);

        Assert.Single(Responses(model), r => Instructions(r)!.Contains(Text, StringComparison.Ordinal));
        Assert.DoesNotContain(Responses(model), r => Instructions(r)!.Contains("apologise", StringComparison.Ordinal));
        Assert.Empty(Responses(first));
    }

    [Fact]
    public async Task Say_WhileAReplacementFails_TheCallEndsModelReconnectFailed_TheMessageLoggedAsNotSaid()
    {
        await using var harness = await StartAsync();
        var (caller, first) = await StartBoundCallAsync(harness);
        await DropTheModelSessionAsync(harness, first);
        using var response = await SayAsync(harness, caller.CallSid, Text);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);

        // A refused key fails every attempt alike: the replacement gives up at once.
        harness.Realtime.RefuseUpgrades(403);
        harness.Realtime.ReleaseUpgrades();

        await harness.AssertCallEndedAsync(caller, WebSocketCloseStatus.InternalServerError, "model_reconnect_failed");
        var lost = Assert.Single(harness.Server.Logs.Entries, e => e.EventName == "OperatorMessageNotDelivered");
        Assert.Contains("model_reconnect_failed", lost.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Text, lost.Message, StringComparison.Ordinal);
        Assert.Empty(Responses(first));
        Assert.Equal(1, harness.Realtime.ConnectionCount);
    }

    [Fact]
    public async Task Say_WaitingBehindAResponse_TheSessionDrops_SaidOnceByTheNewSession()
    {
        await using var harness = await StartAsync();
        var (caller, first) = await StartCallWithASayWaitingAsync(harness);

        await DropTheModelSessionAsync(harness, first);
        // Still promised: a second message waits for it, as it would have on the old session.
        using var second = await SayAsync(harness, caller.CallSid, "And one more thing.");
        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        harness.Realtime.ReleaseUpgrades();
        var model = await harness.Realtime.WaitForConnectionAsync(1, harness.Token);

        // A short gap: no apology, so the message is the new session's first response.
        var request = await model.WaitForEventAsync("response.create", harness.Token);
        Assert.Contains($"\"{Text}\"", Instructions(request), StringComparison.Ordinal);
        await model.SendAudioResponseAsync("resp_say", "item_say", AudioFixtures.Tone(200), cancellationToken: harness.Token);
        await caller.WaitForAudioBytesAsync(800 + 1600, harness.Token);
        await caller.SendStopAsync(harness.Token);
        await harness.AssertCallEndedAsync(caller, WebSocketCloseStatus.NormalClosure, "caller_stopped");

        Assert.Single(Responses(model), r => Instructions(r)!.Contains(Text, StringComparison.Ordinal));
        Assert.Empty(Responses(first));
        Assert.DoesNotContain(harness.Server.Logs.Entries, e => e.EventName == "OperatorMessageNotDelivered");
    }

    [Fact]
    public async Task Say_WaitingBehindAResponse_TheCallerHangsUp_LoggedAsNotSaid()
    {
        await using var harness = await StartAsync();
        var (caller, first) = await StartCallWithASayWaitingAsync(harness);

        await caller.SendStopAsync(harness.Token);

        await harness.AssertCallEndedAsync(caller, WebSocketCloseStatus.NormalClosure, "caller_stopped");
        var lost = Assert.Single(harness.Server.Logs.Entries, e => e.EventName == "OperatorMessageNotDelivered");
        Assert.Contains("caller_stopped", lost.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Text, lost.Message, StringComparison.Ordinal);
    }
}
