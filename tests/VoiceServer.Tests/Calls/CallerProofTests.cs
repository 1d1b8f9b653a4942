using System.Net.WebSockets;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using VoiceServer.Fakes;
using VoiceServer.Tests.Infrastructure;
using VoiceServer.TwilioEmulator;

namespace VoiceServer.Tests.Calls;

/// <summary>
/// What a stranger can make the server do: nothing on the operator's key without proof of who is calling, nothing
/// upstream before start, no model the operator did not allow, and no act on a call (hang-up, transfer) that the
/// main app did not vouch for, for that very call.
/// </summary>
public sealed class CallerProofTests
{
    private const string ServerKey = "sk-operators-own-key-0123456789";
    private const string AccountSid = "AC0123456789abcdef0123456789abcdef";
    private const string AuthToken = "twilio-auth-token-0123456789";
    private const string PublicBaseUrl = "wss://voice.example.com";
    private const string TransferNumber = "+15557654321";

    [Fact]
    public async Task ServerKey_WithNothingThatProvesTheCaller_RefusesToStart()
    {
        var refused = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            TestVoiceServer.StartAsync(new Dictionary<string, string?> { ["OPENAI_API_KEY"] = ServerKey }));

        Assert.Contains("ALLOW_UNAUTHENTICATED", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(ServerKey, refused.Message, StringComparison.Ordinal);
    }

    public static TheoryData<Dictionary<string, string?>, string[]> ProvenOrLocal => new()
    {
        { new() { ["OPENAI_API_KEY"] = ServerKey, ["TWILIO_AUTH_TOKEN"] = AuthToken, ["PUBLIC_BASE_URL"] = PublicBaseUrl }, [] },
        { new() { ["OPENAI_API_KEY"] = ServerKey, ["CONFIG_SIGNING_KEY"] = ConfigTokens.SigningKey }, [] },
        { new() { ["OPENAI_API_KEY"] = ServerKey }, ["--local-emulator"] },
        { new(), [] },
    };

    [Theory]
    [MemberData(nameof(ProvenOrLocal))]
    public async Task ServerKeyWithProof_OrTheEmulator_OrNoKey_Starts(Dictionary<string, string?> settings, string[] args)
    {
        await using var server = await TestVoiceServer.StartAsync(settings, args: args);

        Assert.DoesNotContain(server.Logs.Entries, e => e.EventName == "UnauthenticatedCalls");
    }

    [Fact]
    public async Task TheOptOut_Starts_AndSaysSoLoudly()
    {
        await using var server = await TestVoiceServer.StartAsync(new Dictionary<string, string?> { ["OPENAI_API_KEY"] = ServerKey, ["ALLOW_UNAUTHENTICATED"] = "true" });

        var warning = await server.Logs.WaitForAsync(e => e.EventName == "UnauthenticatedCalls", TestTimeout.Create().Token);
        Assert.Equal(LogLevel.Warning, warning.Level);
    }

    public static TheoryData<bool> SignedUpgrade => [false, true];

    [Theory]
    [MemberData(nameof(SignedUpgrade))]
    public async Task UpgradeThatNeverSendsStart_OpensNothingUpstream(bool twilioSigned)
    {
        var time = new FakeTimeProvider();
        var settings = new Dictionary<string, string?> { ["CALL_START_TIMEOUT_SECONDS"] = "5" };
        FakeTwilioCallerOptions? options = null;
        const string Query = $"agentId=a&openAIKey={CallHarness.CallKey}";
        if (twilioSigned)
        {
            // Twilio's signature covers the URL, query included: a captured upgrade replays with its query.
            settings["TWILIO_AUTH_TOKEN"] = AuthToken;
            settings["PUBLIC_BASE_URL"] = PublicBaseUrl;
            options = new FakeTwilioCallerOptions { SignatureAuthToken = AuthToken, SignatureUrl = $"{PublicBaseUrl}/api/twilio/media-stream?{Query}" };
        }

        await using var harness = await CallHarness.StartAsync(timeProvider: time, settings: settings);
        var caller = await harness.ConnectAsync(Query, options);
        await caller.SendConnectedAsync(harness.Token);
        await harness.Server.Logs.WaitForAsync(e => e.EventName == "CallerConnected", harness.Token);

        time.Advance(TimeSpan.FromSeconds(5));

        await harness.AssertCallEndedAsync(caller, WebSocketCloseStatus.PolicyViolation, "start_timeout");
        Assert.Equal(0, harness.Realtime.UpgradeAttemptCount);
    }

    [Fact]
    public async Task OnTheServersKey_TheCallerCannotPickAnExpensiveModel()
    {
        await using var harness = await CallHarness.StartAsync(settings: new Dictionary<string, string?>
        {
            ["OPENAI_API_KEY"] = ServerKey,
            ["ALLOW_UNAUTHENTICATED"] = "true",
            ["OPENAI_REALTIME_MODELS"] = "gpt-realtime-mini",
        });
        var caller = await harness.ConnectAsync();

        await caller.SendStartAsync(new Dictionary<string, string> { ["agentId"] = "a", ["model"] = "gpt-4o-realtime-preview" }, cancellationToken: harness.Token);

        var description = await harness.AssertCallEndedAsync(caller, WebSocketCloseStatus.PolicyViolation, "invalid_configuration");
        Assert.Contains("OPENAI_REALTIME_MODELS", description, StringComparison.Ordinal);
        Assert.Equal(0, harness.Realtime.UpgradeAttemptCount);

        // A model on the operator's list is fine.
        var (_, model) = await harness.StartCallAsync(new Dictionary<string, string> { ["agentId"] = "a", ["model"] = "gpt-realtime-mini" });
        Assert.Equal(("gpt-realtime-mini", "Bearer " + ServerKey), (model.Model, model.Headers["Authorization"]));
    }

    /// <summary>
    /// Twilio's upgrade signature covers the URL only, so it is the same for every call: one captured upgrade lets
    /// its holder send any start, naming any live call's CallSid. Without a configuration signed for that CallSid,
    /// the telephony API is never called.
    /// </summary>
    [Fact]
    public async Task CapturedUpgradeSignature_CannotTransferOrHangUpAnotherCall()
    {
        await using var twilio = await FakeHttpReceiver.StartAsync();
        twilio.ResponseBody = """{"sid":"CA0","status":"completed"}""";
        await using var harness = await StartWithTwilioAsync(twilio);
        var victimsCall = new FakeTwilioCallerOptions
        {
            CallSid = TwilioIds.NewCallSid(),
            MarkMode = MarkMode.Immediate,
            SignatureAuthToken = AuthToken,
            SignatureUrl = PublicBaseUrl + "/api/twilio/media-stream",
        };
        var (caller, model) = await harness.StartCallAsync(
            CallHarness.Parameters(("transferNumbers", TransferNumber), ("endCall", "true")), victimsCall);

        var tools = model.SessionUpdates[0]["session"]!["tools"]!.AsArray().Select(t => (string?)t!["name"]);
        Assert.Equal(["end_call"], tools);
        await model.SendFunctionCallAsync("resp_t", "item_t", "call_t", "transfer_call", $$"""{"number":"{{TransferNumber}}"}""", harness.Token);
        await model.SendResponseDoneAsync("resp_t", "completed", harness.Token);
        var output = await model.WaitForEventAsync("conversation.item.create", e => (string?)e["item"]?["call_id"] == "call_t", harness.Token);
        Assert.Contains("no tool named transfer_call", (string?)output["item"]!["output"], StringComparison.Ordinal);

        // end_call still ends this stream, by closing its own socket: no request reaches Twilio.
        await model.SendResponseCreatedAsync("resp_bye", harness.Token);
        await model.SendAudioDeltaAsync("resp_bye", "item_bye", AudioFixtures.Tone(100), cancellationToken: harness.Token);
        await model.SendFunctionCallAsync("resp_bye", "item_fc_bye", "call_end", "end_call", "{}", harness.Token);
        await model.SendAudioDoneAsync("resp_bye", "item_bye", cancellationToken: harness.Token);
        await model.SendResponseDoneAsync("resp_bye", "completed", harness.Token);

        await harness.AssertCallEndedAsync(caller, WebSocketCloseStatus.NormalClosure, "agent_hung_up");
        Assert.Empty(twilio.Requests);
        Assert.Single(harness.Server.Logs.Entries, e => e.EventName == "UnprovenParametersIgnored");
    }

    public static TheoryData<string, string> UnboundTokens => new()
    {
        { "no callSid claim", ConfigTokens.SignedAndEncrypted(Claims()) },
        { "valid for an hour", ConfigTokens.SignedAndEncrypted(Claims(), lifetime: TimeSpan.FromHours(1), callSid: BoundCallSid) },
    };

    private const string BoundCallSid = "CA0123456789abcdef0123456789abcdef";

    private static JsonObject Claims() => new()
    {
        ["agentId"] = CallHarness.AgentId,
        ["openAIKey"] = CallHarness.CallKey,
        ["transferNumbers"] = TransferNumber,
        ["endCall"] = "true",
    };

    [Theory]
    [MemberData(nameof(UnboundTokens))]
    public async Task SignedConfiguration_NotBoundToThisCallForMinutes_CallControlOff(string why, string token)
    {
        await using var twilio = await FakeHttpReceiver.StartAsync();
        await using var harness = await StartWithTwilioAsync(twilio, signedConfiguration: true);

        var (caller, model) = await harness.StartCallAsync(new Dictionary<string, string> { ["config"] = token }, new FakeTwilioCallerOptions { CallSid = BoundCallSid, MarkMode = MarkMode.Immediate, SignatureAuthToken = AuthToken, SignatureUrl = PublicBaseUrl + "/api/twilio/media-stream" });

        var tools = model.SessionUpdates[0]["session"]!["tools"]!.AsArray().Select(t => (string?)t!["name"]);
        Assert.True(tools.SequenceEqual(["end_call"]), why);
        Assert.Contains(harness.Server.Logs.Entries, e => e.EventName == "CallControlOff");
        await model.SendAudioResponseAsync("resp_1", "item_1", AudioFixtures.Tone(100), cancellationToken: harness.Token);
        await caller.SendStopAsync(harness.Token);
        await harness.Server.WaitForCallEndAsync(harness.Token);
        Assert.Empty(twilio.Requests);
    }

    [Fact]
    public async Task KeyInATokenThatIsOnlySigned_Refused_NothingUpstream()
    {
        await using var harness = await CallHarness.StartAsync(settings: new Dictionary<string, string?> { ["CONFIG_SIGNING_KEY"] = ConfigTokens.SigningKey });
        var caller = await harness.ConnectAsync();

        await caller.SendStartAsync(new Dictionary<string, string> { ["config"] = ConfigTokens.Signed(Claims()) }, cancellationToken: harness.Token);

        var description = await harness.AssertCallEndedAsync(caller, WebSocketCloseStatus.PolicyViolation, "invalid_configuration");
        Assert.Contains("without being encrypted", description, StringComparison.Ordinal);
        Assert.Equal(0, harness.Realtime.UpgradeAttemptCount);
    }

    [Fact]
    public async Task EncryptedToken_CarriesTheAgentsOwnKey_ToTheModelOnly()
    {
        await using var harness = await CallHarness.StartAsync(settings: new Dictionary<string, string?> { ["CONFIG_SIGNING_KEY"] = ConfigTokens.SigningKey });

        var (_, model) = await harness.StartCallAsync(new Dictionary<string, string> { ["config"] = ConfigTokens.SignedAndEncrypted(Claims()) });

        Assert.Equal("Bearer " + CallHarness.CallKey, model.Headers["Authorization"]);
        Assert.DoesNotContain(harness.Server.Logs.Entries, e => e.Message.Contains(CallHarness.CallKey, StringComparison.Ordinal));
    }

    [Fact]
    public async Task TokenEncryptedUnderAnotherKey_Refused_NothingUpstream()
    {
        await using var harness = await CallHarness.StartAsync(settings: new Dictionary<string, string?> { ["CONFIG_SIGNING_KEY"] = ConfigTokens.SigningKey });
        var caller = await harness.ConnectAsync();
        const string otherKey = "another-signing-key-0123456789abcdef0123";

        await caller.SendStartAsync(new Dictionary<string, string> { ["config"] = ConfigTokens.SignedAndEncrypted(Claims(), key: otherKey) }, cancellationToken: harness.Token);

        var description = await harness.AssertCallEndedAsync(caller, WebSocketCloseStatus.PolicyViolation, "invalid_configuration");
        Assert.Contains("could not be decrypted", description, StringComparison.Ordinal);
        Assert.Equal(0, harness.Realtime.UpgradeAttemptCount);
    }

    private static Task<CallHarness> StartWithTwilioAsync(FakeHttpReceiver twilio, bool signedConfiguration = false) => CallHarness.StartAsync(settings: new Dictionary<string, string?>
    {
        ["CONFIG_SIGNING_KEY"] = signedConfiguration ? ConfigTokens.SigningKey : null,
        ["TWILIO_ACCOUNT_SID"] = AccountSid,
        ["TWILIO_AUTH_TOKEN"] = AuthToken,
        ["PUBLIC_BASE_URL"] = PublicBaseUrl,
        ["TWILIO_API_BASE_URL"] = twilio.BaseAddress.ToString(),
    });
}
