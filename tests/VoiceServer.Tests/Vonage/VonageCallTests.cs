using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using VoiceServer.Fakes;
using VoiceServer.Tests.Infrastructure;
using VoiceServer.Vonage;
using VoiceServer.VonageEmulator;

namespace VoiceServer.Tests.Vonage;

/// <summary>
/// A Vonage caller on the same agents: the behaviour tests of the Twilio leg that matter most, over Vonage's socket
/// with a fake written from the reference. Audio is compared sample for sample with the leg's resampler.
/// </summary>
public sealed class VonageCallTests : IDisposable
{
    private const string ApplicationId = "aaaaaaaa-0000-4000-8000-0123456789ab";
    private const string TransferNumber = "+15557654321";

    private readonly RSA _applicationKey = RSA.Create(2048);

    public void Dispose() => _applicationKey.Dispose();

    [Fact]
    public async Task Session_AsksForAudioPcmAt24kHzBothWays()
    {
        await using var harness = await CallHarness.StartAsync();
        var (caller, model) = await VonageCalls.StartCallAsync(harness);
        await using var _ = caller;

        var update = await model.WaitForEventAsync("session.update", harness.Token);

        Assert.Equal("""{"type":"audio/pcm","rate":24000}""", update["session"]!["audio"]!["input"]!["format"]!.ToJsonString());
        Assert.Equal("""{"type":"audio/pcm","rate":24000}""", update["session"]!["audio"]!["output"]!["format"]!.ToJsonString());
    }

    [Fact]
    public async Task CallerAudio_ReachesTheModelAt24kHz_SampleForSample()
    {
        await using var harness = await CallHarness.StartAsync();
        var (caller, model) = await VonageCalls.StartCallAsync(harness);
        await using var _ = caller;
        var speech = VonageCalls.Sweep(16_000, 1_000);

        await caller.SendAudioAsync(speech, harness.Token);
        await model.WaitForAudioBytesAsync(48_000, harness.Token);

        Assert.Equal(VonageCalls.Resampled(PcmResampler.Up16To24(), speech), model.ReceivedAudio);
        // One 20 ms append per Vonage frame.
        Assert.Equal(50, model.AppendCount);
        Assert.Empty(model.ErrorsSent);
    }

    [Fact]
    public async Task AgentAudio_ReachesTheCallerAt16kHz_In640ByteFrames_SampleForSample_WithNotifies()
    {
        await using var harness = await CallHarness.StartAsync();
        var (caller, model) = await VonageCalls.StartCallAsync(harness, notifyMode: VonageNotifyMode.Manual);
        await using var _ = caller;
        var reply = VonageCalls.Sweep(24_000, 1_000);

        await model.SendAudioResponseAsync("resp_1", "item_1", reply, chunkBytes: 4_800, cancellationToken: harness.Token);
        var expected = VonageCalls.Resampled(PcmResampler.Down24To16(), reply);
        await caller.WaitForAudioBytesAsync(expected.Length, harness.Token);
        await caller.WaitForPendingNotifiesAsync(11, harness.Token);

        Assert.Equal(expected, caller.ReceivedAudio.AsSpan(0, expected.Length).ToArray());
        var frames = caller.Frames;
        // 100 ms a delta: five frames, then its notify; the item's done notify comes last.
        for (var delta = 0; delta < 10; delta++)
        {
            Assert.All(frames.Skip(delta * 6).Take(5), frame => Assert.Equal("audio", frame));
            Assert.StartsWith("notify:a:", frames[(delta * 6) + 5], StringComparison.Ordinal);
        }

        Assert.StartsWith("notify:d:", frames[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task BargeIn_ClearSent_TruncatedAtWhatThePlayedNotifiesSay()
    {
        await using var harness = await CallHarness.StartAsync();
        var (caller, model) = await VonageCalls.StartCallAsync(harness, notifyMode: VonageNotifyMode.Manual);
        await using var _ = caller;
        var audio = VonageCalls.Sweep(24_000, 2_000);
        await model.SendResponseCreatedAsync("resp_1", harness.Token);
        await model.SendOutputItemAddedAsync("resp_1", "item_1", harness.Token);
        for (var offset = 0; offset < audio.Length; offset += 4_800)
        {
            await model.SendAudioDeltaAsync("resp_1", "item_1", audio.AsMemory(offset, 4_800), cancellationToken: harness.Token);
        }

        await caller.WaitForPendingNotifiesAsync(20, harness.Token);
        await caller.AckPendingNotifiesAsync(10, harness.Token); // 1000 ms played
        await harness.Server.WaitForLogCountAsync("MarkReturned", 10, harness.Token);
        await model.SendSpeechStartedAsync(cancellationToken: harness.Token);

        await caller.WaitForClearAsync(harness.Token);
        var truncate = await model.WaitForEventAsync("conversation.item.truncate", harness.Token);
        Assert.Equal("item_1", (string?)truncate["item_id"]);
        Assert.Equal(1050, (int)truncate["audio_end_ms"]!);
        // The call goes on, and the next reply plays.
        var before = caller.ReceivedAudio.Length;
        await model.SendAudioResponseAsync("resp_2", "item_2", VonageCalls.Sweep(24_000, 100), chunkBytes: 4_800, cancellationToken: harness.Token);
        await caller.WaitForAudioBytesAsync(before + 640, harness.Token);
        Assert.Equal(WebSocketState.Open, caller.State);
        Assert.Empty(model.ErrorsSent);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Dtmf_BothShapes_ReachTheModelAsUserText(bool nested)
    {
        await using var harness = await CallHarness.StartAsync();
        var (caller, model) = await VonageCalls.StartCallAsync(harness);
        await using var _ = caller;

        await caller.SendDtmfAsync('5', harness.Token, nested);

        var created = await model.WaitForEventAsync("conversation.item.create", harness.Token);
        Assert.Equal("The caller pressed 5.", (string?)created["item"]!["content"]![0]!["text"]);
        await model.WaitForEventAsync("response.create", harness.Token);
    }

    [Fact]
    public async Task CallerHangsUp_VonageClosesTheSocket_CallerDisconnected()
    {
        await using var harness = await CallHarness.StartAsync();
        var (caller, _) = await VonageCalls.StartCallAsync(harness);
        await using var __ = caller;

        await caller.HangUpAsync(harness.Token);

        var end = await harness.Server.WaitForCallEndAsync(harness.Token);
        Assert.Contains("caller_disconnected", end.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ModelCloses_CallEnds1000_ModelClosed()
    {
        await using var harness = await CallHarness.StartAsync();
        var (caller, model) = await VonageCalls.StartCallAsync(harness);
        await using var _ = caller;

        await model.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", harness.Token);

        var (status, _) = await caller.WaitForCloseAsync(harness.Token);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, status);
        Assert.Contains("model_closed", (await harness.Server.WaitForCallEndAsync(harness.Token)).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("audio/l16;rate=8000")]
    [InlineData("audio/l16;rate=24000")]
    [InlineData("audio/l16")]
    [InlineData("audio/x-mulaw;rate=8000")]
    public async Task OtherContentType_Refused1008_NothingUpstream(string contentType)
    {
        await using var harness = await CallHarness.StartAsync();
        await using var caller = await FakeVonageCaller.ConnectAsync(VonageCalls.Url(harness), cancellationToken: harness.Token);

        await caller.SendFirstMessageAsync(CallHarness.Parameters(), harness.Token, contentType);

        var (status, description) = await caller.WaitForCloseAsync(harness.Token);
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, status);
        Assert.Contains("unsupported media format", description, StringComparison.Ordinal);
        Assert.Contains("audio/l16 16000 Hz", description, StringComparison.Ordinal);
        Assert.Equal(0, harness.Realtime.UpgradeAttemptCount);
    }

    [Fact]
    public async Task EndCall_HangsUpThroughVonagesRestApi_WithAnApplicationJwt()
    {
        await using var vonage = await FakeHttpReceiver.StartAsync();
        vonage.DefaultStatus = 204;
        await using var harness = await StartWithVonageApiAsync(vonage);
        var uuid = Guid.NewGuid().ToString();
        var (caller, model) = await VonageCalls.StartCallAsync(harness, new Dictionary<string, string>(), authorization: VonageCalls.BearerFor(uuid, ("endCall", "true")), callUuid: uuid);
        await using var _ = caller;

        await SpeakAndCallAsync(harness, model, "resp_bye", "call_end", "end_call", "{}", audioMs: 300);

        var (status, _) = await caller.WaitForCloseAsync(harness.Token);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, status);
        Assert.Contains("agent_hung_up", (await harness.Server.WaitForCallEndAsync(harness.Token)).Message, StringComparison.Ordinal);
        var request = Assert.Single(vonage.Requests);
        Assert.Equal("PUT", request.Method);
        Assert.Equal($"/v1/calls/{uuid}", request.Path);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"action":"hangup"}"""), JsonNode.Parse(request.Body)), request.Body);
        await AssertApplicationJwtAsync(request.Headers["Authorization"]);
        // The whole goodbye reached the caller before the hang-up: 300 ms at 16 kHz.
        Assert.Equal(15 * 640, caller.ReceivedAudio.Length);
    }

    [Fact]
    public async Task EndCall_CallAlreadyEnded4xx_CountsAsHungUp()
    {
        await using var vonage = await FakeHttpReceiver.StartAsync();
        vonage.DefaultStatus = 404;
        vonage.ResponseBody = """{"title":"Not Found"}""";
        await using var harness = await StartWithVonageApiAsync(vonage);
        var uuid = Guid.NewGuid().ToString();
        var (caller, model) = await VonageCalls.StartCallAsync(harness, new Dictionary<string, string>(), authorization: VonageCalls.BearerFor(uuid, ("endCall", "true")), callUuid: uuid);
        await using var _ = caller;

        await SpeakAndCallAsync(harness, model, "resp_bye", "call_end", "end_call", "{}", audioMs: 100);

        var (status, description) = await caller.WaitForCloseAsync(harness.Token);
        Assert.Equal((WebSocketCloseStatus.NormalClosure, "call ended"), (status, description));
        Assert.Contains("agent_hung_up", (await harness.Server.WaitForCallEndAsync(harness.Token)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Transfer_PutsAnNccoConnectingTheNumber()
    {
        await using var vonage = await FakeHttpReceiver.StartAsync();
        vonage.DefaultStatus = 204;
        await using var harness = await StartWithVonageApiAsync(vonage);
        var uuid = Guid.NewGuid().ToString();
        var (caller, model) = await VonageCalls.StartCallAsync(harness, new Dictionary<string, string>(), authorization: VonageCalls.BearerFor(uuid, ("transferNumbers", TransferNumber)), callUuid: uuid);
        await using var _ = caller;

        await SpeakAndCallAsync(harness, model, "resp_t", "call_t", "transfer_call", $$"""{"number":"{{TransferNumber}}"}""", audioMs: 200);

        var (status, _) = await caller.WaitForCloseAsync(harness.Token);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, status);
        Assert.Contains("transferred", (await harness.Server.WaitForCallEndAsync(harness.Token)).Message, StringComparison.Ordinal);
        var request = Assert.Single(vonage.Requests);
        Assert.Equal(("PUT", $"/v1/calls/{uuid}"), (request.Method, request.Path));
        var expected = JsonNode.Parse("""
            {"action":"transfer","destination":{"type":"ncco","ncco":[{"action":"connect","endpoint":[{"type":"phone","number":"15557654321"}]}]}}
            """);
        Assert.True(JsonNode.DeepEquals(expected, JsonNode.Parse(request.Body)), request.Body);
    }

    [Fact]
    public async Task Transfer_VonageRefuses_TheModelIsTold_TheCallGoesOn()
    {
        await using var vonage = await FakeHttpReceiver.StartAsync();
        vonage.DefaultStatus = 400;
        vonage.ResponseBody = """{"title":"Bad Request"}""";
        await using var harness = await StartWithVonageApiAsync(vonage);
        var uuid = Guid.NewGuid().ToString();
        var (caller, model) = await VonageCalls.StartCallAsync(harness, new Dictionary<string, string>(), authorization: VonageCalls.BearerFor(uuid, ("transferNumbers", TransferNumber)), callUuid: uuid);
        await using var _ = caller;

        await SpeakAndCallAsync(harness, model, "resp_t", "call_t", "transfer_call", $$"""{"number":"{{TransferNumber}}"}""", audioMs: 100);

        var told = await model.WaitForEventAsync("conversation.item.create", e => (string?)e["item"]?["role"] == "user", harness.Token);
        Assert.Contains("transfer failed", (string?)told["item"]!["content"]![0]!["text"], StringComparison.Ordinal);
        Assert.Single(vonage.Requests);
        Assert.Equal(WebSocketState.Open, caller.State);
    }

    internal Task<CallHarness> StartWithVonageApiAsync(FakeHttpReceiver vonage) => CallHarness.StartAsync(settings: new Dictionary<string, string?>
    {
        ["CONFIG_SIGNING_KEY"] = ConfigTokens.SigningKey,
        ["VONAGE_APPLICATION_ID"] = ApplicationId,
        // As one environment variable holds it: line breaks written as \n.
        ["VONAGE_PRIVATE_KEY"] = _applicationKey.ExportPkcs8PrivateKeyPem().Replace("\n", "\\n", StringComparison.Ordinal),
        ["VONAGE_API_BASE_URL"] = vonage.BaseAddress.ToString(),
    });

    /// <summary>One model turn that speaks and calls a tool, in the real API's order; audio at 24 kHz.</summary>
    private static async Task SpeakAndCallAsync(CallHarness harness, FakeRealtimeConnection model, string responseId, string toolCallId, string name, string arguments, int audioMs)
    {
        var itemId = $"item_{responseId}";
        await model.SendResponseCreatedAsync(responseId, harness.Token);
        await model.SendAudioDeltaAsync(responseId, itemId, VonageCalls.Sweep(24_000, audioMs), cancellationToken: harness.Token);
        await model.SendFunctionCallAsync(responseId, $"item_fc_{responseId}", toolCallId, name, arguments, harness.Token);
        await model.SendAudioDoneAsync(responseId, itemId, cancellationToken: harness.Token);
        await model.SendResponseDoneAsync(responseId, "completed", harness.Token);
    }

    private async Task AssertApplicationJwtAsync(string authorization)
    {
        Assert.StartsWith("Bearer ", authorization, StringComparison.Ordinal);
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(authorization["Bearer ".Length..], new TokenValidationParameters
        {
            IssuerSigningKey = new RsaSecurityKey(_applicationKey.ExportParameters(includePrivateParameters: false)),
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
            ValidateIssuer = false,
            ValidateAudience = false,
        });
        Assert.True(result.IsValid, result.Exception?.Message);
        Assert.Equal(ApplicationId, ((JsonWebToken)result.SecurityToken).GetClaim("application_id").Value);
    }
}
