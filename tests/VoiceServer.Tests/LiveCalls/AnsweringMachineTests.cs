using System.Net;
using System.Net.WebSockets;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using VoiceServer.Fakes;
using VoiceServer.Tests.Infrastructure;
using VoiceServer.TwilioEmulator;

namespace VoiceServer.Tests.LiveCalls;

/// <summary>
/// An outbound call that awaits Twilio's answering-machine verdict, on the voice server alone: a configuration signed
/// for the call names the voicemail policy, the verdict arrives as a signed <c>answered_by</c> command on the HTTP
/// command endpoint, a fake Twilio REST API takes the hang-ups and a fake receiver the call records.
/// </summary>
public sealed class AnsweringMachineTests
{
    private const string AuthToken = "twilio-auth-token-0123456789";
    private const string AccountSid = "AC0123456789abcdef0123456789abcdef";
    private const string SignatureUrl = "wss://voice.example.com/api/twilio/media-stream";
    private const string Greeting = "Hello, this is Rosa's Bakery calling about your order.";
    private const string Message = "Hello, this is Rosa's Bakery: your cake is ready for pick-up tomorrow from nine.";

    private sealed record System(CallHarness Harness, FakeHttpReceiver Twilio, FakeHttpReceiver Records) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Harness.DisposeAsync();
            await Twilio.DisposeAsync();
            await Records.DisposeAsync();
        }
    }

    private static async Task<System> StartAsync(TimeProvider? time = null, string? modelSessionMaxSeconds = null)
    {
        var twilio = await FakeHttpReceiver.StartAsync();
        twilio.ResponseBody = """{"sid":"CA0","status":"completed"}""";
        var records = await FakeHttpReceiver.StartAsync();
        var harness = await CallHarness.StartAsync(
            settings: new Dictionary<string, string?>
            {
                ["CONFIG_SIGNING_KEY"] = ConfigTokens.SigningKey,
                ["TWILIO_AUTH_TOKEN"] = AuthToken,
                ["PUBLIC_BASE_URL"] = "wss://voice.example.com",
                ["TWILIO_ACCOUNT_SID"] = AccountSid,
                ["TWILIO_API_BASE_URL"] = twilio.BaseAddress.ToString(),
                ["CALL_EVENTS_URL"] = records.Url("/api/calls/events").ToString(),
                ["CALL_EVENTS_RETRY_DELAY_MS"] = "10",
                ["MODEL_SESSION_MAX_SECONDS"] = modelSessionMaxSeconds,
            },
            timeProvider: time);
        return new System(harness, twilio, records);
    }

    /// <summary>An outbound call as the main app configures it: signed for its CallSid, with the agent's voicemail policy.</summary>
    private static Task<(FakeTwilioCaller Caller, FakeRealtimeConnection Model)> StartOutboundCallAsync(
        CallHarness harness, string? policy = "hangup", string? message = null, MarkMode marks = MarkMode.Immediate, bool bound = true, int? maxDurationSec = null)
    {
        var options = new FakeTwilioCallerOptions { MarkMode = marks, SignatureAuthToken = AuthToken, SignatureUrl = SignatureUrl };
        var claims = new JsonObject { ["agentId"] = CallHarness.AgentId, ["openAIKey"] = CallHarness.CallKey, ["greeting"] = Greeting };
        if (policy is not null)
        {
            claims["voicemailPolicy"] = policy;
        }

        if (message is not null)
        {
            claims["voicemailMessage"] = message;
        }

        if (maxDurationSec is not null)
        {
            claims["maxDurationSec"] = maxDurationSec.Value.ToString(global::System.Globalization.CultureInfo.InvariantCulture);
        }

        var token = ConfigTokens.SignedAndEncrypted(claims, callSid: bound ? options.CallSid : null);
        return harness.StartCallAsync(new Dictionary<string, string> { ["config"] = token }, options);
    }

    private static Task<HttpResponseMessage> VerdictAsync(CallHarness harness, string callSid, string answeredBy, DateTimeOffset? issuedAt = null)
    {
        var command = SignedCommands.Command(callSid, "answered_by", issuedAt: issuedAt);
        command["answeredBy"] = answeredBy;
        return SignedCommands.PostAsync(harness.Server, callSid, command.ToJsonString(), harness.Token);
    }

    private static async Task<JsonObject> RecordAsync(System system)
    {
        var request = await system.Records.WaitForRequestAsync(0, system.Harness.Token);
        return JsonNode.Parse(request.Body)!.AsObject();
    }

    private static int Count(FakeRealtimeConnection model, string type) => model.Received.Count(e => (string?)e["type"] == type);

    /// <summary>Drops the call's model session with the new one's handshake held: the replacement is under way until the test releases it.</summary>
    private static async Task DropTheModelSessionAsync(CallHarness harness, FakeRealtimeConnection model)
    {
        harness.Realtime.HoldUpgrades();
        model.Abort();
        await harness.Realtime.WaitForUpgradeAttemptsAsync(2, harness.Token);
        await harness.Server.WaitForLogCountAsync("ModelSessionReplacing", 1, harness.Token);
    }

    private static Task<FakeRealtimeConnection> ReleaseTheNewSessionAsync(CallHarness harness)
    {
        harness.Realtime.ReleaseUpgrades();
        return harness.Realtime.WaitForConnectionAsync(1, harness.Token);
    }

    [Theory]
    [InlineData("human")]
    [InlineData("unknown")]
    [InlineData("machine_start")]
    public async Task BeforeTheVerdict_NoGreetingAndTheModelHearsNothing_APersonGetsTheGreetingThenTheConversation(string answeredBy)
    {
        await using var system = await StartAsync();
        var harness = system.Harness;
        var (caller, model) = await StartOutboundCallAsync(harness);
        // "Hello?": the person's first words, or a machine's greeting; either way the model must not answer them.
        await caller.SendAudioAsync(AudioFixtures.Tone(200), cancellationToken: harness.Token);
        await CallerReadBarrier.WaitUntilReadAsync(caller, harness.Server.Logs, harness.Token);

        using var response = await VerdictAsync(harness, caller.CallSid, answeredBy);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var greeting = await model.WaitForEventAsync("response.create", harness.Token);
        Assert.Contains(Greeting, (string?)greeting["response"]!["instructions"], StringComparison.Ordinal);
        await model.SendAudioResponseAsync("resp_hello", "item_hello", AudioFixtures.Tone(200), cancellationToken: harness.Token);
        await caller.WaitForAudioBytesAsync(1600, harness.Token);
        // Now the caller is heard: one socket to the model, in order, so the first frame it gets proves nothing came before.
        await caller.SendAudioAsync(AudioFixtures.Tone(20), cancellationToken: harness.Token);
        await model.WaitForEventAsync("input_audio_buffer.append", harness.Token);
        Assert.Equal(1, Count(model, "input_audio_buffer.append"));
        Assert.Equal(1, Count(model, "response.create"));

        await caller.SendStopAsync(harness.Token);
        var record = await RecordAsync(system);
        Assert.Equal((answeredBy, "caller_stopped"), ((string?)record["answeredBy"], (string?)record["endReason"]));
        Assert.Empty(system.Twilio.Requests);
    }

    [Theory]
    [InlineData("hangup", "machine_end_beep")]
    [InlineData("hangup", "machine_end_silence")]
    [InlineData("hangup", "machine_end_other")]
    [InlineData("hangup", "fax")]
    [InlineData("leave_message", "fax")]
    public async Task Machine_HangUpPolicy_OrAFax_HungUpThroughTwilioRest_MachineHungUp(string policy, string answeredBy)
    {
        await using var system = await StartAsync();
        var harness = system.Harness;
        var (caller, model) = await StartOutboundCallAsync(harness, policy, policy == "leave_message" ? Message : null);

        using var response = await VerdictAsync(harness, caller.CallSid, answeredBy);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var request = Assert.Single(system.Twilio.Requests);
        Assert.Equal(("POST", $"/2010-04-01/Accounts/{AccountSid}/Calls/{caller.CallSid}.json"), (request.Method, request.Path));
        Assert.Contains("Status=completed", request.Body, StringComparison.Ordinal);
        await harness.AssertCallEndedAsync(caller, WebSocketCloseStatus.NormalClosure, "machine_hung_up");
        var record = await RecordAsync(system);
        Assert.Equal((answeredBy, "machine_hung_up"), ((string?)record["answeredBy"], (string?)record["endReason"]));
        Assert.Equal(0, Count(model, "response.create"));
        Assert.Contains(harness.Server.Logs.Entries, e => e.EventName == "AnsweredBy" && e.Message.Contains(answeredBy, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Machine_LeaveMessagePolicy_TheMessageOnce_TheLineUnheard_ThenVoicemailLeftOncePlayed()
    {
        await using var system = await StartAsync();
        var harness = system.Harness;
        var (caller, model) = await StartOutboundCallAsync(harness, "leave_message", Message, MarkMode.Manual);
        await caller.SendAudioAsync(AudioFixtures.Tone(200), cancellationToken: harness.Token);

        using var response = await VerdictAsync(harness, caller.CallSid, "machine_end_beep");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var request = await model.WaitForEventAsync("response.create", harness.Token);
        Assert.Contains($"\"{Message}\"", (string?)request["response"]!["instructions"], StringComparison.Ordinal);
        await model.SendResponseCreatedAsync("resp_vm", harness.Token);
        await model.SendAudioDeltaAsync("resp_vm", "item_vm", AudioFixtures.Tone(200), cancellationToken: harness.Token);
        // The recording's noise, were the model to hear any: it must not cut the message off.
        await caller.SendAudioAsync(AudioFixtures.Tone(200), cancellationToken: harness.Token);
        await model.SendSpeechStartedAsync(cancellationToken: harness.Token);
        await model.SendAudioDeltaAsync("resp_vm", "item_vm", AudioFixtures.Tone(200), cancellationToken: harness.Token);
        await model.SendAudioDoneAsync("resp_vm", "item_vm", cancellationToken: harness.Token);
        await model.SendResponseDoneAsync("resp_vm", cancellationToken: harness.Token);
        await caller.WaitForAudioBytesAsync(3200, harness.Token);
        await caller.WaitForPendingMarksAsync(3, harness.Token);
        Assert.Equal(WebSocketState.Open, caller.State);

        await caller.AckPendingMarksAsync(3, harness.Token);

        await harness.AssertCallEndedAsync(caller, WebSocketCloseStatus.NormalClosure, "voicemail_left");
        Assert.DoesNotContain(caller.Messages, m => m.Event == "clear");
        Assert.DoesNotContain(harness.Server.Logs.Entries, e => e.EventName == "BargeIn");
        Assert.Equal(0, Count(model, "input_audio_buffer.append"));
        Assert.Equal(1, Count(model, "response.create"));
        var record = await RecordAsync(system);
        Assert.Equal(("machine_end_beep", "voicemail_left"), ((string?)record["answeredBy"], (string?)record["endReason"]));
        Assert.Empty(system.Twilio.Requests);
    }

    [Fact]
    public async Task LongMessage_PlaysLongerThanTheGoodbyeCap_NotCutOff()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var system = await StartAsync(time);
        var harness = system.Harness;
        var message = string.Join(' ', Enumerable.Repeat("Your order is ready.", 50))[..1000];
        var (caller, model) = await StartOutboundCallAsync(harness, "leave_message", message, MarkMode.Manual);
        using var response = await VerdictAsync(harness, caller.CallSid, "machine_end_silence");
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var request = await model.WaitForEventAsync("response.create", harness.Token);
        Assert.Contains(message, (string?)request["response"]!["instructions"], StringComparison.Ordinal);
        // Four deltas of 800 bytes and the item's done mark.
        await model.SendAudioResponseAsync("resp_vm", "item_vm", AudioFixtures.Tone(400), cancellationToken: harness.Token);
        await caller.WaitForPendingMarksAsync(5, harness.Token);

        // A thousand characters take over a minute to say: well past the 15 s an ordinary goodbye may take.
        time.Advance(TimeSpan.FromSeconds(75));
        await caller.AckPendingMarksAsync(5, harness.Token);

        var (status, _) = await caller.WaitForCloseAsync(harness.Token);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, status);
        var end = await harness.Server.WaitForCallEndAsync(harness.Token);
        Assert.Contains("voicemail_left", end.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("not confirmed in time", end.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoVerdictInTime_TheConversationStartsAsForUnknown()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var system = await StartAsync(time);
        var harness = system.Harness;
        var (_, model) = await StartOutboundCallAsync(harness);

        time.Advance(TimeSpan.FromSeconds(44));
        Assert.Equal(0, Count(model, "response.create"));
        time.Advance(TimeSpan.FromSeconds(1));

        var greeting = await model.WaitForEventAsync("response.create", harness.Token);
        Assert.Contains(Greeting, (string?)greeting["response"]!["instructions"], StringComparison.Ordinal);
        Assert.Contains(harness.Server.Logs.Entries, e => e.EventName == "AnsweredByMissing");
    }

    [Fact]
    public async Task PersonsVerdict_WhileTheModelSessionIsReplaced_Accepted_TheNewSessionGreetsOnce()
    {
        await using var system = await StartAsync();
        var harness = system.Harness;
        var (caller, first) = await StartOutboundCallAsync(harness);
        await DropTheModelSessionAsync(harness, first);

        using var response = await VerdictAsync(harness, caller.CallSid, "human");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var second = await ReleaseTheNewSessionAsync(harness);
        var greeting = await second.WaitForEventAsync("response.create", harness.Token);
        Assert.Contains(Greeting, (string?)greeting["response"]!["instructions"], StringComparison.Ordinal);
        await second.SendAudioResponseAsync("resp_hello", "item_hello", AudioFixtures.Tone(200), cancellationToken: harness.Token);
        await caller.WaitForAudioBytesAsync(1600, harness.Token);
        // The person is heard by the new session; on its socket, in order, after anything the switch sent.
        await caller.SendAudioAsync(AudioFixtures.Tone(20), cancellationToken: harness.Token);
        await second.WaitForEventAsync("input_audio_buffer.append", harness.Token);
        Assert.Equal(1, Count(second, "response.create"));
        Assert.Equal(0, Count(first, "response.create"));

        await caller.SendStopAsync(harness.Token);
        var record = await RecordAsync(system);
        Assert.Equal(("human", "caller_stopped"), ((string?)record["answeredBy"], (string?)record["endReason"]));
    }

    [Fact]
    public async Task MachineVerdict_HangUpPolicy_WhileTheModelSessionIsReplaced_HungUpAtOnceThroughTwilioRest()
    {
        await using var system = await StartAsync();
        var harness = system.Harness;
        var (caller, first) = await StartOutboundCallAsync(harness);
        await DropTheModelSessionAsync(harness, first);

        using var response = await VerdictAsync(harness, caller.CallSid, "machine_end_beep");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var request = Assert.Single(system.Twilio.Requests);
        Assert.Contains("Status=completed", request.Body, StringComparison.Ordinal);
        await harness.AssertCallEndedAsync(caller, WebSocketCloseStatus.NormalClosure, "machine_hung_up");
        var record = await RecordAsync(system);
        Assert.Equal(("machine_end_beep", "machine_hung_up"), ((string?)record["answeredBy"], (string?)record["endReason"]));
        harness.Realtime.ReleaseUpgrades();
    }

    [Fact]
    public async Task MachineVerdict_LeaveMessage_WhileTheModelSessionIsReplaced_TheMessageOnceOnTheNewSession_ItsCapFromThen()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var system = await StartAsync(time);
        var harness = system.Harness;
        var (caller, first) = await StartOutboundCallAsync(harness, "leave_message", Message);
        await DropTheModelSessionAsync(harness, first);

        using var response = await VerdictAsync(harness, caller.CallSid, "machine_end_beep");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        // The recording's beep, and a slow handshake (within its 5 s): the message's cap has not begun yet.
        await caller.SendAudioAsync(AudioFixtures.Tone(200), cancellationToken: harness.Token);
        await CallerReadBarrier.WaitUntilReadAsync(caller, harness.Server.Logs, harness.Token);
        time.Advance(TimeSpan.FromSeconds(4));
        var second = await ReleaseTheNewSessionAsync(harness);
        var request = await second.WaitForEventAsync("response.create", harness.Token);
        Assert.Contains($"\"{Message}\"", (string?)request["response"]!["instructions"], StringComparison.Ordinal);
        Assert.DoesNotContain("apologise", (string?)request["response"]!["instructions"], StringComparison.Ordinal);
        // 4 + 20 s: past the message's cap (15 s and 100 ms a character, 23 s) had it counted from the verdict.
        time.Advance(TimeSpan.FromSeconds(20));
        await second.SendAudioResponseAsync("resp_vm", "item_vm", AudioFixtures.Tone(200), cancellationToken: harness.Token);

        await harness.AssertCallEndedAsync(caller, WebSocketCloseStatus.NormalClosure, "voicemail_left");
        var end = await harness.Server.WaitForCallEndAsync(harness.Token);
        Assert.DoesNotContain("not confirmed in time", end.Message, StringComparison.Ordinal);
        Assert.Equal(1, Count(second, "response.create"));
        Assert.Equal(0, Count(first, "response.create"));
        Assert.Equal(0, Count(second, "input_audio_buffer.append"));
        var record = await RecordAsync(system);
        Assert.Equal(("machine_end_beep", "voicemail_left"), ((string?)record["answeredBy"], (string?)record["endReason"]));
        Assert.Empty(system.Twilio.Requests);
    }

    [Fact]
    public async Task NoVerdictInTime_WhileTheModelSessionIsReplaced_TheNewSessionGreets()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var system = await StartAsync(time);
        var harness = system.Harness;
        var (_, first) = await StartOutboundCallAsync(harness);
        time.Advance(TimeSpan.FromSeconds(41));
        await DropTheModelSessionAsync(harness, first);

        // The 45 s pass while the new session's handshake hangs (within its 5 s).
        time.Advance(TimeSpan.FromSeconds(4));

        Assert.Contains(harness.Server.Logs.Entries, e => e.EventName == "AnsweredByMissing");
        var second = await ReleaseTheNewSessionAsync(harness);
        var greeting = await second.WaitForEventAsync("response.create", harness.Token);
        Assert.Contains(Greeting, (string?)greeting["response"]!["instructions"], StringComparison.Ordinal);
        await harness.Server.WaitForLogCountAsync("ModelSessionReplaced", 1, harness.Token);
        Assert.Equal(1, Count(second, "response.create"));
        Assert.Equal(0, Count(first, "response.create"));
    }

    [Fact]
    public async Task PersonsVerdict_WhileTheSessionIsReplaced_TimeLimitPassesBeforeTheSwitch_OnlyTheGoodbye_MaxDuration()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var system = await StartAsync(time);
        var harness = system.Harness;
        // A 47 s limit: the verdict comes 44 s in (before its own 45 s wait is over), during a replacement.
        var (caller, first) = await StartOutboundCallAsync(harness, maxDurationSec: 47);
        time.Advance(TimeSpan.FromSeconds(44));
        await DropTheModelSessionAsync(harness, first);
        using var response = await VerdictAsync(harness, caller.CallSid, "human");
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);

        // The limit passes while the new session's handshake hangs (within its 5 s), a gap long enough for an apology.
        time.Advance(TimeSpan.FromSeconds(3));
        await harness.Server.Logs.WaitForAsync(e => e.EventName == "MaxDurationReached", harness.Token);
        var second = await ReleaseTheNewSessionAsync(harness);

        // The call is over its limit: no greeting inviting an answer, no apology to someone who heard nothing; the goodbye.
        var goodbye = await second.WaitForEventAsync("response.create", harness.Token);
        Assert.Contains("time limit", (string?)goodbye["response"]!["instructions"], StringComparison.Ordinal);
        await harness.Server.WaitForLogCountAsync("ModelSessionReplaced", 1, harness.Token);
        await second.SendAudioResponseAsync("resp_bye", "item_bye", AudioFixtures.Tone(200), cancellationToken: harness.Token);

        await harness.AssertCallEndedAsync(caller, WebSocketCloseStatus.NormalClosure, "max_duration");
        var end = await harness.Server.WaitForCallEndAsync(harness.Token);
        Assert.DoesNotContain("not confirmed in time", end.Message, StringComparison.Ordinal);
        Assert.Equal(1600, caller.ReceivedAudio.Length);
        Assert.Equal(1, Count(second, "response.create"));
        Assert.Equal(0, Count(first, "response.create"));
        var record = await RecordAsync(system);
        Assert.Equal(("human", "max_duration"), ((string?)record["answeredBy"], (string?)record["endReason"]));
    }

    [Fact]
    public async Task PersonsVerdict_WhileTheSessionIsReplaced_TimeLimitPassesDuringTheGreeting_GreetingOnceThenTheGoodbye_MaxDuration()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var system = await StartAsync(time);
        var harness = system.Harness;
        var (caller, first) = await StartOutboundCallAsync(harness, marks: MarkMode.Manual, maxDurationSec: 50);
        time.Advance(TimeSpan.FromSeconds(44));
        await DropTheModelSessionAsync(harness, first);
        using var response = await VerdictAsync(harness, caller.CallSid, "human");
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var second = await ReleaseTheNewSessionAsync(harness);
        var greeting = await second.WaitForEventAsync("response.create", harness.Token);
        Assert.Contains(Greeting, (string?)greeting["response"]!["instructions"], StringComparison.Ordinal);
        await second.SendResponseCreatedAsync("resp_hello", harness.Token);
        await second.SendAudioDeltaAsync("resp_hello", "item_hello", AudioFixtures.Tone(200), cancellationToken: harness.Token);
        await caller.WaitForAudioBytesAsync(1600, harness.Token);

        // The limit passes while the greeting is being said: the goodbye waits for it.
        time.Advance(TimeSpan.FromSeconds(6));
        await harness.Server.Logs.WaitForAsync(e => e.EventName == "MaxDurationReached", harness.Token);
        Assert.Equal(1, Count(second, "response.create"));
        await second.SendAudioDeltaAsync("resp_hello", "item_hello", AudioFixtures.Tone(200), cancellationToken: harness.Token);
        await second.SendAudioDoneAsync("resp_hello", "item_hello", cancellationToken: harness.Token);
        await second.SendResponseDoneAsync("resp_hello", cancellationToken: harness.Token);
        await second.WaitForEventCountAsync("response.create", 2, harness.Token);
        var goodbye = second.Received.Last(e => (string?)e["type"] == "response.create");
        Assert.Contains("time limit", (string?)goodbye["response"]!["instructions"], StringComparison.Ordinal);
        await second.SendAudioResponseAsync("resp_bye", "item_bye", AudioFixtures.Tone(200), cancellationToken: harness.Token);
        await caller.WaitForAudioBytesAsync(4800, harness.Token);
        // The greeting's two chunks and item mark, the goodbye's two chunks and item mark: all played, then the end.
        await caller.WaitForPendingMarksAsync(6, harness.Token);
        await caller.AckPendingMarksAsync(6, harness.Token);

        await harness.AssertCallEndedAsync(caller, WebSocketCloseStatus.NormalClosure, "max_duration");
        Assert.DoesNotContain(caller.Messages, m => m.Event == "clear");
        Assert.Equal(2, Count(second, "response.create"));
        Assert.Equal(0, Count(first, "response.create"));
        var record = await RecordAsync(system);
        Assert.Equal(("human", "max_duration"), ((string?)record["answeredBy"], (string?)record["endReason"]));
    }

    [Fact]
    public async Task LongReplacement_WhileAwaitingTheVerdict_NoApology_TheHeldLineReachesNeitherSession()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var system = await StartAsync(time);
        var harness = system.Harness;
        var (caller, first) = await StartOutboundCallAsync(harness);
        // A voicemail greeting plays throughout: before the drop, and while the new session's handshake hangs.
        await caller.SendAudioAsync(AudioFixtures.Tone(200), cancellationToken: harness.Token);
        await CallerReadBarrier.WaitUntilReadAsync(caller, harness.Server.Logs, harness.Token);
        await DropTheModelSessionAsync(harness, first);
        await caller.SendAudioAsync(AudioFixtures.Tone(200), cancellationToken: harness.Token);
        await CallerReadBarrier.WaitUntilReadAsync(caller, harness.Server.Logs, harness.Token);
        // Longer than the gap the agent would otherwise apologise for.
        time.Advance(TimeSpan.FromSeconds(4));

        var second = await ReleaseTheNewSessionAsync(harness);
        await harness.Server.WaitForLogCountAsync("ModelSessionReplaced", 1, harness.Token);
        using var response = await VerdictAsync(harness, caller.CallSid, "human");

        // On the new session's socket, in order: an apology or held audio would have come before the greeting.
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var greeting = await second.WaitForEventAsync("response.create", harness.Token);
        Assert.Contains(Greeting, (string?)greeting["response"]!["instructions"], StringComparison.Ordinal);
        Assert.Equal(1, Count(second, "response.create"));
        Assert.Equal(0, Count(second, "input_audio_buffer.append"));
        Assert.Equal(0, Count(first, "input_audio_buffer.append"));
        Assert.Equal(0, Count(first, "response.create"));
    }

    [Theory]
    [InlineData("human", Greeting)]
    [InlineData("machine_end_beep", Message)]
    public async Task Verdict_WhileARecycleFails_TheKeptSessionIsAskedForItOnce(string answeredBy, string expected)
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        // A 30 s session cap: the recycle is due 20 s in, at a quiet moment, which a call awaiting its verdict is.
        await using var system = await StartAsync(time, modelSessionMaxSeconds: "30");
        var harness = system.Harness;
        var (caller, first) = await StartOutboundCallAsync(harness, "leave_message", Message);
        harness.Realtime.HoldUpgrades();
        time.Advance(TimeSpan.FromSeconds(20));
        await harness.Realtime.WaitForUpgradeAttemptsAsync(2, harness.Token);

        using var response = await VerdictAsync(harness, caller.CallSid, answeredBy);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        harness.Realtime.RefuseUpgrades(403);
        harness.Realtime.ReleaseUpgrades();
        var request = await first.WaitForEventAsync("response.create", harness.Token);
        Assert.Contains(expected, (string?)request["response"]!["instructions"], StringComparison.Ordinal);
        Assert.Contains(harness.Server.Logs.Entries, e => e.EventName == "ModelSessionRecycleFailed");
        Assert.Equal(1, Count(first, "response.create"));
        Assert.Equal(1, harness.Realtime.ConnectionCount);
    }

    [Fact]
    public async Task AConfigurationNotBoundToTheCall_CannotMakeItWait_TheGreetingComesAtOnce()
    {
        await using var system = await StartAsync();
        var harness = system.Harness;
        var (caller, model) = await StartOutboundCallAsync(harness, bound: false);

        var greeting = await model.WaitForEventAsync("response.create", harness.Token);

        Assert.Contains(Greeting, (string?)greeting["response"]!["instructions"], StringComparison.Ordinal);
        using var response = await VerdictAsync(harness, caller.CallSid, "machine_end_beep");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Empty(system.Twilio.Requests);
    }

    [Fact]
    public async Task PlainParameters_CannotMakeACallWait_TheGreetingComesAtOnce()
    {
        await using var harness = await CallHarness.StartAsync();

        var (_, model) = await harness.StartCallAsync(CallHarness.Parameters(("greeting", Greeting), ("voicemailPolicy", "hangup")));

        var greeting = await model.WaitForEventAsync("response.create", harness.Token);
        Assert.Contains(Greeting, (string?)greeting["response"]!["instructions"], StringComparison.Ordinal);
    }
}
