using System.Net;
using System.Net.WebSockets;
using System.Text;
using VoiceServer.Fakes;
using VoiceServer.PlivoEmulator;
using VoiceServer.Tests.Infrastructure;
using VoiceServer.TwilioEmulator;

namespace VoiceServer.Tests.Plivo;

/// <summary>
/// Attacks on <c>/api/plivo/media-stream</c>: other spellings of the path, no or wrong signature, a signature for
/// another URL, hostile sizes and ids, another call's configuration. With <c>PLIVO_AUTH_TOKEN</c> the upgrade must
/// carry Plivo's V3 signature; without it the path is never weaker than Twilio's.
/// </summary>
public sealed class PlivoEndpointAttackTests
{
    private const string TwilioAuthToken = "twilio-auth-token-0123456789";
    private const string PlivoAuthToken = "plivo-auth-token-0123456789";
    private const string PublicBaseUrl = "wss://voice.example.com";

    private static readonly Dictionary<string, string?> s_twilioGuardedOnly = new()
    {
        ["TWILIO_AUTH_TOKEN"] = TwilioAuthToken,
        ["PUBLIC_BASE_URL"] = PublicBaseUrl,
        ["FAILED_UPGRADES_PER_MINUTE"] = "1000",
    };

    private static readonly Dictionary<string, string?> s_plivoSigned = new()
    {
        ["PLIVO_AUTH_TOKEN"] = PlivoAuthToken,
        ["PUBLIC_BASE_URL"] = PublicBaseUrl,
        ["ALLOW_UNAUTHENTICATED"] = "true",
        ["FAILED_UPGRADES_PER_MINUTE"] = "1000",
    };

    public static TheoryData<string> Spellings =>
    [
        "/api/plivo/media-stream",
        "/API/PLIVO/MEDIA-STREAM",
        "/Api/Plivo/Media-Stream",
        "/api/plivo/media-stream/",
        "/api/plivo/%6Dedia-stream",
        "//api/plivo/media-stream",
        "/api/plivo/./media-stream",
        "/api/twilio/../plivo/media-stream",
        "/api/plivo/media-stream;x=1",
    ];

    [Theory]
    [MemberData(nameof(Spellings))]
    public async Task AnySpelling_WhileTwilioIsGuardedAndNothingProvesPlivo_NeverUpgraded(string path)
    {
        await using var harness = await CallHarness.StartAsync(settings: s_twilioGuardedOnly);

        var status = await FakePlivoCaller.TryConnectForStatusAsync(PlivoCalls.Url(harness, path), headers: null, harness.Token);

        Assert.NotNull(status);
        Assert.Contains(status, new HttpStatusCode?[] { HttpStatusCode.Forbidden, HttpStatusCode.NotFound });
        if (string.Equals(path.TrimEnd('/'), PlivoCalls.Path, StringComparison.OrdinalIgnoreCase))
        {
            Assert.Equal(HttpStatusCode.Forbidden, status);
        }

        Assert.Equal(0, harness.Realtime.UpgradeAttemptCount);
    }

    [Theory]
    [MemberData(nameof(Spellings))]
    public async Task AnySpelling_SignatureRequired_UnsignedNeverUpgraded(string path)
    {
        await using var harness = await CallHarness.StartAsync(settings: s_plivoSigned);

        var status = await FakePlivoCaller.TryConnectForStatusAsync(PlivoCalls.Url(harness, path), headers: null, harness.Token);

        Assert.Contains(status, new HttpStatusCode?[] { HttpStatusCode.Forbidden, HttpStatusCode.NotFound });
        Assert.Equal(0, harness.Realtime.UpgradeAttemptCount);
    }

    [Fact]
    public async Task WhileTwilioIsGuarded_TheRefusalSaysWhatPlivoNeeds()
    {
        await using var harness = await CallHarness.StartAsync(settings: s_twilioGuardedOnly);

        var (status, body) = await FakeTwilioCaller.SendUpgradeRequestAsync(PlivoCalls.Url(harness), origin: null, harness.Token);

        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("plivo_not_proven", body, StringComparison.Ordinal);
        Assert.Contains(harness.Server.Logs.Entries, e => e.EventName == "SignatureRefused" && e.Message.Contains("Plivo", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TwilioSignature_IsNoProofOnThePlivoPath()
    {
        await using var harness = await CallHarness.StartAsync(settings: s_twilioGuardedOnly);
        var signature = TwilioIds.ComputeSignature(TwilioAuthToken, PublicBaseUrl + PlivoCalls.Path, new Dictionary<string, string>());

        var status = await FakePlivoCaller.TryConnectForStatusAsync(
            PlivoCalls.Url(harness), new Dictionary<string, string> { ["X-Twilio-Signature"] = signature }, harness.Token);

        Assert.Equal(HttpStatusCode.Forbidden, status);
    }

    [Fact]
    public async Task Signed_TheCallRuns()
    {
        await using var harness = await CallHarness.StartAsync(settings: s_plivoSigned);
        var parameters = CallHarness.Parameters();

        var (caller, model) = await PlivoCalls.StartCallAsync(harness, parameters, headers: Signed(PlivoCalls.Path + "?" + PlivoCalls.Query(parameters)));
        await using var _ = caller;

        await caller.SendAudioAsync(AudioFixtures.Silence(40), harness.Token);
        await model.WaitForAudioBytesAsync(320, harness.Token);
    }

    [Fact]
    public async Task SignedOverTheHttpsFormOfTheUrl_TheCallRuns()
    {
        await using var harness = await CallHarness.StartAsync(settings: s_plivoSigned);
        var parameters = CallHarness.Parameters();
        var headers = PlivoUpgradeSignature.Headers(PlivoAuthToken, "https://voice.example.com" + PlivoCalls.Path + "?" + PlivoCalls.Query(parameters));

        var (caller, _) = await PlivoCalls.StartCallAsync(harness, parameters, headers: headers);
        await caller.DisposeAsync();
    }

    [Fact]
    public async Task MainAccountSignature_Accepted()
    {
        await using var harness = await CallHarness.StartAsync(settings: s_plivoSigned);
        var signed = Signed(PlivoCalls.Path);
        var headers = new Dictionary<string, string>
        {
            ["X-Plivo-Signature-Ma-V3"] = signed["X-Plivo-Signature-V3"],
            ["X-Plivo-Signature-V3-Nonce"] = signed["X-Plivo-Signature-V3-Nonce"],
        };

        Assert.Null(await FakePlivoCaller.TryConnectForStatusAsync(PlivoCalls.Url(harness), headers, harness.Token));
    }

    public static TheoryData<string, string> WrongSignatures => new()
    {
        { "no signature", string.Empty },
        { "wrong token", "wrong-token" },
        { "another path", "/api/twilio/media-stream" },
        { "another query", "?agentId=other" },
        { "another host", "wss://evil.example.com" },
        { "no nonce", "nonce" },
        { "another nonce", "other-nonce" },
        { "signature twice", "twice" },
    };

    [Theory]
    [MemberData(nameof(WrongSignatures))]
    public async Task Signature_MissingOrWrong_403_NothingUpstream(string attack, string variant)
    {
        await using var harness = await CallHarness.StartAsync(settings: s_plivoSigned);
        var good = Signed(PlivoCalls.Path);
        Dictionary<string, string>? headers = variant switch
        {
            "" => null,
            "wrong-token" => PlivoUpgradeSignature.Headers("wrong-token", PublicBaseUrl + PlivoCalls.Path),
            "nonce" => new() { ["X-Plivo-Signature-V3"] = good["X-Plivo-Signature-V3"] },
            "other-nonce" => new() { ["X-Plivo-Signature-V3"] = good["X-Plivo-Signature-V3"], ["X-Plivo-Signature-V3-Nonce"] = "99999999999999999999" },
            "twice" => good,
            _ when variant.StartsWith("wss://", StringComparison.Ordinal) => PlivoUpgradeSignature.Headers(PlivoAuthToken, variant + PlivoCalls.Path),
            _ when variant.StartsWith('?') => PlivoUpgradeSignature.Headers(PlivoAuthToken, PublicBaseUrl + PlivoCalls.Path + variant),
            _ => PlivoUpgradeSignature.Headers(PlivoAuthToken, PublicBaseUrl + variant),
        };
        // The signature for the bare path, sent with parameters it does not cover.
        var query = variant == "twice" ? "agentId=support-en" : null;

        var status = await FakePlivoCaller.TryConnectForStatusAsync(PlivoCalls.Url(harness, query: query), headers, harness.Token);

        Assert.True(status == HttpStatusCode.Forbidden, attack);
        Assert.Equal(0, harness.Realtime.UpgradeAttemptCount);
        Assert.DoesNotContain(harness.Server.Logs.Entries, e => e.Message.Contains(PlivoAuthToken, StringComparison.Ordinal));
    }

    [Fact]
    public async Task OversizedSignatureHeader_403()
    {
        await using var harness = await CallHarness.StartAsync(settings: s_plivoSigned);
        var good = Signed(PlivoCalls.Path);
        var headers = new Dictionary<string, string>
        {
            ["X-Plivo-Signature-V3"] = string.Join(',', Enumerable.Repeat(good["X-Plivo-Signature-V3"], 100)),
            ["X-Plivo-Signature-V3-Nonce"] = good["X-Plivo-Signature-V3-Nonce"],
        };

        Assert.Equal(HttpStatusCode.Forbidden, await FakePlivoCaller.TryConnectForStatusAsync(PlivoCalls.Url(harness), headers, harness.Token));
    }

    [Fact]
    public async Task BrowserOrigin_NotAllowed_403()
    {
        await using var harness = await CallHarness.StartAsync();

        var (status, body) = await FakeTwilioCaller.SendUpgradeRequestAsync(PlivoCalls.Url(harness), origin: "https://evil.example", harness.Token);

        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("origin_not_allowed", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NotAWebSocket_400Json()
    {
        await using var harness = await CallHarness.StartAsync();
        using var http = new HttpClient();

        using var response = await http.GetAsync(harness.Server.HttpUrl(PlivoCalls.Path), harness.Token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("websocket_required", await response.Content.ReadAsStringAsync(harness.Token), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OversizedMessage_1009_MessageTooBig()
    {
        await using var harness = await CallHarness.StartAsync(settings: new Dictionary<string, string?> { ["MEDIA_STREAM_MAX_MESSAGE_BYTES"] = "4096" });
        var (caller, _) = await PlivoCalls.StartCallAsync(harness);
        await using var _ = caller;

        await caller.SendTextAsync("""{"event":"media","media":{"payload":""" + "\"" + new string('A', 8192) + "\"}}", harness.Token);

        var (status, _) = await caller.WaitForCloseAsync(harness.Token);
        Assert.Equal(WebSocketCloseStatus.MessageTooBig, status);
    }

    [Fact]
    public async Task OversizedExtraHeaders_StartRefused_NothingUpstream()
    {
        await using var harness = await CallHarness.StartAsync();
        await using var caller = await FakePlivoCaller.ConnectAsync(PlivoCalls.Url(harness, query: PlivoCalls.Query(CallHarness.Parameters())), cancellationToken: harness.Token);

        await caller.SendTextAsync($$$"""{"event":"start","sequenceNumber":1,"start":{"callId":"c-1","streamId":"s-1","mediaFormat":{"encoding":"audio/x-mulaw","sampleRate":8000}},"extra_headers":"a={{{new string('b', 600)}}}"}""", harness.Token);
        await caller.SendAudioAsync(AudioFixtures.Silence(20), harness.Token);

        Assert.Equal(0, harness.Realtime.UpgradeAttemptCount);
        await harness.Server.Logs.WaitForAsync(e => e.Message.Contains("extra_headers longer than Plivo allows", StringComparison.Ordinal), harness.Token);
    }

    [Fact]
    public async Task HostileStreamId_StartRefused_NeverEchoed()
    {
        await using var harness = await CallHarness.StartAsync();
        await using var caller = await FakePlivoCaller.ConnectAsync(PlivoCalls.Url(harness, query: PlivoCalls.Query(CallHarness.Parameters())), cancellationToken: harness.Token);

        await caller.SendTextAsync("""{"event":"start","sequenceNumber":1,"start":{"callId":"c-1","streamId":"x\",\"event\":\"hangup","mediaFormat":{"encoding":"audio/x-mulaw","sampleRate":8000}}}""", harness.Token);

        await harness.Server.Logs.WaitForAsync(e => e.Message.Contains("start without a valid streamId", StringComparison.Ordinal), harness.Token);
        Assert.Equal(0, harness.Realtime.UpgradeAttemptCount);
        Assert.Empty(caller.Frames);
    }

    [Fact]
    public async Task ConfigurationSignedForAnotherCall_Refused_NothingUpstream()
    {
        await using var harness = await CallHarness.StartAsync(settings: new Dictionary<string, string?> { ["CONFIG_SIGNING_KEY"] = ConfigTokens.SigningKey });
        var parameters = PlivoCalls.BoundTo(Guid.NewGuid().ToString());
        await using var caller = await FakePlivoCaller.ConnectAsync(PlivoCalls.Url(harness, query: PlivoCalls.Query(parameters)), cancellationToken: harness.Token);

        await caller.SendStartAsync(harness.Token);

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
        var (first, _) = await PlivoCalls.StartCallAsync(harness, parameters);
        await using var _ = first;
        await using var second = await FakePlivoCaller.ConnectAsync(PlivoCalls.Url(harness, query: PlivoCalls.Query(parameters)), cancellationToken: harness.Token);

        await second.SendStartAsync(harness.Token);

        var (status, description) = await second.WaitForCloseAsync(harness.Token);
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, status);
        Assert.Contains("already used", description, StringComparison.Ordinal);
        Assert.Equal(1, harness.Realtime.UpgradeAttemptCount);
    }

    [Theory]
    [InlineData("../../Account/MAOTHER/Call/x")]
    [InlineData("abc/../../x")]
    [InlineData("abc?x=1")]
    [InlineData("%2e%2e")]
    public async Task HostileCallId_NeverReachesPlivosApi(string callId)
    {
        await using var plivo = await FakeHttpReceiver.StartAsync();
        await using var harness = await PlivoCallTests.StartWithPlivoApiAsync(plivo);
        var parameters = PlivoCalls.BoundTo(callId, ("endCall", "true"));
        await using var caller = await FakePlivoCaller.ConnectAsync(PlivoCalls.Url(harness, query: PlivoCalls.Query(parameters)), headers: PlivoCallTests.SignedHeaders(parameters), callId: callId, cancellationToken: harness.Token);

        await caller.SendStartAsync(harness.Token);
        await caller.SendAudioAsync(AudioFixtures.Silence(20), harness.Token);

        await harness.Server.Logs.WaitForAsync(e => e.Message.Contains("start with an invalid callId", StringComparison.Ordinal), harness.Token);
        Assert.Equal(0, harness.Realtime.UpgradeAttemptCount);
        Assert.Empty(plivo.Requests);
    }

    [Fact]
    public async Task BinaryFrame_1003_ProtocolViolation()
    {
        await using var harness = await CallHarness.StartAsync();
        var (caller, _) = await PlivoCalls.StartCallAsync(harness);
        await using var _ = caller;

        await caller.SendBinaryAsync(Encoding.UTF8.GetBytes("RTP?"), harness.Token);

        var (status, _) = await caller.WaitForCloseAsync(harness.Token);
        Assert.Equal(WebSocketCloseStatus.InvalidMessageType, status);
    }

    private static Dictionary<string, string> Signed(string pathAndQuery) =>
        PlivoUpgradeSignature.Headers(PlivoAuthToken, PublicBaseUrl + pathAndQuery);
}
