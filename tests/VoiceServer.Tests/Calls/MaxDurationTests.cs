using System.Net.WebSockets;
using Microsoft.Extensions.Time.Testing;
using VoiceServer.Tests.Infrastructure;
using VoiceServer.TwilioEmulator;

namespace VoiceServer.Tests.Calls;

public sealed class MaxDurationTests
{
    private static Task<CallHarness> StartAsync(FakeTimeProvider time) => CallHarness.StartAsync(
        settings: new Dictionary<string, string?> { ["MAX_CALL_DURATION"] = "60" },
        timeProvider: time);

    [Fact]
    public async Task MaxDuration_AgentSaysGoodbye_ThenTheCallEndsWith1000()
    {
        var time = new FakeTimeProvider();
        await using var harness = await StartAsync(time);
        var (caller, model) = await harness.StartCallAsync(options: new FakeTwilioCallerOptions { MarkMode = MarkMode.Immediate });

        time.Advance(TimeSpan.FromSeconds(59));
        Assert.DoesNotContain(model.Received, e => (string?)e["type"] == "response.create");
        time.Advance(TimeSpan.FromSeconds(1));

        var goodbye = await model.WaitForEventAsync("response.create", harness.Token);
        Assert.Contains("goodbye", (string?)goodbye["response"]!["instructions"], StringComparison.Ordinal);
        await model.SendAudioResponseAsync("resp_bye", "item_bye", AudioFixtures.Tone(300), cancellationToken: harness.Token);

        // The goodbye plays out (marks come back), then the call ends normally.
        var (status, _) = await caller.WaitForCloseAsync(harness.Token);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, status);
        Assert.Equal(2400, caller.ReceivedAudio.Length);
        var end = await harness.Server.WaitForCallEndAsync(harness.Token);
        Assert.Contains("max_duration", end.Message, StringComparison.Ordinal);
        Assert.Empty(model.ErrorsSent);
    }

    [Fact]
    public async Task MaxDuration_ResponseInProgress_GoodbyeWaitsForIt()
    {
        var time = new FakeTimeProvider();
        await using var harness = await StartAsync(time);
        var (caller, model) = await harness.StartCallAsync(options: new FakeTwilioCallerOptions { MarkMode = MarkMode.Immediate });
        await model.SendResponseCreatedAsync("resp_busy", harness.Token);
        // Audio of that response reaching the caller means the server has seen it start.
        await model.SendAudioDeltaAsync("resp_busy", "item_busy", AudioFixtures.Tone(100), cancellationToken: harness.Token);
        await caller.WaitForAudioBytesAsync(800, harness.Token);

        time.Advance(TimeSpan.FromSeconds(60));
        await harness.Server.Logs.WaitForAsync(e => e.EventName == "MaxDurationReached", harness.Token);
        Assert.DoesNotContain(model.Received, e => (string?)e["type"] == "response.create");

        await model.SendResponseDoneAsync("resp_busy", "completed", harness.Token);
        await model.WaitForEventAsync("response.create", harness.Token);
        Assert.Empty(model.ErrorsSent);
    }

    [Fact]
    public async Task MaxDuration_NoGoodbyeInTime_EndsAnyway()
    {
        var time = new FakeTimeProvider();
        await using var harness = await StartAsync(time);
        var (caller, model) = await harness.StartCallAsync();

        time.Advance(TimeSpan.FromSeconds(60));
        await model.WaitForEventAsync("response.create", harness.Token);
        time.Advance(TimeSpan.FromSeconds(15));

        await harness.AssertCallEndedAsync(caller, WebSocketCloseStatus.NormalClosure, "max_duration");
    }

    [Fact]
    public async Task MaxDurationSecOfTheCall_AppliesWhenShorterThanTheServers()
    {
        var time = new FakeTimeProvider();
        await using var harness = await StartAsync(time);
        var (_, model) = await harness.StartCallAsync(CallHarness.Parameters(("maxDurationSec", "30")));

        time.Advance(TimeSpan.FromSeconds(30));

        var goodbye = await model.WaitForEventAsync("response.create", harness.Token);
        Assert.Contains("goodbye", (string?)goodbye["response"]!["instructions"], StringComparison.Ordinal);
    }
}
