using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using VoiceServer.Fakes;
using VoiceServer.PlivoEmulator;
using VoiceServer.Tests.Infrastructure;
using VoiceServer.TwilioEmulator;

namespace VoiceServer.Tests.Plivo;

/// <summary>
/// A Plivo caller on the same agents: the behaviour tests of the Twilio leg that matter most, over Plivo's socket
/// with a fake written from the reference.
/// </summary>
public sealed class PlivoCallTests
{
    private const string AuthId = "MAXXXXXXXXXXXXXXXXXX";
    private const string AuthToken = "plivo-auth-token-0123456789";
    private const string TransferNumber = "+15557654321";

    [Fact]
    public async Task CallerAudio_ReachesTheModelByteForByte()
    {
        await using var harness = await CallHarness.StartAsync();
        var (caller, model) = await PlivoCalls.StartCallAsync(harness);
        await using var _ = caller;
        var speech = AudioFixtures.LoadMulaw(AudioFixtures.CallerBooking);

        await caller.SendAudioAsync(speech, harness.Token);
        await model.WaitForAudioBytesAsync(speech.Length, harness.Token);

        Assert.Equal(speech, model.ReceivedAudio);
        Assert.Equal((speech.Length + 159) / 160, model.AppendCount);
        Assert.Empty(model.ErrorsSent);
    }

    [Fact]
    public async Task AgentAudio_ReachesTheCallerByteForByte_WithCheckpoints()
    {
        await using var harness = await CallHarness.StartAsync();
        var (caller, model) = await PlivoCalls.StartCallAsync(harness, checkpointMode: PlivoCheckpointMode.Manual);
        await using var _ = caller;
        var reply = AudioFixtures.LoadMulaw(AudioFixtures.CallerInterrupt);

        await model.SendAudioResponseAsync("resp_1", "item_1", reply, chunkBytes: 800, cancellationToken: harness.Token);
        await caller.WaitForAudioBytesAsync(reply.Length, harness.Token);
        var chunks = (reply.Length + 799) / 800;
        await caller.WaitForPendingCheckpointsAsync(chunks + 1, harness.Token);

        Assert.Equal(reply, caller.ReceivedAudio);
        var frames = caller.Frames;
        // Every chunk is followed by its checkpoint; the item's done checkpoint comes last.
        for (var i = 0; i < chunks; i++)
        {
            Assert.Equal("playAudio", frames[2 * i].Event);
            Assert.Equal("checkpoint", frames[(2 * i) + 1].Event);
        }

        Assert.StartsWith("d:", frames[2 * chunks].CheckpointName, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BargeIn_ClearAudioSent_TruncatedAtWhatThePlayedCheckpointsSay()
    {
        await using var harness = await CallHarness.StartAsync();
        var (caller, model) = await PlivoCalls.StartCallAsync(harness, checkpointMode: PlivoCheckpointMode.Manual);
        await using var _ = caller;
        var audio = AudioFixtures.Tone(2000);
        await model.SendResponseCreatedAsync("resp_1", harness.Token);
        await model.SendOutputItemAddedAsync("resp_1", "item_1", harness.Token);
        for (var offset = 0; offset < audio.Length; offset += 1600)
        {
            await model.SendAudioDeltaAsync("resp_1", "item_1", audio.AsMemory(offset, 1600), cancellationToken: harness.Token);
        }

        await caller.WaitForPendingCheckpointsAsync(10, harness.Token);
        await caller.AckPendingCheckpointsAsync(5, harness.Token); // 1000 ms played
        await harness.Server.WaitForLogCountAsync("MarkReturned", 5, harness.Token);
        await model.SendSpeechStartedAsync(cancellationToken: harness.Token);

        await caller.WaitForClearAudioAsync(harness.Token);
        var truncate = await model.WaitForEventAsync("conversation.item.truncate", harness.Token);
        Assert.Equal("item_1", (string?)truncate["item_id"]);
        Assert.Equal(1050, (int)truncate["audio_end_ms"]!);
        // The flushed checkpoints never come back; the call goes on, and the next reply plays.
        Assert.Empty(caller.PendingCheckpoints);
        var before = caller.ReceivedAudio.Length;
        await model.SendAudioResponseAsync("resp_2", "item_2", AudioFixtures.Tone(100), chunkBytes: 800, cancellationToken: harness.Token);
        await caller.WaitForAudioBytesAsync(before + 800, harness.Token);
        Assert.Equal(WebSocketState.Open, caller.State);
        Assert.Empty(model.ErrorsSent);
    }

    [Fact]
    public async Task Dtmf_ReachesTheModelAsUserText()
    {
        await using var harness = await CallHarness.StartAsync();
        var (caller, model) = await PlivoCalls.StartCallAsync(harness);
        await using var _ = caller;

        await caller.SendDtmfAsync('5', harness.Token);

        var created = await model.WaitForEventAsync("conversation.item.create", harness.Token);
        Assert.Equal("The caller pressed 5.", (string?)created["item"]!["content"]![0]!["text"]);
        await model.WaitForEventAsync("response.create", harness.Token);
    }

    [Fact]
    public async Task CallerHangsUp_PlivoClosesTheSocket_CallerDisconnected()
    {
        await using var harness = await CallHarness.StartAsync();
        var (caller, _) = await PlivoCalls.StartCallAsync(harness);
        await using var __ = caller;

        await caller.HangUpAsync(harness.Token);

        var end = await harness.Server.WaitForCallEndAsync(harness.Token);
        Assert.Contains("caller_disconnected", end.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stop_EndsTheCall_CallerStopped()
    {
        await using var harness = await CallHarness.StartAsync();
        var (caller, _) = await PlivoCalls.StartCallAsync(harness);
        await using var __ = caller;

        await caller.SendStopAsync(harness.Token);

        var (status, _) = await caller.WaitForCloseAsync(harness.Token);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, status);
        var end = await harness.Server.WaitForCallEndAsync(harness.Token);
        Assert.Contains("caller_stopped", end.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("audio/x-l16", 8000)]
    [InlineData("audio/x-l16", 16000)]
    [InlineData("audio/x-mulaw", 16000)]
    public async Task OtherMediaFormat_Refused1008_NothingUpstream(string encoding, int sampleRate)
    {
        await using var harness = await CallHarness.StartAsync();
        await using var caller = await FakePlivoCaller.ConnectAsync(PlivoCalls.Url(harness, query: PlivoCalls.Query(CallHarness.Parameters())), cancellationToken: harness.Token);

        await caller.SendStartAsync(harness.Token, encoding, sampleRate);

        var (status, description) = await caller.WaitForCloseAsync(harness.Token);
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, status);
        Assert.Contains("unsupported media format", description, StringComparison.Ordinal);
        Assert.Equal(0, harness.Realtime.UpgradeAttemptCount);
    }

    [Fact]
    public async Task EndCall_HangsUpThroughPlivosRestApi()
    {
        await using var plivo = await FakeHttpReceiver.StartAsync();
        plivo.DefaultStatus = 204;
        await using var harness = await StartWithPlivoApiAsync(plivo);
        var callId = Guid.NewGuid().ToString();
        var (caller, model) = await StartSignedCallAsync(harness, PlivoCalls.BoundTo(callId, ("endCall", "true")), callId);
        await using var _ = caller;

        await SpeakAndCallAsync(harness, model, "resp_bye", "call_end", "end_call", "{}", audioMs: 300);

        var (status, _) = await caller.WaitForCloseAsync(harness.Token);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, status);
        Assert.Contains("agent_hung_up", (await harness.Server.WaitForCallEndAsync(harness.Token)).Message, StringComparison.Ordinal);
        var request = Assert.Single(plivo.Requests);
        Assert.Equal("DELETE", request.Method);
        Assert.Equal($"/v1/Account/{AuthId}/Call/{callId}/", request.Path);
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{AuthId}:{AuthToken}")), request.Headers["Authorization"]);
        // The whole goodbye reached the caller before the hang-up.
        Assert.Equal(2400, caller.ReceivedAudio.Length);
        Assert.DoesNotContain(harness.Server.Logs.Entries, e => e.Message.Contains(AuthToken, StringComparison.Ordinal));
    }

    [Fact]
    public async Task EndCall_CallAlreadyEnded404_CountsAsHungUp()
    {
        await using var plivo = await FakeHttpReceiver.StartAsync();
        plivo.DefaultStatus = 404;
        plivo.ResponseBody = """{"api_id":"x","error":"not found"}""";
        await using var harness = await StartWithPlivoApiAsync(plivo);
        var callId = Guid.NewGuid().ToString();
        var (caller, model) = await StartSignedCallAsync(harness, PlivoCalls.BoundTo(callId, ("endCall", "true")), callId);
        await using var _ = caller;

        await SpeakAndCallAsync(harness, model, "resp_bye", "call_end", "end_call", "{}", audioMs: 100);

        var (status, description) = await caller.WaitForCloseAsync(harness.Token);
        Assert.Equal((WebSocketCloseStatus.NormalClosure, "call ended"), (status, description));
        Assert.Contains("agent_hung_up", (await harness.Server.WaitForCallEndAsync(harness.Token)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Transfer_PostsTheTransferXmlUrlThroughPlivosRestApi()
    {
        await using var plivo = await FakeHttpReceiver.StartAsync();
        plivo.DefaultStatus = 202;
        plivo.ResponseBody = """{"api_id":"x","message":"call transfered"}""";
        await using var harness = await StartWithPlivoApiAsync(plivo);
        var callId = Guid.NewGuid().ToString();
        var (caller, model) = await StartSignedCallAsync(harness, PlivoCalls.BoundTo(callId, ("transferNumbers", TransferNumber)), callId);
        await using var _ = caller;

        await SpeakAndCallAsync(harness, model, "resp_t", "call_t", "transfer_call", $$"""{"number":"{{TransferNumber}}"}""", audioMs: 200);

        var (status, _) = await caller.WaitForCloseAsync(harness.Token);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, status);
        Assert.Contains("transferred", (await harness.Server.WaitForCallEndAsync(harness.Token)).Message, StringComparison.Ordinal);
        var request = Assert.Single(plivo.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal($"/v1/Account/{AuthId}/Call/{callId}/", request.Path);
        var expected = new JsonObject
        {
            ["legs"] = "aleg",
            ["aleg_url"] = "https://app.example.com/plivo/transfer?to=%2B15557654321",
            ["aleg_method"] = "POST",
        };
        Assert.True(JsonNode.DeepEquals(expected, JsonNode.Parse(request.Body)), request.Body);
    }

    [Fact]
    public async Task Transfer_PlivoRefuses_TheModelIsTold_TheCallGoesOn()
    {
        await using var plivo = await FakeHttpReceiver.StartAsync();
        plivo.DefaultStatus = 400;
        plivo.ResponseBody = """{"api_id":"x","error":"invalid aleg_url"}""";
        await using var harness = await StartWithPlivoApiAsync(plivo);
        var callId = Guid.NewGuid().ToString();
        var (caller, model) = await StartSignedCallAsync(harness, PlivoCalls.BoundTo(callId, ("transferNumbers", TransferNumber)), callId);
        await using var _ = caller;

        await SpeakAndCallAsync(harness, model, "resp_t", "call_t", "transfer_call", $$"""{"number":"{{TransferNumber}}"}""", audioMs: 100);

        var told = await model.WaitForEventAsync("conversation.item.create", e => (string?)e["item"]?["role"] == "user", harness.Token);
        Assert.Contains("transfer failed", (string?)told["item"]!["content"]![0]!["text"], StringComparison.Ordinal);
        Assert.Single(plivo.Requests);
        Assert.Equal(WebSocketState.Open, caller.State);
    }

    internal static Task<CallHarness> StartWithPlivoApiAsync(FakeHttpReceiver plivo) => CallHarness.StartAsync(settings: new Dictionary<string, string?>
    {
        ["CONFIG_SIGNING_KEY"] = ConfigTokens.SigningKey,
        ["PLIVO_AUTH_ID"] = AuthId,
        ["PLIVO_AUTH_TOKEN"] = AuthToken,
        ["PUBLIC_BASE_URL"] = "wss://voice.example.com",
        ["PLIVO_API_BASE_URL"] = plivo.Url("/v1").ToString(),
        ["PLIVO_TRANSFER_URL"] = "https://app.example.com/plivo/transfer",
    });

    /// <summary>A call on <see cref="StartWithPlivoApiAsync"/>'s server: signed by Plivo, its configuration in the URL.</summary>
    internal static Task<(FakePlivoCaller Caller, FakeRealtimeConnection Model)> StartSignedCallAsync(CallHarness harness, Dictionary<string, string> parameters, string callId) =>
        PlivoCalls.StartCallAsync(harness, parameters, headers: SignedHeaders(parameters), callId: callId);

    /// <summary>Plivo's signature headers for a call placed with <see cref="PlivoCalls.StartCallAsync"/> on <see cref="StartWithPlivoApiAsync"/>.</summary>
    internal static Dictionary<string, string> SignedHeaders(IReadOnlyDictionary<string, string> parameters) =>
        PlivoUpgradeSignature.Headers(AuthToken, "wss://voice.example.com" + PlivoCalls.Path + "?" + PlivoCalls.Query(parameters));

    /// <summary>One model turn that speaks and calls a tool, in the real API's order.</summary>
    internal static async Task SpeakAndCallAsync(CallHarness harness, FakeRealtimeConnection model, string responseId, string toolCallId, string name, string arguments, int audioMs)
    {
        var itemId = $"item_{responseId}";
        await model.SendResponseCreatedAsync(responseId, harness.Token);
        if (audioMs > 0)
        {
            await model.SendAudioDeltaAsync(responseId, itemId, AudioFixtures.Tone(audioMs), cancellationToken: harness.Token);
        }

        await model.SendFunctionCallAsync(responseId, $"item_fc_{responseId}", toolCallId, name, arguments, harness.Token);
        if (audioMs > 0)
        {
            await model.SendAudioDoneAsync(responseId, itemId, cancellationToken: harness.Token);
        }

        await model.SendResponseDoneAsync(responseId, "completed", harness.Token);
    }
}
