using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using VoiceServer.PlivoEmulator;
using VoiceServer.TelnyxEmulator;
using VoiceServer.TwilioEmulator;

namespace VoiceServer.Tests.MainApp;

/// <summary>
/// The whole system for the other providers, on both databases: the provider's signed webhook to the main app, its
/// answer followed by the provider's fake caller to the voice server (TeXML's parameters in Telnyx's <c>start</c>,
/// Plivo's stream URL with its query as written), the agent's greeting heard, and the call record stored in the main
/// app under the provider's own call id.
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
