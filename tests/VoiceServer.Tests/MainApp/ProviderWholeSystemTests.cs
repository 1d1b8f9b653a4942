using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using VoiceServer.PlivoEmulator;
using VoiceServer.TelnyxEmulator;
using VoiceServer.TwilioEmulator;
using VoiceServer.VonageEmulator;

namespace VoiceServer.Tests.MainApp;

/// <summary>
/// The whole system for the other providers, on both databases: the provider's signed webhook to the main app, its
/// answer followed by the provider's fake caller to the voice server (TeXML's parameters in Telnyx's <c>start</c>,
/// Plivo's stream URL with its query as written, Vonage's NCCO headers in the first message and its authorization on the
/// upgrade), the agent's greeting heard, and the call record stored in the main app under the provider's own call id.
/// </summary>
public sealed class ProviderWholeSystemTests
{
    private const string AgentKey = "sk-agent-own-key-0123456789";

    [Theory]
    [MemberData(nameof(SystemHarness.Backends), MemberType = typeof(SystemHarness))]
    public async Task TelnyxCall_FromTheWebhook_ToTheAgentsReply_AndItsRecord(string backend)
    {
        using var telnyx = new FakeTelnyxWebhook();
        await using var system = await TelnyxVoiceWebhookTests.StartAsync(telnyx, backend);
        await system.CreateAgentAsync("bakery", "+15557002000", TelnyxVoiceWebhookTests.Agent(), provider: "telnyx");
        var callSid = FakeTelnyxWebhook.NewCallSid();

        var texml = await telnyx.PostAsync(TelnyxVoiceWebhookTests.WebhookUrl(system), FakeTelnyxWebhook.IncomingCall("+15557002000", callSid), system.Token);
        Assert.Equal(HttpStatusCode.OK, texml.Status);

        // Telnyx opens the Stream URL and hands the TeXML's parameters over in start, with the call's call_control_id.
        await using var caller = await FakeTelnyxCaller.ConnectAsync(texml.StreamUrl!, TelnyxMarkMode.Immediate, callControlId: callSid, cancellationToken: system.Token);
        await caller.SendConnectedAsync(system.Token);
        await caller.SendStartAsync(texml.Parameters, system.Token);
        await HearTheGreetingAsync(system, caller.WaitForAudioBytesAsync);
        await caller.SendStopAsync(system.Token);

        await AssertRecordedAsync(system, callSid);
    }

    [Theory]
    [MemberData(nameof(SystemHarness.Backends), MemberType = typeof(SystemHarness))]
    public async Task PlivoCall_FromTheAnswerUrl_ToTheAgentsReply_AndItsRecord(string backend)
    {
        await using var system = await PlivoVoiceWebhookTests.StartAsync(backend);
        await system.CreateAgentAsync("bakery", PlivoVoiceWebhookTests.Number, TelnyxVoiceWebhookTests.Agent(), provider: "plivo");
        var callUuid = Guid.NewGuid().ToString();

        var xml = await FakePlivoWebhook.PostAsync(PlivoVoiceWebhookTests.AnswerUrl(system), FakePlivoWebhook.IncomingCall(PlivoVoiceWebhookTests.Number, callUuid), PlivoVoiceWebhookTests.AuthToken, system.Token);
        Assert.Equal(HttpStatusCode.OK, xml.Status);

        // Plivo opens the stream URL as written, its query (the signed configuration) included, and names the call in start.
        await using var caller = await FakePlivoCaller.ConnectAsync(xml.StreamUrl!, PlivoCheckpointMode.Immediate, callId: callUuid, cancellationToken: system.Token);
        await caller.SendStartAsync(system.Token);
        await HearTheGreetingAsync(system, caller.WaitForAudioBytesAsync);
        await caller.SendStopAsync(system.Token);

        await AssertRecordedAsync(system, callUuid);
    }

    [Theory]
    [MemberData(nameof(SystemHarness.Backends), MemberType = typeof(SystemHarness))]
    public async Task VonageCall_FromTheAnswerUrl_ToTheAgentsReply_AndItsRecord(string backend)
    {
        await using var system = await VonageWebhookTests.StartAsync(backend);
        await system.CreateAgentAsync("bakery", VonageWebhookTests.Number, TelnyxVoiceWebhookTests.Agent(), provider: "vonage");
        var uuid = Guid.NewGuid().ToString();

        using var request = FakeVonageWebhook.Get(VonageWebhookTests.AnswerUrl(system), FakeVonageWebhook.IncomingCall(VonageWebhookTests.Number[1..], uuid), FakeVonageWebhook.Token());
        var (status, ncco, _) = await VonageWebhookTests.SendAsync(system, request);
        Assert.Equal(HttpStatusCode.OK, status);

        // Vonage dials the NCCO's websocket: its authorization on the upgrade, its headers merged into the first message.
        var endpoint = ncco![0]!["endpoint"]![0]!;
        var headers = endpoint["headers"]!.AsObject().Where(static h => h.Key != "CallSid").ToDictionary(static h => h.Key, static h => (string)h.Value!);
        await using var caller = await FakeVonageCaller.ConnectAsync(
            new Uri((string)endpoint["uri"]!), VonageNotifyMode.Immediate, authorization: (string?)endpoint["authorization"]!["value"], callUuid: uuid, cancellationToken: system.Token);
        await caller.SendFirstMessageAsync(headers, system.Token);

        var model = await system.Voice.Realtime.WaitForConnectionAsync(0, system.Token);
        Assert.Equal($"Bearer {AgentKey}", model.Headers["Authorization"]);
        await model.WaitForEventAsync("session.update", system.Token);
        var session = model.SessionUpdates[0]["session"]!;
        Assert.Equal("You are the front desk of Rosa's Bakery.", (string?)session["instructions"]);
        Assert.Equal("audio/pcm", (string?)session["audio"]!["output"]!["format"]!["type"]);
        await model.WaitForEventAsync("response.create", system.Token);
        // 200 ms of the model's 24 kHz PCM reaches the caller as 16 kHz frames: at least 100 ms of it (3,200 bytes).
        await model.SendAudioResponseAsync("resp_1", "item_1", new byte[9_600], chunkBytes: 4_800, cancellationToken: system.Token);
        await caller.WaitForAudioBytesAsync(3_200, system.Token);
        await caller.HangUpAsync(system.Token);

        await system.Logs.WaitForAsync(e => e.EventName == "Stored", system.Token);
        var calls = await system.Admin.GetFromJsonAsync<JsonArray>("/api/calls?agentId=bakery", system.Token);
        var record = Assert.Single(calls!)!;
        Assert.Equal(uuid, (string?)record["callSid"]);
        Assert.Equal("bakery", (string?)record["record"]!["agentId"]);
        Assert.DoesNotContain(system.Logs.Entries, e => e.Message.Contains(AgentKey, StringComparison.Ordinal));
    }

    [Fact]
    public async Task VonageConfiguration_OnAnotherCallsStream_Refused_NothingUpstream()
    {
        await using var system = await VonageWebhookTests.StartAsync();
        await system.CreateAgentAsync("bakery", VonageWebhookTests.Number, TelnyxVoiceWebhookTests.Agent(), provider: "vonage");

        using var request = FakeVonageWebhook.Get(VonageWebhookTests.AnswerUrl(system), FakeVonageWebhook.IncomingCall(VonageWebhookTests.Number[1..], Guid.NewGuid().ToString()), FakeVonageWebhook.Token());
        var (_, ncco, _) = await VonageWebhookTests.SendAsync(system, request);
        var endpoint = ncco![0]!["endpoint"]![0]!;

        // The token is good for its own call only: another call's uuid in the first message is refused before the model.
        await using var caller = await FakeVonageCaller.ConnectAsync(
            new Uri((string)endpoint["uri"]!), VonageNotifyMode.Immediate, authorization: (string?)endpoint["authorization"]!["value"], callUuid: Guid.NewGuid().ToString(), cancellationToken: system.Token);
        await caller.SendFirstMessageAsync(headers: null, system.Token);
        var (status, _) = await caller.WaitForCloseAsync(system.Token);
        Assert.Equal(System.Net.WebSockets.WebSocketCloseStatus.PolicyViolation, status);
        Assert.Equal(0, system.Voice.Realtime.ConnectionCount);
    }

    [Fact]
    public async Task TelnyxConfiguration_OnAnotherCallsStream_Refused_NothingUpstream()
    {
        using var telnyx = new FakeTelnyxWebhook();
        await using var system = await TelnyxVoiceWebhookTests.StartAsync(telnyx);
        await system.CreateAgentAsync("bakery", "+15557002000", TelnyxVoiceWebhookTests.Agent(), provider: "telnyx");

        var texml = await telnyx.PostAsync(TelnyxVoiceWebhookTests.WebhookUrl(system), FakeTelnyxWebhook.IncomingCall("+15557002000", FakeTelnyxWebhook.NewCallSid()), system.Token);

        await using var caller = await FakeTelnyxCaller.ConnectAsync(texml.StreamUrl!, TelnyxMarkMode.Immediate, callControlId: FakeTelnyxWebhook.NewCallSid(), cancellationToken: system.Token);
        await caller.SendStartAsync(texml.Parameters, system.Token);
        var (status, _) = await caller.WaitForCloseAsync(system.Token);
        Assert.Equal(System.Net.WebSockets.WebSocketCloseStatus.PolicyViolation, status);
        Assert.Equal(0, system.Voice.Realtime.ConnectionCount);
    }

    [Fact]
    public async Task PlivoConfiguration_OnAnotherCallsStream_Refused_NothingUpstream()
    {
        await using var system = await PlivoVoiceWebhookTests.StartAsync();
        await system.CreateAgentAsync("bakery", PlivoVoiceWebhookTests.Number, TelnyxVoiceWebhookTests.Agent(), provider: "plivo");

        var xml = await FakePlivoWebhook.PostAsync(PlivoVoiceWebhookTests.AnswerUrl(system), FakePlivoWebhook.IncomingCall(PlivoVoiceWebhookTests.Number, Guid.NewGuid().ToString()), PlivoVoiceWebhookTests.AuthToken, system.Token);

        await using var caller = await FakePlivoCaller.ConnectAsync(xml.StreamUrl!, PlivoCheckpointMode.Immediate, callId: Guid.NewGuid().ToString(), cancellationToken: system.Token);
        await caller.SendStartAsync(system.Token);
        var (status, _) = await caller.WaitForCloseAsync(system.Token);
        Assert.Equal(System.Net.WebSockets.WebSocketCloseStatus.PolicyViolation, status);
        Assert.Equal(0, system.Voice.Realtime.ConnectionCount);
    }

    /// <summary>The model is configured from the signed configuration (the agent's key and prompt) and its greeting reaches the caller.</summary>
    private static async Task HearTheGreetingAsync(SystemHarness system, Func<int, CancellationToken, Task> waitForAudioBytes)
    {
        var model = await system.Voice.Realtime.WaitForConnectionAsync(0, system.Token);
        Assert.Equal($"Bearer {AgentKey}", model.Headers["Authorization"]);
        await model.WaitForEventAsync("session.update", system.Token);
        Assert.Equal("You are the front desk of Rosa's Bakery.", (string?)model.SessionUpdates[0]["session"]!["instructions"]);
        await model.WaitForEventAsync("response.create", system.Token);
        await model.SendAudioResponseAsync("resp_1", "item_1", AudioFixtures.Tone(200), cancellationToken: system.Token);
        await waitForAudioBytes(1600, system.Token);
    }

    private static async Task AssertRecordedAsync(SystemHarness system, string providerCallId)
    {
        await system.Logs.WaitForAsync(e => e.EventName == "Stored", system.Token);
        var calls = await system.Admin.GetFromJsonAsync<JsonArray>("/api/calls?agentId=bakery", system.Token);
        var record = Assert.Single(calls!)!;
        Assert.Equal(providerCallId, (string?)record["callSid"]);
        Assert.Equal("caller_stopped", (string?)record["endReason"]);
        Assert.Equal("bakery", (string?)record["record"]!["agentId"]);
        Assert.DoesNotContain(system.Logs.Entries, e => e.Message.Contains(AgentKey, StringComparison.Ordinal));
    }
}
