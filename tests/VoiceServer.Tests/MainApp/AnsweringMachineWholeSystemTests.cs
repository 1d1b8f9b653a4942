using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json.Nodes;
using VoiceServer.Fakes;
using VoiceServer.Tests.Infrastructure;
using VoiceServer.TwilioEmulator;

namespace VoiceServer.Tests.MainApp;

/// <summary>
/// Outbound calls and answering machines across the whole system: the admin places the call through the main app,
/// a fake Twilio REST API on a real socket takes it (and, from the voice server, any hang-up); the test plays Twilio
/// fetching the call's TwiML, streaming the call to the voice server and POSTing its signed AMD callback; the main app
/// carries the verdict to the voice server, and the call runs as the agent's voicemail policy says.
/// </summary>
public sealed class AnsweringMachineWholeSystemTests
{
    private const string PublicBaseUrl = "wss://voice.example.com";
    private const string Greeting = "Hello, this is Rosa's Bakery calling about your order.";
    private const string Message = "Hello, this is Rosa's Bakery: your cake is ready for pick-up tomorrow from nine.";
    private const string PlacedSid = OutboundCallTests.PlacedSid;

    private static JsonObject Agent(string policy, string? message = null)
    {
        var agent = new JsonObject
        {
            ["name"] = "Rosa's Bakery reminders",
            ["prompt"] = "You remind customers of their orders.",
            ["greeting"] = Greeting,
            ["openAIKey"] = "sk-agent-own-key-0123456789",
            ["voicemailPolicy"] = policy,
        };
        if (message is not null)
        {
            agent["voicemailMessage"] = message;
        }

        return agent;
    }

    /// <summary>The main app and a voice server with Twilio REST credentials, both pointed at one fake Twilio REST API.</summary>
    private static async Task<(SystemHarness System, FakeHttpReceiver Twilio)> StartAsync(JsonObject agent, string backend = "sqlite", bool redis = false)
    {
        var redisUrl = redis ? TestRedis.Url.ToString() : null;
        var twilio = await FakeHttpReceiver.StartAsync();
        twilio.DefaultStatus = 201;
        twilio.ResponseBody = $$"""{"sid":"{{PlacedSid}}","account_sid":"{{OutboundCallTests.AccountSid}}","status":"queued","direction":"outbound-api"}""";
        var system = await SystemHarness.StartAsync(
            backend,
            extra: new Dictionary<string, string?> { ["TWILIO_ACCOUNT_SID"] = OutboundCallTests.AccountSid, ["TWILIO_API_BASE_URL"] = twilio.BaseAddress.ToString(), ["REDIS_URL"] = redisUrl },
            voiceSettings: new Dictionary<string, string?>
            {
                ["TWILIO_ACCOUNT_SID"] = OutboundCallTests.AccountSid,
                ["TWILIO_AUTH_TOKEN"] = SystemHarness.AuthToken,
                ["PUBLIC_BASE_URL"] = PublicBaseUrl,
                ["TWILIO_API_BASE_URL"] = twilio.BaseAddress.ToString(),
                ["REDIS_URL"] = redisUrl,
            });
        await system.CreateAgentAsync("bakery", OutboundCallTests.AgentNumber, agent);
        return (system, twilio);
    }

    /// <summary>The admin places the call and the callee answers: Twilio fetches the URL it was given, signed, and gets the TwiML.</summary>
    private static async Task<TwimlAnswer> PlaceAndAnswerAsync(SystemHarness system, FakeHttpReceiver twilio)
    {
        using var placed = await system.Admin.PostAsJsonAsync("/api/calls", new JsonObject { ["agentId"] = "bakery", ["to"] = OutboundCallTests.Callee }, system.Token);
        Assert.Equal(HttpStatusCode.Created, placed.StatusCode);
        var url = OutboundCallTests.Form(Assert.Single(twilio.Requests).Body)["Url"];
        var twiml = await FakeTwilioWebhook.PostAsync(new Uri(url), SystemHarness.AuthToken, new Dictionary<string, string>
        {
            ["AccountSid"] = OutboundCallTests.AccountSid,
            ["CallSid"] = PlacedSid,
            ["From"] = OutboundCallTests.AgentNumber,
            ["To"] = OutboundCallTests.Callee,
            ["CallStatus"] = "in-progress",
            ["Direction"] = "outbound-api",
        }, system.Token);
        Assert.Equal(HttpStatusCode.OK, twiml.Status);
        // The voicemail policy travels inside the signed token only.
        Assert.Equal(["CallSid", "From", "To"], twiml.Parameters.Keys.Where(k => !k.StartsWith("config", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
        return twiml;
    }

    /// <summary>Twilio streams the answered call to the voice server, which has it ready (and listed) when this returns.</summary>
    private static Task<(FakeTwilioCaller Caller, FakeRealtimeConnection Model)> StreamAsync(SystemHarness system, TwimlAnswer twiml, MarkMode marks = MarkMode.Immediate) =>
        system.Voice.StartCallAsync(twiml.Parameters, new FakeTwilioCallerOptions
        {
            CallSid = PlacedSid,
            MarkMode = marks,
            SignatureAuthToken = SystemHarness.AuthToken,
            SignatureUrl = PublicBaseUrl + "/api/twilio/media-stream",
        });

    private static async Task AnsweredByAsync(SystemHarness system, string answeredBy, string callSid = PlacedSid, string? authToken = SystemHarness.AuthToken, string accountSid = OutboundCallTests.AccountSid)
    {
        using var response = await OutboundCallTests.PostSignedAsync(system, "/api/twilio/amd", OutboundCallTests.AmdForm(callSid, answeredBy, accountSid), authToken);
        Assert.Equal(authToken == SystemHarness.AuthToken && accountSid == OutboundCallTests.AccountSid ? HttpStatusCode.NoContent : HttpStatusCode.Forbidden, response.StatusCode);
    }

    private static async Task<JsonObject> StoredRecordAsync(SystemHarness system)
    {
        await system.Logs.WaitForAsync(e => e.EventName == "Stored", system.Token);
        var calls = await system.Admin.GetFromJsonAsync<JsonArray>("/api/calls?agentId=bakery", system.Token);
        return Assert.Single(calls!)!.AsObject();
    }

    private static int Count(FakeRealtimeConnection model, string type) => model.Received.Count(e => (string?)e["type"] == type);

    [Theory]
    [MemberData(nameof(SystemHarness.Backends), MemberType = typeof(SystemHarness))]
    public async Task ToAPerson_TheAgentWaitsForTheVerdict_ThenGreets_NormalConversation(string backend)
    {
        var (system, twilio) = await StartAsync(Agent("leave_message", Message), backend);
        await using var _ = system;
        await using var __ = twilio;
        var twiml = await PlaceAndAnswerAsync(system, twilio);
        var (caller, model) = await StreamAsync(system, twiml);
        await caller.SendAudioAsync(AudioFixtures.Tone(200), cancellationToken: system.Token);
        await CallerReadBarrier.WaitUntilReadAsync(caller, system.Voice.Server.Logs, system.Token);

        await AnsweredByAsync(system, "human");

        var greeting = await model.WaitForEventAsync("response.create", system.Token);
        Assert.Contains(Greeting, (string?)greeting["response"]!["instructions"], StringComparison.Ordinal);
        await model.SendAudioResponseAsync("resp_hello", "item_hello", AudioFixtures.Tone(200), cancellationToken: system.Token);
        await caller.WaitForAudioBytesAsync(1600, system.Token);
        await caller.SendAudioAsync(AudioFixtures.Tone(20), cancellationToken: system.Token);
        await model.WaitForEventAsync("input_audio_buffer.append", system.Token);
        // The person's "Hello?" before the verdict never reached the model; what they say now does.
        Assert.Equal(1, Count(model, "input_audio_buffer.append"));
        await caller.SendStopAsync(system.Token);

        var record = await StoredRecordAsync(system);
        Assert.Equal(("human", "caller_stopped"), ((string?)record["answeredBy"], (string?)record["endReason"]));
        Assert.Equal("human", (string?)record["record"]!["answeredBy"]);
        Assert.Single(twilio.Requests);
        Assert.Contains(system.Logs.Entries, e => e.EventName == "Delivered" && e.Message.Contains(PlacedSid, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ToAMachine_HangUpPolicy_TwilioRestHangsUp_MachineHungUp()
    {
        var (system, twilio) = await StartAsync(Agent("hangup"));
        await using var _ = system;
        await using var __ = twilio;
        var twiml = await PlaceAndAnswerAsync(system, twilio);
        var (caller, model) = await StreamAsync(system, twiml);

        await AnsweredByAsync(system, "machine_end_beep");

        await system.Voice.AssertCallEndedAsync(caller, WebSocketCloseStatus.NormalClosure, "machine_hung_up");
        Assert.Equal(2, twilio.Requests.Count);
        var hangUp = twilio.Requests[1];
        Assert.Equal(("POST", $"/2010-04-01/Accounts/{OutboundCallTests.AccountSid}/Calls/{PlacedSid}.json"), (hangUp.Method, hangUp.Path));
        Assert.Equal("completed", OutboundCallTests.Form(hangUp.Body)["Status"]);
        var record = await StoredRecordAsync(system);
        Assert.Equal(("machine_end_beep", "machine_hung_up"), ((string?)record["answeredBy"], (string?)record["endReason"]));
        Assert.Equal(0, Count(model, "response.create"));
    }

    [Fact]
    public async Task ToAMachine_LeaveMessagePolicy_TheMessageOnceAfterTheBeep_ThenVoicemailLeft()
    {
        var (system, twilio) = await StartAsync(Agent("leave_message", Message));
        await using var _ = system;
        await using var __ = twilio;
        var twiml = await PlaceAndAnswerAsync(system, twilio);
        var (caller, model) = await StreamAsync(system, twiml);
        // The machine's greeting and beep: never heard by the model.
        await caller.SendAudioAsync(AudioFixtures.Tone(400), cancellationToken: system.Token);

        await AnsweredByAsync(system, "machine_end_beep");

        var request = await model.WaitForEventAsync("response.create", system.Token);
        Assert.Contains($"\"{Message}\"", (string?)request["response"]!["instructions"], StringComparison.Ordinal);
        await model.SendAudioResponseAsync("resp_vm", "item_vm", AudioFixtures.Tone(400), cancellationToken: system.Token);
        await system.Voice.AssertCallEndedAsync(caller, WebSocketCloseStatus.NormalClosure, "voicemail_left");
        Assert.Equal(3200, caller.ReceivedAudio.Length);
        Assert.Equal(0, Count(model, "input_audio_buffer.append"));
        Assert.Equal(1, Count(model, "response.create"));
        var record = await StoredRecordAsync(system);
        Assert.Equal(("machine_end_beep", "voicemail_left"), ((string?)record["answeredBy"], (string?)record["endReason"]));
        Assert.Single(twilio.Requests);
    }

    [Fact]
    public async Task TheVerdictRacesAheadOfTheStream_RetriedUntilTheCallIsHeld()
    {
        var (system, twilio) = await StartAsync(Agent("hangup"));
        await using var _ = system;
        await using var __ = twilio;
        var twiml = await PlaceAndAnswerAsync(system, twilio);

        // A person says hello at once: Twilio's verdict comes before the stream has reached the voice server.
        await AnsweredByAsync(system, "human");
        await system.Logs.WaitForAsync(e => e.EventName == "Retrying" && e.Message.Contains("not_found", StringComparison.Ordinal), system.Token);
        var (_, model) = await StreamAsync(system, twiml);

        var greeting = await model.WaitForEventAsync("response.create", system.Token);
        Assert.Contains(Greeting, (string?)greeting["response"]!["instructions"], StringComparison.Ordinal);
        await system.Logs.WaitForAsync(e => e.EventName == "Delivered" && e.Message.Contains(PlacedSid, StringComparison.Ordinal), system.Token);
        Assert.Contains(system.Voice.Server.Logs.Entries, e => e.EventName == "CommandHandled" && e.Message.Contains("not_found", StringComparison.Ordinal));
    }

    [Fact]
    public async Task OverRedis_AMachinesVerdictAheadOfTheStream_RetriedUntilTheHoldingInstanceSubscribes_HungUp()
    {
        var (system, twilio) = await StartAsync(Agent("hangup"), redis: true);
        await using var _ = system;
        await using var __ = twilio;
        var twiml = await PlaceAndAnswerAsync(system, twilio);

        // No instance subscribes to the call's channel yet: PUBLISH reaches nobody, which is "not found".
        await AnsweredByAsync(system, "machine_end_silence");
        await system.Logs.WaitForAsync(e => e.EventName == "Retrying" && e.Message.Contains("not_found", StringComparison.Ordinal), system.Token);
        var (caller, model) = await StreamAsync(system, twiml);

        await system.Voice.AssertCallEndedAsync(caller, WebSocketCloseStatus.NormalClosure, "machine_hung_up");
        Assert.Equal("completed", OutboundCallTests.Form(twilio.Requests[1].Body)["Status"]);
        Assert.Contains(system.Voice.Server.Logs.Entries, e => e.EventName == "CommandHandled" && e.Message.Contains("(redis,", StringComparison.Ordinal));
        var record = await StoredRecordAsync(system);
        Assert.Equal(("machine_end_silence", "machine_hung_up"), ((string?)record["answeredBy"], (string?)record["endReason"]));
        Assert.Equal(0, Count(model, "response.create"));
    }

    [Fact]
    public async Task AnInboundCallToTheSameAgent_DoesNotWait_TheGreetingAtOnce()
    {
        var (system, twilio) = await StartAsync(Agent("hangup"));
        await using var _ = system;
        await using var __ = twilio;
        var callSid = TwilioIds.NewCallSid();
        var twiml = await system.CallAsync(OutboundCallTests.AgentNumber, callSid);

        var (_, model) = await system.Voice.StartCallAsync(twiml.Parameters, new FakeTwilioCallerOptions
        {
            CallSid = callSid,
            SignatureAuthToken = SystemHarness.AuthToken,
            SignatureUrl = PublicBaseUrl + "/api/twilio/media-stream",
        });

        var greeting = await model.WaitForEventAsync("response.create", system.Token);
        Assert.Contains(Greeting, (string?)greeting["response"]!["instructions"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task ForgedVerdicts_UnsignedWrongAccountOrAnotherCall_NeverReachTheCall()
    {
        var (system, twilio) = await StartAsync(Agent("hangup"));
        await using var _ = system;
        await using var __ = twilio;
        var twiml = await PlaceAndAnswerAsync(system, twilio);
        var (caller, model) = await StreamAsync(system, twiml);

        await AnsweredByAsync(system, "machine_end_beep", authToken: null);
        await AnsweredByAsync(system, "machine_end_beep", authToken: "another-accounts-auth-token-0123");
        await AnsweredByAsync(system, "machine_end_beep", accountSid: "AC99999999999999999999999999999999");
        // Signed by Twilio, but for a call the app did not place: stored nowhere, sent nowhere.
        await AnsweredByAsync(system, "machine_end_beep", callSid: TwilioIds.NewCallSid());
        // The genuine verdict, delivered, marks the point by which anything sent before it has arrived.
        await AnsweredByAsync(system, "human");
        await system.Logs.WaitForAsync(e => e.EventName == "Delivered", system.Token);

        Assert.Single(system.Voice.Server.Logs.Entries, e => e.EventName == "CommandHandled");
        Assert.Single(system.Logs.Entries, e => e.EventName == "Delivered");
        Assert.Single(twilio.Requests);
        Assert.Equal(WebSocketState.Open, caller.State);
        var greeting = await model.WaitForEventAsync("response.create", system.Token);
        Assert.Contains(Greeting, (string?)greeting["response"]!["instructions"], StringComparison.Ordinal);

        // Twilio's callback replayed word for word (its signature has no nonce): the call has its verdict, and keeps it.
        using var replayed = await OutboundCallTests.PostSignedAsync(system, "/api/twilio/amd", OutboundCallTests.AmdForm(PlacedSid, "human"));
        Assert.Equal(HttpStatusCode.NoContent, replayed.StatusCode);
        var refused = await system.Logs.WaitForAsync(e => e.EventName == "NotDelivered", system.Token);
        Assert.Contains("conflict", refused.Message, StringComparison.Ordinal);
        Assert.Equal(WebSocketState.Open, caller.State);
        Assert.Single(twilio.Requests);
    }
}
