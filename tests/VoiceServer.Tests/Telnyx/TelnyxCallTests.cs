using System.Net.WebSockets;
using System.Text.Json.Nodes;
using VoiceServer.Fakes;
using VoiceServer.TelnyxEmulator;
using VoiceServer.Tests.Infrastructure;
using VoiceServer.TwilioEmulator;

namespace VoiceServer.Tests.Telnyx;

/// <summary>
/// A Telnyx caller on the same agents: the behaviour tests of the Twilio leg that matter most, over Telnyx's
/// socket with a fake written from the reference.
/// </summary>
public sealed class TelnyxCallTests
{
    private const string ApiKey = "KEYtelnyx0123456789secret";
    private const string TransferNumber = "+15557654321";

    [Fact]
    public async Task CallerAudio_ReachesTheModelByteForByte()
    {
        await using var harness = await CallHarness.StartAsync();
        var (caller, model) = await TelnyxCalls.StartCallAsync(harness);
        await using var _ = caller;
        var speech = AudioFixtures.LoadMulaw(AudioFixtures.CallerBooking);

        await caller.SendAudioAsync(speech, harness.Token);
        await model.WaitForAudioBytesAsync(speech.Length, harness.Token);

        Assert.Equal(speech, model.ReceivedAudio);
        Assert.Equal((speech.Length + 159) / 160, model.AppendCount);
        Assert.Empty(model.ErrorsSent);
    }

    [Fact]
    public async Task AgentAudio_ReachesTheCallerByteForByte_WithMarks()
    {
        await using var harness = await CallHarness.StartAsync();
        var (caller, model) = await TelnyxCalls.StartCallAsync(harness, markMode: TelnyxMarkMode.Manual);
        await using var _ = caller;
        var reply = AudioFixtures.LoadMulaw(AudioFixtures.CallerInterrupt);

        await model.SendAudioResponseAsync("resp_1", "item_1", reply, chunkBytes: 800, cancellationToken: harness.Token);
        await caller.WaitForAudioBytesAsync(reply.Length, harness.Token);
        var chunks = (reply.Length + 799) / 800;
        await caller.WaitForPendingMarksAsync(chunks + 1, harness.Token);

        Assert.Equal(reply, caller.ReceivedAudio);
        var frames = caller.Frames;
        // Every chunk is followed by its mark; the item's done mark comes last.
        for (var i = 0; i < chunks; i++)
        {
            Assert.Equal("media", frames[2 * i].Event);
            Assert.Equal("mark", frames[(2 * i) + 1].Event);
        }

        Assert.StartsWith("d:", frames[2 * chunks].MarkName, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BargeIn_ClearSent_TruncatedAtWhatThePlayedMarksSay()
    {
        await using var harness = await CallHarness.StartAsync();
        var (caller, model) = await TelnyxCalls.StartCallAsync(harness, markMode: TelnyxMarkMode.Manual);
        await using var _ = caller;
        var audio = AudioFixtures.Tone(2000);
        await model.SendResponseCreatedAsync("resp_1", harness.Token);
        await model.SendOutputItemAddedAsync("resp_1", "item_1", harness.Token);
        for (var offset = 0; offset < audio.Length; offset += 1600)
        {
            await model.SendAudioDeltaAsync("resp_1", "item_1", audio.AsMemory(offset, 1600), cancellationToken: harness.Token);
        }

        await caller.WaitForPendingMarksAsync(10, harness.Token);
        await caller.AckPendingMarksAsync(5, harness.Token); // 1000 ms played
        await harness.Server.WaitForLogCountAsync("MarkReturned", 5, harness.Token);
        await model.SendSpeechStartedAsync(cancellationToken: harness.Token);

        await caller.WaitForClearAsync(harness.Token);
        var truncate = await model.WaitForEventAsync("conversation.item.truncate", harness.Token);
        Assert.Equal("item_1", (string?)truncate["item_id"]);
        Assert.Equal(1050, (int)truncate["audio_end_ms"]!);
        // The marks Telnyx flushed with the clear came back and were recognised as stale: the call goes on.
        Assert.Empty(caller.PendingMarks);
        Assert.Equal(WebSocketState.Open, caller.State);
        Assert.Empty(model.ErrorsSent);
    }

    [Fact]
    public async Task Dtmf_ReachesTheModelAsUserText()
    {
        await using var harness = await CallHarness.StartAsync();
        var (caller, model) = await TelnyxCalls.StartCallAsync(harness);
        await using var _ = caller;

        await caller.SendDtmfAsync('5', harness.Token);

        var created = await model.WaitForEventAsync("conversation.item.create", harness.Token);
        Assert.Equal("The caller pressed 5.", (string?)created["item"]!["content"]![0]!["text"]);
        await model.WaitForEventAsync("response.create", harness.Token);
    }

    [Fact]
    public async Task Stop_EndsTheCall_CallerStopped()
    {
        await using var harness = await CallHarness.StartAsync();
        var (caller, _) = await TelnyxCalls.StartCallAsync(harness);
        await using var __ = caller;

        await caller.SendStopAsync(harness.Token);

        var (status, _) = await caller.WaitForCloseAsync(harness.Token);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, status);
        var end = await harness.Server.WaitForCallEndAsync(harness.Token);
        Assert.Contains("caller_stopped", end.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CallerHangsUp_SocketDropped_CallerDisconnected()
    {
        await using var harness = await CallHarness.StartAsync();
        var (caller, _) = await TelnyxCalls.StartCallAsync(harness);

        await caller.DisposeAsync();

        var end = await harness.Server.WaitForCallEndAsync(harness.Token);
        Assert.Contains("caller_disconnected", end.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("L16", 16000)]
    [InlineData("PCMA", 8000)]
    [InlineData("PCMU", 16000)]
    public async Task OtherMediaFormat_Refused1008_NothingUpstream(string encoding, int sampleRate)
    {
        await using var harness = await CallHarness.StartAsync();
        await using var caller = await FakeTelnyxCaller.ConnectAsync(TelnyxCalls.Url(harness), cancellationToken: harness.Token);

        await caller.SendStartAsync(CallHarness.Parameters(), harness.Token, encoding, sampleRate);

        var (status, description) = await caller.WaitForCloseAsync(harness.Token);
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, status);
        Assert.Contains("unsupported media format", description, StringComparison.Ordinal);
        Assert.Contains("invalid_configuration", (await harness.Server.WaitForCallEndAsync(harness.Token)).Message, StringComparison.Ordinal);
        Assert.Equal(0, harness.Realtime.UpgradeAttemptCount);
    }

    [Fact]
    public async Task ErrorFrame_LoggedWithItsCode_TheCallGoesOn()
    {
        await using var harness = await CallHarness.StartAsync();
        var (caller, model) = await TelnyxCalls.StartCallAsync(harness);
        await using var _ = caller;

        await caller.SendErrorAsync(100002, "Unknown error", harness.Token);
        await caller.SendAudioAsync(AudioFixtures.Silence(20), harness.Token);

        var logged = await harness.Server.Logs.WaitForAsync(e => e.EventName == "StreamError", harness.Token);
        Assert.Contains("100002", logged.Message, StringComparison.Ordinal);
        await model.WaitForAudioBytesAsync(160, harness.Token);
        Assert.Equal(WebSocketState.Open, caller.State);
    }

    [Fact]
    public async Task EndCall_HangsUpThroughTelnyxCallControl()
    {
        await using var telnyx = await FakeHttpReceiver.StartAsync();
        telnyx.ResponseBody = """{"data":{"result":"ok"}}""";
        await using var harness = await StartWithTelnyxApiAsync(telnyx);
        var callControlId = NewCallControlId();
        var (caller, model) = await TelnyxCalls.StartCallAsync(harness, TelnyxCalls.BoundTo(callControlId, ("endCall", "true")), callControlId: callControlId);
        await using var _ = caller;

        await SpeakAndCallAsync(harness, model, "resp_bye", "call_end", "end_call", "{}", audioMs: 300);

        var (status, _) = await caller.WaitForCloseAsync(harness.Token);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, status);
        Assert.Contains("agent_hung_up", (await harness.Server.WaitForCallEndAsync(harness.Token)).Message, StringComparison.Ordinal);
        var request = Assert.Single(telnyx.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal($"/v2/calls/{callControlId}/actions/hangup", request.Path);
        Assert.Equal("Bearer " + ApiKey, request.Headers["Authorization"]);
        // The whole goodbye reached the caller before the hang-up.
        Assert.Equal(2400, caller.ReceivedAudio.Length);
        Assert.DoesNotContain(harness.Server.Logs.Entries, e => e.Message.Contains(ApiKey, StringComparison.Ordinal));
    }

    [Fact]
    public async Task EndCall_CallAlreadyEnded422_CountsAsHungUp()
    {
        await using var telnyx = await FakeHttpReceiver.StartAsync();
        telnyx.DefaultStatus = 422;
        telnyx.ResponseBody = """{"errors":[{"code":"90018","title":"Call has already ended","detail":"This call is no longer active and can't receive commands."}]}""";
        await using var harness = await StartWithTelnyxApiAsync(telnyx);
        var callControlId = NewCallControlId();
        var (caller, model) = await TelnyxCalls.StartCallAsync(harness, TelnyxCalls.BoundTo(callControlId, ("endCall", "true")), callControlId: callControlId);
        await using var _ = caller;

        await SpeakAndCallAsync(harness, model, "resp_bye", "call_end", "end_call", "{}", audioMs: 100);

        var (status, description) = await caller.WaitForCloseAsync(harness.Token);
        Assert.Equal((WebSocketCloseStatus.NormalClosure, "call ended"), (status, description));
        Assert.Contains("agent_hung_up", (await harness.Server.WaitForCallEndAsync(harness.Token)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Transfer_PostsTheNumberThroughTelnyxCallControl()
    {
        await using var telnyx = await FakeHttpReceiver.StartAsync();
        telnyx.ResponseBody = """{"data":{"result":"ok"}}""";
        await using var harness = await StartWithTelnyxApiAsync(telnyx);
        var callControlId = NewCallControlId();
        var (caller, model) = await TelnyxCalls.StartCallAsync(harness, TelnyxCalls.BoundTo(callControlId, ("transferNumbers", TransferNumber)), callControlId: callControlId);
        await using var _ = caller;

        await SpeakAndCallAsync(harness, model, "resp_t", "call_t", "transfer_call", $$"""{"number":"{{TransferNumber}}"}""", audioMs: 200);

        var (status, _) = await caller.WaitForCloseAsync(harness.Token);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, status);
        Assert.Contains("transferred", (await harness.Server.WaitForCallEndAsync(harness.Token)).Message, StringComparison.Ordinal);
        var request = Assert.Single(telnyx.Requests);
        Assert.Equal($"/v2/calls/{callControlId}/actions/transfer", request.Path);
        Assert.True(JsonNode.DeepEquals(new JsonObject { ["to"] = TransferNumber }, JsonNode.Parse(request.Body)));
    }

    [Fact]
    public async Task Transfer_TelnyxRefuses_TheModelIsTold_TheCallGoesOn()
    {
        await using var telnyx = await FakeHttpReceiver.StartAsync();
        telnyx.DefaultStatus = 422;
        telnyx.ResponseBody = """{"errors":[{"code":"90034","title":"Invalid destination"}]}""";
        await using var harness = await StartWithTelnyxApiAsync(telnyx);
        var callControlId = NewCallControlId();
        var (caller, model) = await TelnyxCalls.StartCallAsync(harness, TelnyxCalls.BoundTo(callControlId, ("transferNumbers", TransferNumber)), callControlId: callControlId);
        await using var _ = caller;

        await SpeakAndCallAsync(harness, model, "resp_t", "call_t", "transfer_call", $$"""{"number":"{{TransferNumber}}"}""", audioMs: 100);

        var told = await model.WaitForEventAsync("conversation.item.create", e => (string?)e["item"]?["role"] == "user", harness.Token);
        Assert.Contains("transfer failed", (string?)told["item"]!["content"]![0]!["text"], StringComparison.Ordinal);
        Assert.Single(telnyx.Requests);
        Assert.Equal(WebSocketState.Open, caller.State);
    }

    [Fact]
    public async Task CallEnds_RecordPosted_WithTheCallControlIdTheStreamAndTheTurns()
    {
        await using var receiver = await FakeHttpReceiver.StartAsync();
        await using var harness = await CallHarness.StartAsync(settings: new Dictionary<string, string?>
        {
            ["CALL_EVENTS_URL"] = receiver.Url("/api/calls/events").ToString(),
            ["CALL_EVENTS_SIGNING_KEY"] = "call-events-signing-key-0123456789abcdef",
        });
        var (caller, model) = await TelnyxCalls.StartCallAsync(harness);
        await using var _ = caller;

        var userItem = await model.SendSpeechStartedAsync(cancellationToken: harness.Token);
        await model.SendSpeechStoppedAsync(cancellationToken: harness.Token);
        await model.SendInputTranscriptionCompletedAsync(userItem, "When do you open?", harness.Token);
        await model.SendResponseCreatedAsync("resp_1", harness.Token);
        await model.SendAudioDeltaAsync("resp_1", "item_a1", AudioFixtures.Tone(200), cancellationToken: harness.Token);
        await model.SendAudioDoneAsync("resp_1", "item_a1", cancellationToken: harness.Token);
        await model.SendTranscriptDoneAsync("resp_1", "item_a1", "We open at nine.", cancellationToken: harness.Token);
        await model.SendResponseDoneAsync("resp_1", "completed", harness.Token);
        await caller.WaitForAudioBytesAsync(1600, harness.Token);
        await harness.Server.WaitForLogCountAsync("ResponseDone", 1, harness.Token);
        await caller.SendStopAsync(harness.Token);

        var record = JsonNode.Parse((await receiver.WaitForRequestAsync(0, harness.Token)).Body)!;
        Assert.Equal(caller.CallControlId, (string?)record["callSid"]);
        Assert.Equal(caller.StreamId, (string?)record["streamSid"]);
        Assert.Equal(CallHarness.AgentId, (string?)record["agentId"]);
        Assert.Equal("caller_stopped", (string?)record["endReason"]);
        var turns = record["turns"]!.AsArray();
        Assert.Equal(["When do you open?", "We open at nine."], turns.Select(turn => (string?)turn!["text"]));
    }

    internal static Task<CallHarness> StartWithTelnyxApiAsync(FakeHttpReceiver telnyx) => CallHarness.StartAsync(settings: new Dictionary<string, string?>
    {
        ["CONFIG_SIGNING_KEY"] = ConfigTokens.SigningKey,
        ["TELNYX_API_KEY"] = ApiKey,
        ["TELNYX_API_BASE_URL"] = telnyx.Url("/v2").ToString(),
    });

    internal static string NewCallControlId() => "v3:" + Guid.NewGuid().ToString("N") + "_-Ab";

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
