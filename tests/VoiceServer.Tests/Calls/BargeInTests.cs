using VoiceServer.Fakes;
using VoiceServer.Tests.Infrastructure;
using VoiceServer.TwilioEmulator;

namespace VoiceServer.Tests.Calls;

public sealed class BargeInTests
{
    private static readonly FakeTwilioCallerOptions s_manualMarks = new() { MarkMode = MarkMode.Manual };

    /// <summary>Two seconds of agent audio in ten 200 ms deltas, nothing acknowledged yet.</summary>
    private static async Task<byte[]> SendTwoSecondsAsync(CallHarness harness, FakeTwilioCaller caller, FakeRealtimeConnection model, string responseId = "resp_1", string itemId = "item_1")
    {
        var audio = AudioFixtures.Tone(2000);
        var received = caller.ReceivedAudioBytes;
        var pending = caller.PendingMarks.Count;
        await model.SendResponseCreatedAsync(responseId, harness.Token);
        await model.SendOutputItemAddedAsync(responseId, itemId, harness.Token);
        for (var offset = 0; offset < audio.Length; offset += 1600)
        {
            await model.SendAudioDeltaAsync(responseId, itemId, audio.AsMemory(offset, 1600), cancellationToken: harness.Token);
        }

        await caller.WaitForAudioBytesAsync((int)received + audio.Length, harness.Token);
        await caller.WaitForPendingMarksAsync(pending + 10, harness.Token);
        return audio;
    }

    [Fact]
    public async Task BargeIn_TruncatesWithin100MsOfWhatWasPlayed()
    {
        await using var harness = await CallHarness.StartAsync();
        var (caller, model) = await harness.StartCallAsync(options: s_manualMarks);
        await SendTwoSecondsAsync(harness, caller, model);

        await caller.AckPendingMarksAsync(5, harness.Token); // 1000 ms played
        await harness.Server.WaitForLogCountAsync("MarkReturned", 5, harness.Token);
        await model.SendSpeechStartedAsync(cancellationToken: harness.Token);

        await caller.WaitForClearAsync(harness.Token);
        var truncate = await model.WaitForEventAsync("conversation.item.truncate", harness.Token);
        Assert.Equal("item_1", (string?)truncate["item_id"]);
        Assert.Equal(0, (int)truncate["content_index"]!);
        var audioEndMs = (int)truncate["audio_end_ms"]!;
        Assert.InRange(audioEndMs, 900, 1100);
        Assert.Equal(1050, audioEndMs);
        Assert.DoesNotContain(model.Received, e => (string?)e["type"] == "response.cancel");
        Assert.Empty(model.ErrorsSent);
    }

    [Fact]
    public async Task BargeIn_NothingPlaying_NoClearNoTruncate()
    {
        await using var harness = await CallHarness.StartAsync();
        var (caller, model) = await harness.StartCallAsync(options: s_manualMarks);

        await model.SendSpeechStartedAsync(cancellationToken: harness.Token);
        // Something after it on the same socket: once it is through, the speech_started was handled.
        await model.SendAudioResponseAsync("resp_after", "item_after", AudioFixtures.Tone(100), cancellationToken: harness.Token);
        await caller.WaitForAudioBytesAsync(800, harness.Token);

        Assert.Equal(0, caller.ClearCount);
        Assert.DoesNotContain(model.Received, e => (string?)e["type"] is "conversation.item.truncate" or "response.cancel");
        Assert.Empty(model.ErrorsSent);
    }

    [Fact]
    public async Task BargeIn_LateDeltasOfTheCancelledResponse_NeverReachTheCaller()
    {
        await using var harness = await CallHarness.StartAsync(new FakeRealtimeServerOptions { AutoCancelOnSpeechStarted = false });
        var (caller, model) = await harness.StartCallAsync(options: s_manualMarks);
        var first = await SendTwoSecondsAsync(harness, caller, model);
        await model.SendSpeechStartedAsync(cancellationToken: harness.Token);
        await caller.WaitForClearAsync(harness.Token);

        // The model was slow to stop: more of the old response arrives, then its cancelled done, then a new reply.
        await model.SendAudioDeltaAsync("resp_1", "item_1", AudioFixtures.Tone(200), cancellationToken: harness.Token);
        await model.SendAudioDoneAsync("resp_1", "item_1", cancellationToken: harness.Token);
        await model.SendResponseDoneAsync("resp_1", "cancelled", harness.Token);
        var second = AudioFixtures.Silence(300);
        await model.SendAudioResponseAsync("resp_2", "item_2", second, cancellationToken: harness.Token);
        await caller.WaitForAudioBytesAsync(first.Length + second.Length, harness.Token);

        Assert.Equal([.. first, .. second], caller.ReceivedAudio);
        Assert.Empty(model.ErrorsSent);
    }

    [Fact]
    public async Task BargeIn_SecondItemNeverAcknowledged_TruncatedAtZero()
    {
        await using var harness = await CallHarness.StartAsync(new FakeRealtimeServerOptions { AutoCancelOnSpeechStarted = false });
        var (caller, model) = await harness.StartCallAsync(options: s_manualMarks);
        await SendTwoSecondsAsync(harness, caller, model);
        await model.SendAudioDoneAsync("resp_1", "item_1", cancellationToken: harness.Token);
        await model.SendResponseDoneAsync("resp_1", "completed", harness.Token);
        await SendTwoSecondsAsync(harness, caller, model, "resp_2", "item_2");

        await caller.AckPendingMarksAsync(2, harness.Token); // 400 ms of the first item
        await harness.Server.WaitForLogCountAsync("MarkReturned", 2, harness.Token);
        await model.SendSpeechStartedAsync(cancellationToken: harness.Token);

        await model.WaitForEventCountAsync("conversation.item.truncate", 2, harness.Token);
        var truncates = model.Received.Where(e => (string?)e["type"] == "conversation.item.truncate").ToList();
        Assert.Equal(("item_1", 450), ((string?)truncates[0]["item_id"], (int)truncates[0]["audio_end_ms"]!));
        Assert.Equal(("item_2", 0), ((string?)truncates[1]["item_id"], (int)truncates[1]["audio_end_ms"]!));
        Assert.Empty(model.ErrorsSent);
    }

    [Fact]
    public async Task BargeIn_MarksEchoedByClear_DoNotMoveThePlayedPosition()
    {
        await using var harness = await CallHarness.StartAsync();
        var (caller, model) = await harness.StartCallAsync(options: s_manualMarks);
        await SendTwoSecondsAsync(harness, caller, model);
        await caller.AckPendingMarksAsync(1, harness.Token); // 200 ms played
        await harness.Server.WaitForLogCountAsync("MarkReturned", 1, harness.Token);
        await model.SendSpeechStartedAsync(cancellationToken: harness.Token);
        await caller.WaitForClearAsync(harness.Token);
        var first = await model.WaitForEventAsync("conversation.item.truncate", harness.Token);
        Assert.Equal(250, (int)first["audio_end_ms"]!);

        // The clear sent back all nine pending marks; a second barge-in on a new reply must not count them.
        await caller.WaitForReturnedMarksAsync(10, harness.Token);
        await SendTwoSecondsAsync(harness, caller, model, "resp_2", "item_2");
        await model.SendSpeechStartedAsync(cancellationToken: harness.Token);
        await model.WaitForEventCountAsync("conversation.item.truncate", 2, harness.Token);

        var second = model.Received.Where(e => (string?)e["type"] == "conversation.item.truncate").ElementAt(1);
        Assert.Equal(("item_2", 50), ((string?)second["item_id"], (int)second["audio_end_ms"]!));
        Assert.Empty(model.ErrorsSent);
    }
}
