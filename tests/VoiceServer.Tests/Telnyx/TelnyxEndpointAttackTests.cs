using System.Net;
using System.Net.WebSockets;
using System.Text;
using VoiceServer.Fakes;
using VoiceServer.TelnyxEmulator;
using VoiceServer.Tests.Infrastructure;
using VoiceServer.TwilioEmulator;

namespace VoiceServer.Tests.Telnyx;

/// <summary>
/// Attacks on <c>/api/telnyx/media-stream</c>: other spellings of the path, no or wrong proof, hostile sizes and ids,
/// another call's ids, a replayed configuration. Telnyx signs no upgrade, so the path must never be weaker than
/// Twilio's: while <c>TWILIO_AUTH_TOKEN</c> guards that one, a Telnyx call needs a signed configuration or the
/// stream auth token.
/// </summary>
public sealed class TelnyxEndpointAttackTests
{
    private const string AuthToken = "twilio-auth-token-0123456789";
    private const string PublicBaseUrl = "wss://voice.example.com";
    private const string StreamAuthToken = "telnyx-stream-auth-token-0123456789";

    private static readonly Dictionary<string, string?> s_twilioGuardedOnly = new()
    {
        ["TWILIO_AUTH_TOKEN"] = AuthToken,
        ["PUBLIC_BASE_URL"] = PublicBaseUrl,
        ["FAILED_UPGRADES_PER_MINUTE"] = "1000",
    };

    public static TheoryData<string> Spellings =>
    [
        "/api/telnyx/media-stream",
        "/API/TELNYX/MEDIA-STREAM",
        "/Api/Telnyx/Media-Stream",
        "/api/telnyx/media-stream/",
        "/api/telnyx/%6Dedia-stream",
        "//api/telnyx/media-stream",
        "/api/telnyx/./media-stream",
        "/api/twilio/../telnyx/media-stream",
        "/api/telnyx/media-stream;x=1",
    ];

    [Theory]
    [MemberData(nameof(Spellings))]
    public async Task AnySpelling_WhileTwilioIsGuardedAndNothingProvesTelnyx_NeverUpgraded(string path)
    {
        await using var harness = await CallHarness.StartAsync(settings: s_twilioGuardedOnly);

        var status = await FakeTelnyxCaller.TryConnectForStatusAsync(TelnyxCalls.Url(harness, path), headers: null, harness.Token);

        // A spelling routing takes gets the endpoint's refusal; any other is not found. None is a socket.
        Assert.NotNull(status);
        Assert.Contains(status, new HttpStatusCode?[] { HttpStatusCode.Forbidden, HttpStatusCode.NotFound });
        if (string.Equals(path.TrimEnd('/'), TelnyxCalls.Path, StringComparison.OrdinalIgnoreCase))
        {
            Assert.Equal(HttpStatusCode.Forbidden, status);
        }
        Assert.Equal(0, harness.Realtime.UpgradeAttemptCount);
    }

    [Fact]
    public async Task WhileTwilioIsGuarded_TheRefusalSaysWhatTelnyxNeeds()
    {
        await using var harness = await CallHarness.StartAsync(settings: s_twilioGuardedOnly);

        var (status, body) = await FakeTwilioCaller.SendUpgradeRequestAsync(TelnyxCalls.Url(harness), origin: null, harness.Token);

        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("telnyx_not_proven", body, StringComparison.Ordinal);
        Assert.Contains(harness.Server.Logs.Entries, e => e.EventName == "SignatureRefused" && e.Message.Contains("Telnyx", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TwilioSignature_IsNoProofOnTheTelnyxPath()
    {
        await using var harness = await CallHarness.StartAsync(settings: s_twilioGuardedOnly);
        var signature = TwilioIds.ComputeSignature(AuthToken, PublicBaseUrl + TelnyxCalls.Path, new Dictionary<string, string>());

        var status = await FakeTelnyxCaller.TryConnectForStatusAsync(
            TelnyxCalls.Url(harness), new Dictionary<string, string> { ["X-Twilio-Signature"] = signature }, harness.Token);

        Assert.Equal(HttpStatusCode.Forbidden, status);
    }

    public static TheoryData<string?> WrongStreamAuthTokens =>
    [
        null,
        string.Empty,
        "wrong",
        StreamAuthToken + "x",
        StreamAuthToken[..^1],
        StreamAuthToken.ToUpperInvariant(),
        "Bearer " + StreamAuthToken,
    ];

    [Theory]
    [MemberData(nameof(WrongStreamAuthTokens))]
    public async Task StreamAuthToken_MissingOrWrong_403(string? token)
    {
        await using var harness = await CallHarness.StartAsync(settings: new Dictionary<string, string?>(s_twilioGuardedOnly) { ["TELNYX_STREAM_AUTH_TOKEN"] = StreamAuthToken });
        var headers = token is null ? null : new Dictionary<string, string> { [TelnyxHeader] = token };

        var status = await FakeTelnyxCaller.TryConnectForStatusAsync(TelnyxCalls.Url(harness), headers, harness.Token);

        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.DoesNotContain(harness.Server.Logs.Entries, e => e.Message.Contains(StreamAuthToken, StringComparison.Ordinal));
    }

    [Fact]
    public async Task StreamAuthToken_Right_TheCallRuns()
    {
        await using var harness = await CallHarness.StartAsync(settings: new Dictionary<string, string?>(s_twilioGuardedOnly) { ["TELNYX_STREAM_AUTH_TOKEN"] = StreamAuthToken });

        var (caller, model) = await TelnyxCalls.StartCallAsync(harness, headers: new Dictionary<string, string> { [TelnyxHeader] = StreamAuthToken });
        await using var _ = caller;

        await caller.SendAudioAsync(AudioFixtures.Silence(40), harness.Token);
        await model.WaitForAudioBytesAsync(320, harness.Token);
    }

    [Fact]
    public async Task BrowserOrigin_NotAllowed_403()
    {
        await using var harness = await CallHarness.StartAsync();

        var (status, body) = await FakeTwilioCaller.SendUpgradeRequestAsync(TelnyxCalls.Url(harness), origin: "https://evil.example", harness.Token);

        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("origin_not_allowed", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NotAWebSocket_400Json()
    {
        await using var harness = await CallHarness.StartAsync();
        using var http = new HttpClient();

        using var response = await http.GetAsync(harness.Server.HttpUrl(TelnyxCalls.Path), harness.Token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("websocket_required", await response.Content.ReadAsStringAsync(harness.Token), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AtCapacity_503_WhicheverProviderHoldsTheSlots()
    {
        await using var harness = await CallHarness.StartAsync(settings: new Dictionary<string, string?> { ["MAX_CONCURRENT_CALLS"] = "1" });
        var (twilioCaller, _) = await harness.StartCallAsync();

        var (status, body) = await FakeTwilioCaller.SendUpgradeRequestAsync(TelnyxCalls.Url(harness), origin: null, harness.Token);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Contains("at_capacity", body, StringComparison.Ordinal);
        await twilioCaller.SendStopAsync(harness.Token);
        await harness.Server.WaitForNoCallsAsync(harness.Token);
        var (caller, _) = await TelnyxCalls.StartCallAsync(harness);
        await caller.DisposeAsync();
    }

    [Fact]
    public async Task Draining_503()
    {
        await using var harness = await CallHarness.StartAsync();
        var (caller, _) = await TelnyxCalls.StartCallAsync(harness);
        await using var _ = caller;
        var stopping = harness.Server.StopAsync();
        await harness.Server.Logs.WaitForAsync(e => e.EventName == "Draining", harness.Token);

        var (status, body) = await FakeTwilioCaller.SendUpgradeRequestAsync(TelnyxCalls.Url(harness), origin: null, harness.Token);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Contains("draining", body, StringComparison.Ordinal);
        await caller.SendStopAsync(harness.Token);
        await stopping;
    }

    [Fact]
    public async Task OversizedMessage_1009_MessageTooBig()
    {
        await using var harness = await CallHarness.StartAsync(settings: new Dictionary<string, string?> { ["MEDIA_STREAM_MAX_MESSAGE_BYTES"] = "4096" });
        var (caller, _) = await TelnyxCalls.StartCallAsync(harness);
        await using var _ = caller;

        await caller.SendTextAsync("""{"event":"media","media":{"payload":""" + "\"" + new string('A', 8192) + "\"}}", harness.Token);

        var (status, _) = await caller.WaitForCloseAsync(harness.Token);
        Assert.Equal(WebSocketCloseStatus.MessageTooBig, status);
        Assert.Contains("message_too_big", (await harness.Server.WaitForCallEndAsync(harness.Token)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HugeCustomParameters_Refused_NothingUpstream()
    {
        await using var harness = await CallHarness.StartAsync(settings: new Dictionary<string, string?> { ["MEDIA_STREAM_MAX_MESSAGE_BYTES"] = "4096" });
        await using var caller = await FakeTelnyxCaller.ConnectAsync(TelnyxCalls.Url(harness), cancellationToken: harness.Token);

        await caller.SendStartAsync(CallHarness.Parameters(("prompt", new string('p', 10_000))), harness.Token);

        var (status, _) = await caller.WaitForCloseAsync(harness.Token);
        Assert.Equal(WebSocketCloseStatus.MessageTooBig, status);
        Assert.Equal(0, harness.Realtime.UpgradeAttemptCount);
    }

    [Fact]
    public async Task ConfigurationSignedForAnotherCall_Refused_NothingUpstream()
    {
        await using var harness = await CallHarness.StartAsync(settings: new Dictionary<string, string?> { ["CONFIG_SIGNING_KEY"] = ConfigTokens.SigningKey });
        await using var caller = await FakeTelnyxCaller.ConnectAsync(TelnyxCalls.Url(harness), cancellationToken: harness.Token);

        await caller.SendStartAsync(TelnyxCalls.BoundTo(TelnyxCallTests.NewCallControlId()), harness.Token);

        var (status, description) = await caller.WaitForCloseAsync(harness.Token);
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, status);
        Assert.Contains("belongs to another call", description, StringComparison.Ordinal);
        Assert.Equal(0, harness.Realtime.UpgradeAttemptCount);
    }

    [Fact]
    public async Task ConfigurationReplayedOnASecondCall_Refused()
    {
        await using var harness = await CallHarness.StartAsync(settings: new Dictionary<string, string?> { ["CONFIG_SIGNING_KEY"] = ConfigTokens.SigningKey });
        var parameters = new Dictionary<string, string> { ["config"] = ConfigTokens.SignedAndEncrypted(new() { ["agentId"] = CallHarness.AgentId, ["openAIKey"] = CallHarness.CallKey }) };
        var (first, _) = await TelnyxCalls.StartCallAsync(harness, parameters);
        await using var _ = first;
        await using var second = await FakeTelnyxCaller.ConnectAsync(TelnyxCalls.Url(harness), cancellationToken: harness.Token);

        await second.SendStartAsync(parameters, harness.Token);

        var (status, description) = await second.WaitForCloseAsync(harness.Token);
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, status);
        Assert.Contains("already used", description, StringComparison.Ordinal);
        Assert.Equal(1, harness.Realtime.UpgradeAttemptCount);
    }

    [Fact]
    public async Task PlainParametersOnASigningServer_Refused_NothingUpstream()
    {
        await using var harness = await CallHarness.StartAsync(settings: new Dictionary<string, string?> { ["CONFIG_SIGNING_KEY"] = ConfigTokens.SigningKey });
        await using var caller = await FakeTelnyxCaller.ConnectAsync(TelnyxCalls.Url(harness), cancellationToken: harness.Token);

        await caller.SendStartAsync(CallHarness.Parameters(), harness.Token);

        var (status, description) = await caller.WaitForCloseAsync(harness.Token);
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, status);
        Assert.Contains("signed config token is required", description, StringComparison.Ordinal);
        Assert.Equal(0, harness.Realtime.UpgradeAttemptCount);
    }

    public static TheoryData<string> HostileCallControlIds =>
    [
        "../../numbers",
        "v3:abc/../../../balance",
        "v3:abc?x=1",
        "v3:%2e%2e",
    ];

    [Theory]
    [MemberData(nameof(HostileCallControlIds))]
    public async Task HostileCallControlId_EvenSignedForIt_NeverReachesTelnyxsApi(string callControlId)
    {
        await using var telnyx = await FakeHttpReceiver.StartAsync();
        await using var harness = await TelnyxCallTests.StartWithTelnyxApiAsync(telnyx);
        var (caller, model) = await TelnyxCalls.StartCallAsync(harness, TelnyxCalls.BoundTo(callControlId, ("endCall", "true")), callControlId: callControlId);
        await using var _ = caller;

        await TelnyxCallTests.SpeakAndCallAsync(harness, model, "resp_bye", "call_end", "end_call", "{}", audioMs: 100);

        await caller.WaitForCloseAsync(harness.Token);
        await harness.Server.WaitForCallEndAsync(harness.Token);
        Assert.Empty(telnyx.Requests);
    }

    [Fact]
    public async Task BinaryFrame_1003_ProtocolViolation()
    {
        await using var harness = await CallHarness.StartAsync();
        var (caller, _) = await TelnyxCalls.StartCallAsync(harness);
        await using var _ = caller;

        await caller.SendTextAsync("""{"event":"media","media":{"payload":"AAAA"}}""", harness.Token);
        await caller.SendBinaryAsync(Encoding.UTF8.GetBytes("RTP?"), harness.Token);

        var (status, _) = await caller.WaitForCloseAsync(harness.Token);
        Assert.Equal(WebSocketCloseStatus.InvalidMessageType, status);
    }

    private const string TelnyxHeader = "x-telnyx-streaming-auth-token";
}
