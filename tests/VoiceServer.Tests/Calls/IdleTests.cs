using System.Net.WebSockets;
using Microsoft.Extensions.Time.Testing;
using VoiceServer.Fakes;
using VoiceServer.Tests.Infrastructure;
using VoiceServer.TwilioEmulator;

namespace VoiceServer.Tests.Calls;

/// <summary><c>idleTimeoutSec</c>: a silent caller is asked whether they are still there, then the agent says goodbye.</summary>
public sealed class IdleTests
{
    private static readonly FakeTwilioCallerOptions s_immediateMarks = new() { MarkMode = MarkMode.Immediate };

    private static async Task<string?> NextInstructionsAsync(CallHarness harness, FakeRealtimeConnection model, int count)
    {
        await model.WaitForEventCountAsync("response.create", count, harness.Token);
        return (string?)model.Received.Where(e => (string?)e["type"] == "response.create").ElementAt(count - 1)["response"]?["instructions"];
    }

    /// <summary>
    /// The agent speaks 300 ms; returns once its playback has been confirmed (4 marks) and its <c>response.done</c>
    /// handled. The idle timer is armed by whichever of the two the server handles last, before it logs it.
    /// </summary>
    private static async Task SpeakAndPlayAsync(CallHarness harness, FakeRealtimeConnection model, string id, int marksBefore, int responsesBefore)
    {
        await model.SendAudioResponseAsync($"resp_{id}", $"item_{id}", AudioFixtures.Tone(300), cancellationToken: harness.Token);
        await harness.Server.WaitForLogCountAsync("MarkReturned", marksBefore + 4, harness.Token);
        await harness.Server.WaitForLogCountAsync("ResponseDone", responsesBefore + 1, harness.Token);
    }

    [Fact]
    public async Task SilentCaller_AskedIfStillThere_ThenGoodbye_ThenTheCallEnds()
    {
        var time = new FakeTimeProvider();
        await using var harness = await CallHarness.StartAsync(timeProvider: time);
        var (caller, model) = await harness.StartCallAsync(CallHarness.Parameters(("idleTimeoutSec", "10")), s_immediateMarks);

        time.Advance(TimeSpan.FromSeconds(9));
        Assert.DoesNotContain(model.Received, e => (string?)e["type"] == "response.create");
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Contains("still there", await NextInstructionsAsync(harness, model, 1), StringComparison.Ordinal);
        await SpeakAndPlayAsync(harness, model, "prompt", 0, 0);

        time.Advance(TimeSpan.FromSeconds(10));
        Assert.Contains("goodbye", await NextInstructionsAsync(harness, model, 2), StringComparison.Ordinal);
        await model.SendAudioResponseAsync("resp_bye", "item_bye", AudioFixtures.Tone(300), cancellationToken: harness.Token);

        await harness.AssertCallEndedAsync(caller, WebSocketCloseStatus.NormalClosure, "idle_timeout");
        Assert.Empty(model.ErrorsSent);
    }

    [Fact]
    public async Task CallerSpeaksAfterThePrompt_TheCountStartsOver()
    {
        var time = new FakeTimeProvider();
        await using var harness = await CallHarness.StartAsync(timeProvider: time);
        var (_, model) = await harness.StartCallAsync(CallHarness.Parameters(("idleTimeoutSec", "10")), s_immediateMarks);
        time.Advance(TimeSpan.FromSeconds(10));
        await NextInstructionsAsync(harness, model, 1);
        await SpeakAndPlayAsync(harness, model, "prompt", 0, 0);

        // The caller answers; the agent replies.
        await model.SendSpeechStartedAsync(cancellationToken: harness.Token);
        await model.SendSpeechStoppedAsync(cancellationToken: harness.Token);
        await SpeakAndPlayAsync(harness, model, "reply", 4, 1);

        time.Advance(TimeSpan.FromSeconds(10));
        Assert.Contains("still there", await NextInstructionsAsync(harness, model, 2), StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoIdleTimeout_NothingHappensInSilence()
    {
        var time = new FakeTimeProvider();
        await using var harness = await CallHarness.StartAsync(timeProvider: time);
        var (caller, model) = await harness.StartCallAsync(options: s_immediateMarks);

        time.Advance(TimeSpan.FromMinutes(5));
        // Something observable after the advance: the call still relays audio, and no response was asked for.
        await caller.SendAudioAsync(AudioFixtures.Tone(20), harness.Token);
        await model.WaitForAudioBytesAsync(160, harness.Token);
        Assert.DoesNotContain(model.Received, e => (string?)e["type"] == "response.create");
    }
}
