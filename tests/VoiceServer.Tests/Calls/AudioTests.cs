using VoiceServer.Tests.Infrastructure;
using VoiceServer.TwilioEmulator;

namespace VoiceServer.Tests.Calls;

public sealed class AudioTests
{
    [Fact]
    public async Task CallerAudio_ReachesTheModelByteForByte()
    {
        await using var harness = await CallHarness.StartAsync();
        var (caller, model) = await harness.StartCallAsync();
        var speech = AudioFixtures.LoadMulaw(AudioFixtures.CallerBooking);

        await caller.SendAudioAsync(speech, cancellationToken: harness.Token);
        await model.WaitForAudioBytesAsync(speech.Length, harness.Token);

        Assert.Equal(speech, model.ReceivedAudio);
        Assert.Equal((speech.Length + 159) / 160, model.AppendCount);
        Assert.Empty(model.ErrorsSent);
    }

    [Fact]
    public async Task AgentAudio_ReachesTheCallerByteForByte_WithMarks()
    {
        await using var harness = await CallHarness.StartAsync();
        var (caller, model) = await harness.StartCallAsync(options: new FakeTwilioCallerOptions { MarkMode = MarkMode.Manual });
        var reply = AudioFixtures.LoadMulaw(AudioFixtures.CallerInterrupt);

        await model.SendAudioResponseAsync("resp_1", "item_1", reply, chunkBytes: 800, cancellationToken: harness.Token);
        await caller.WaitForAudioBytesAsync(reply.Length, harness.Token);
        var chunks = (reply.Length + 799) / 800;
        await caller.WaitForPendingMarksAsync(chunks + 1, harness.Token);

        Assert.Equal(reply, caller.ReceivedAudio);
        var messages = caller.Messages;
        // Every chunk is followed by its mark; the item's done mark comes last.
        for (var i = 0; i < chunks; i++)
        {
            Assert.Equal("media", messages[2 * i].Event);
            Assert.Equal("mark", messages[(2 * i) + 1].Event);
        }

        Assert.Equal("mark", messages[2 * chunks].Event);
        Assert.StartsWith("d:", messages[2 * chunks].MarkName, StringComparison.Ordinal);
        Assert.Equal(chunks + 1, caller.PendingMarks.Count);
    }

    [Fact]
    public async Task AudioBeforeSessionConfirmed_IsBufferedAndFlushedInOrder()
    {
        await using var harness = await CallHarness.StartAsync();
        var caller = await harness.ConnectAsync();
        await caller.SendConnectedAsync(harness.Token);
        await caller.SendStartAsync(CallHarness.Parameters(), cancellationToken: harness.Token);
        var speech = AudioFixtures.LoadMulaw(AudioFixtures.CallerBooking);

        // Sent at once, before the model has confirmed anything: none may be lost, none sent early.
        await caller.SendAudioAsync(speech, cancellationToken: harness.Token);
        var model = await harness.Realtime.WaitForConnectionAsync(harness.Token);
        await model.WaitForAudioBytesAsync(speech.Length, harness.Token);

        Assert.Equal(speech, model.ReceivedAudio);
        var received = model.Received.Select(e => (string?)e["type"]).ToList();
        Assert.True(received.IndexOf("session.update") < received.IndexOf("input_audio_buffer.append"));
        Assert.Empty(model.ErrorsSent);
    }

    [Fact]
    public async Task Greeting_TheAgentSpeaksFirst()
    {
        await using var harness = await CallHarness.StartAsync();
        var (_, model) = await harness.StartCallAsync(CallHarness.Parameters(("greeting", "Thanks for calling Luigi's!"), ("prompt", "You are Luigi's host.")));

        var create = await model.WaitForEventAsync("response.create", harness.Token);

        var instructions = (string?)create["response"]!["instructions"];
        Assert.Contains("Thanks for calling Luigi's!", instructions, StringComparison.Ordinal);
        Assert.Contains("You are Luigi's host.", instructions, StringComparison.Ordinal);
        var types = model.Received.Select(e => (string?)e["type"]).ToList();
        Assert.True(types.IndexOf("session.update") < types.IndexOf("response.create"));
        Assert.Empty(model.ErrorsSent);
    }

    [Fact]
    public async Task NoGreeting_NoResponseRequested()
    {
        await using var harness = await CallHarness.StartAsync();
        var (caller, model) = await harness.StartCallAsync();
        await caller.SendAudioAsync(AudioFixtures.Silence(100), cancellationToken: harness.Token);
        await model.WaitForAudioBytesAsync(800, harness.Token);

        Assert.DoesNotContain(model.Received, e => (string?)e["type"] == "response.create");
    }
}
