using Microsoft.Extensions.Time.Testing;
using VoiceServer.Fakes;
using VoiceServer.Tests.Infrastructure;
using VoiceServer.TwilioEmulator;

namespace VoiceServer.Tests.Calls;

/// <summary>Key presses reach the model as user input; gaps in the caller's media are padded with silence.</summary>
public sealed class KeypadAndGapTests
{
    private static async Task<string> NextUserTextAsync(CallHarness harness, FakeRealtimeConnection model, int count)
    {
        await model.WaitForEventCountAsync("conversation.item.create", count, harness.Token);
        var item = model.Received.Where(e => (string?)e["type"] == "conversation.item.create").ElementAt(count - 1)["item"]!;
        Assert.Equal("user", (string?)item["role"]);
        Assert.Equal("input_text", (string?)item["content"]![0]!["type"]);
        return (string)item["content"]![0]!["text"]!;
    }

    [Fact]
    public async Task EachKey_ReachesTheModelAsUserText_ThenAResponseIsRequested()
    {
        await using var harness = await CallHarness.StartAsync();
        var (caller, model) = await harness.StartCallAsync();

        await caller.SendDtmfAsync('5', harness.Token);

        Assert.Equal("The caller pressed 5.", await NextUserTextAsync(harness, model, 1));
        await model.WaitForEventAsync("response.create", harness.Token);
        Assert.Empty(model.ErrorsSent);
        // The digit itself (often part of a PIN) stays out of the logs.
        Assert.DoesNotContain(harness.Server.Logs.Entries, e => e.Message.Contains("pressed 5", StringComparison.Ordinal));
    }

    [Fact]
    public async Task KeyWhileTheAgentSpeaks_ResponseWaitsForTheActiveOneToFinish()
    {
        await using var harness = await CallHarness.StartAsync();
        var (caller, model) = await harness.StartCallAsync();
        await model.SendResponseCreatedAsync("resp_1", harness.Token);
        await model.SendAudioDeltaAsync("resp_1", "item_1", AudioFixtures.Tone(100), cancellationToken: harness.Token);
        await caller.WaitForAudioBytesAsync(800, harness.Token);

        await caller.SendDtmfAsync('1', harness.Token);
        await caller.SendDtmfAsync('2', harness.Token);
        await NextUserTextAsync(harness, model, 2);
        await model.SendResponseDoneAsync("resp_1", "completed", harness.Token);

        await model.WaitForEventAsync("response.create", harness.Token);
        await harness.Server.WaitForLogCountAsync("ResponseDone", 1, harness.Token);
        // A response.create while resp_1 was active would have earned conversation_already_has_active_response.
        Assert.Empty(model.ErrorsSent);
        Assert.Single(model.Received, e => (string?)e["type"] == "response.create");
    }

    [Fact]
    public async Task CollectMode_KeysGatheredUntilHash()
    {
        await using var harness = await CallHarness.StartAsync();
        var (caller, model) = await harness.StartCallAsync(CallHarness.Parameters(("dtmf", "collect")));

        foreach (var key in "1234#")
        {
            await caller.SendDtmfAsync(key, harness.Token);
        }

        Assert.Equal("The caller entered 1234 on the keypad.", await NextUserTextAsync(harness, model, 1));
        Assert.Single(model.Received, e => (string?)e["type"] == "conversation.item.create");
    }

    [Fact]
    public async Task CollectMode_APauseSendsWhatWasTyped()
    {
        var time = new FakeTimeProvider();
        await using var harness = await CallHarness.StartAsync(timeProvider: time);
        var (caller, model) = await harness.StartCallAsync(CallHarness.Parameters(("dtmf", "collect")));
        await caller.SendDtmfAsync('4', harness.Token);
        await caller.SendDtmfAsync('2', harness.Token);
        await harness.Server.WaitForLogCountAsync("DtmfReceived", 2, harness.Token);

        time.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal("The caller entered 42 on the keypad.", await NextUserTextAsync(harness, model, 1));
    }

    [Fact]
    public async Task GapInMediaTimestamps_PaddedWithSilence_InOrder()
    {
        await using var harness = await CallHarness.StartAsync();
        var (caller, model) = await harness.StartCallAsync();
        var before = AudioFixtures.Tone(20, hz: 300);
        var after = AudioFixtures.Tone(20, hz: 500);

        await caller.SendMediaAsync(before, harness.Token);
        caller.AdvanceMediaTimestamp(400); // 20 frames lost on the way
        await caller.SendMediaAsync(after, harness.Token);

        var expected = before.Concat(Enumerable.Repeat((byte)0xFF, 400 * 8)).Concat(after).ToArray();
        await model.WaitForAudioBytesAsync(expected.Length, harness.Token);
        Assert.Equal(expected, model.ReceivedAudio);
        Assert.Equal(22, model.AppendCount);
    }

    [Fact]
    public async Task NoGap_NothingPadded()
    {
        await using var harness = await CallHarness.StartAsync();
        var (caller, model) = await harness.StartCallAsync();
        var audio = AudioFixtures.Tone(200);

        await caller.SendAudioAsync(audio, harness.Token);

        await model.WaitForAudioBytesAsync(audio.Length, harness.Token);
        Assert.Equal(audio, model.ReceivedAudio);
    }
}
