using System.Net.WebSockets;
using VoiceServer.Fakes;
using VoiceServer.Tests.Infrastructure;
using VoiceServer.TwilioEmulator;

namespace VoiceServer.Tests.Calls;

public sealed class BadInputTests
{
    [Theory]
    [InlineData("{not json at all")]
    [InlineData("""{"event":"media","media":{"payload":42}}""")]
    [InlineData("""{"event":"teleport","streamSid":"MZ1"}""")]
    [InlineData("[]")]
    [InlineData("""{"event":"mark","mark":"not-an-object"}""")]
    public async Task MalformedOrUnknownMessages_AreIgnored_CallGoesOn(string message)
    {
        await using var harness = await CallHarness.StartAsync();
        var (caller, model) = await harness.StartCallAsync();

        await caller.SendTextAsync(message, harness.Token);
        var audio = AudioFixtures.Tone(200);
        await caller.SendAudioAsync(audio, cancellationToken: harness.Token);

        await model.WaitForAudioBytesAsync(audio.Length, harness.Token);
        Assert.Equal(audio, model.ReceivedAudio);
        Assert.Empty(harness.Server.Logs.CallEnds);
        Assert.Contains(harness.Server.Logs.Entries, e => e.EventName == "MalformedCallerMessage");
    }

    [Fact]
    public async Task BinaryFrame_Close1003_OtherCallsUntouched()
    {
        await using var harness = await CallHarness.StartAsync();
        var (bystander, bystanderModel) = await harness.StartCallAsync();
        var (caller, _) = await harness.StartCallAsync();

        await caller.SendBinaryAsync([1, 2, 3], harness.Token);

        await harness.AssertCallEndedAsync(caller, WebSocketCloseStatus.InvalidMessageType, "protocol_violation");
        await AssertStillBridgesAsync(harness, bystander, bystanderModel);
    }

    [Fact]
    public async Task OversizedMessage_Close1009_OtherCallsUntouched()
    {
        await using var harness = await CallHarness.StartAsync();
        var (bystander, bystanderModel) = await harness.StartCallAsync();
        var (caller, _) = await harness.StartCallAsync();

        // A media message just over the 64 KiB limit.
        var payload = Convert.ToBase64String(new byte[50_000]);
        await caller.SendTextAsync($$"""{"event":"media","media":{"payload":"{{payload}}"},"streamSid":"{{caller.StreamSid}}"}""", harness.Token);

        await harness.AssertCallEndedAsync(caller, WebSocketCloseStatus.MessageTooBig, "message_too_big");
        await AssertStillBridgesAsync(harness, bystander, bystanderModel);
    }

    [Fact]
    public async Task FloodingCaller_Close1008_RateLimited()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        await using var harness = await CallHarness.StartAsync(
            settings: new Dictionary<string, string?> { ["MEDIA_STREAM_MAX_MESSAGES_PER_SECOND"] = "5" },
            timeProvider: time);
        var (caller, _) = await harness.StartCallAsync();

        // Virtual time stands still: the budget is the burst of 50 messages, and this sends 100.
        try
        {
            await caller.SendAudioAsync(AudioFixtures.Silence(2000), cancellationToken: harness.Token);
        }
        catch (WebSocketException)
        {
            // The server may close while the flood is still going out.
        }

        await harness.AssertCallEndedAsync(caller, WebSocketCloseStatus.PolicyViolation, "rate_limited");
    }

    [Fact]
    public async Task MalformedModelEvents_AreIgnored()
    {
        await using var harness = await CallHarness.StartAsync();
        var (caller, model) = await harness.StartCallAsync();

        await model.SendRawTextAsync("{broken", harness.Token);
        await model.SendRawTextAsync("""{"type":"response.output_audio.delta","delta":"AAAA"}""", harness.Token);
        await model.SendRawTextAsync("""{"type":"something.new.from.openai","x":1}""", harness.Token);
        var audio = AudioFixtures.Tone(100);
        await model.SendAudioResponseAsync("resp_1", "item_1", audio, cancellationToken: harness.Token);

        await caller.WaitForAudioBytesAsync(audio.Length, harness.Token);
        Assert.Equal(audio, caller.ReceivedAudio);
        Assert.Empty(harness.Server.Logs.CallEnds);
    }

    private static async Task AssertStillBridgesAsync(CallHarness harness, FakeTwilioCaller caller, FakeRealtimeConnection model)
    {
        var audio = AudioFixtures.Tone(100);
        await caller.SendAudioAsync(audio, cancellationToken: harness.Token);
        await model.WaitForAudioBytesAsync(audio.Length, harness.Token);
        await model.SendAudioResponseAsync("resp_ok", "item_ok", audio, cancellationToken: harness.Token);
        await caller.WaitForAudioBytesAsync(audio.Length, harness.Token);
        Assert.Equal(WebSocketState.Open, caller.State);
    }
}
