using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using OpenTelemetry.Trace;
using VoiceServer.Diagnostics;
using VoiceServer.Fakes;
using VoiceServer.MainApp.Hosting;
using VoiceServer.Tests.Calls;
using VoiceServer.Tests.Infrastructure;
using VoiceServer.TwilioEmulator;
using Xunit.Abstractions;

namespace VoiceServer.Tests.MainApp;

/// <summary>
/// One trace for one call across both programs: Twilio's voice webhook on the main app, the call on the voice server
/// (parented through the signed configuration's traceparent), with a barge-in and a tool call, and its record stored
/// by the main app. The tree is written to the test's output (docs/operations.md#traces shows one).
/// </summary>
public sealed class TracingWholeSystemTests(ITestOutputHelper output)
{
    private const string Number = "+15557001234";
    private const string AgentKey = "sk-agent-own-key-for-traces-0123456789";

    [Fact]
    public async Task IncomingCall_FromWebhookToStoredRecord_IsOneTrace()
    {
        var spans = new ExportedSpanCollection();
        await using var tool = await FakeHttpReceiver.StartAsync();
        tool.ResponseBody = """{"status":"shipped"}""";
        await using var system = await SystemHarness.StartAsync(
            "sqlite",
            services: services => services.AddOpenTelemetry().WithTracing(tracing => tracing.AddMainAppTracing().AddInMemoryExporter(spans)),
            voiceServices: TracingTests.Traced(spans));
        await system.CreateAgentAsync("bakery", Number, new JsonObject
        {
            ["name"] = "Rosa's Bakery front desk",
            ["prompt"] = "You are the front desk of Rosa's Bakery.",
            ["voice"] = "marin",
            ["openAIKey"] = AgentKey,
            ["tools"] = new JsonArray(new JsonObject { ["name"] = "lookup_order", ["description"] = "Find an order", ["url"] = tool.Url("/orders").ToString() }).ToJsonString(),
        });
        var callSid = TwilioIds.NewCallSid();

        var twiml = await system.CallAsync(Number, callSid);
        Assert.Equal(HttpStatusCode.OK, twiml.Status);
        // The traceparent travels inside the signed, encrypted token: the TwiML names no such parameter.
        Assert.DoesNotContain("traceparent", twiml.Body, StringComparison.Ordinal);

        await using var caller = await FakeTwilioCaller.ConnectAsync(twiml.StreamUrl!, new FakeTwilioCallerOptions { CallSid = callSid, MarkMode = MarkMode.Immediate }, system.Token);
        await caller.SendConnectedAsync(system.Token);
        await caller.SendStartAsync(twiml.Parameters, cancellationToken: system.Token);
        var model = await system.Voice.Realtime.WaitForConnectionAsync(0, system.Token);
        // Agent audio is relayed once the session is confirmed: the server says so in its log.
        await system.Voice.Server.Logs.WaitForAsync(e => e.EventName == "CallReady", system.Token);
        // The agent speaks, the caller cuts in; then the agent looks an order up and answers.
        await model.SendResponseCreatedAsync("resp_1", system.Token);
        await model.SendOutputItemAddedAsync("resp_1", "item_1", system.Token);
        await model.SendAudioDeltaAsync("resp_1", "item_1", AudioFixtures.Tone(400), cancellationToken: system.Token);
        await caller.WaitForAudioBytesAsync(3200, system.Token);
        await model.SendSpeechStartedAsync(cancellationToken: system.Token);
        await caller.WaitForClearAsync(system.Token);
        await model.SendResponseCreatedAsync("resp_2", system.Token);
        await model.SendFunctionCallAsync("resp_2", "item_fc", "call_1", "lookup_order", """{"orderId":"A-17"}""", system.Token);
        await model.SendResponseDoneAsync("resp_2", "completed", system.Token);
        await model.WaitForEventAsync("response.create", system.Token);
        await model.SendAudioResponseAsync("resp_3", "item_3", AudioFixtures.Tone(200), cancellationToken: system.Token);
        await caller.WaitForAudioBytesAsync(3200 + 1600, system.Token);
        await caller.SendStopAsync(system.Token);

        var call = await spans.WaitForAsync(span => span.OperationName == CallTracing.CallSpan && span.GetTagItem(CallTracing.CallSidAttribute) as string == callSid, system.Token);
        var delivery = await spans.WaitForAsync(span => span.OperationName == CallTracing.RecordDeliverySpan && span.ParentSpanId == call.SpanId, system.Token);
        var recordPost = await spans.WaitForAsync(span => span.ParentSpanId == delivery.SpanId && span.Kind == ActivityKind.Client, system.Token);
        var stored = await spans.WaitForAsync(span => span.ParentSpanId == recordPost.SpanId && span.Kind == ActivityKind.Server, system.Token);
        var trace = spans.InTrace(call.TraceId);

        // The main app's webhook span is the call's parent.
        var webhook = Assert.Single(trace, span => span.SpanId == call.ParentSpanId);
        Assert.Equal((ActivityKind.Server, "/api/twilio/voice"), (webhook.Kind, webhook.GetTagItem("url.path") as string));
        Assert.Equal(webhook.TraceId, call.TraceId);
        Assert.Equal("signed", call.GetTagItem(CallTracing.TraceParentAttribute) as string);
        Assert.Equal("bakery", call.GetTagItem(CallTracing.AgentIdAttribute) as string);

        // ...and the main app's records endpoint, reached by the voice server's POST, is the last of its descendants.
        Assert.Equal(("/api/calls/events", 200), (stored.GetTagItem("url.path") as string, Convert.ToInt32(stored.GetTagItem("http.response.status_code"), System.Globalization.CultureInfo.InvariantCulture)));
        Assert.All([webhook, call, delivery, recordPost, stored], span => Assert.Equal(call.TraceId, span.TraceId));
        var calls = await system.Admin.GetFromJsonAsync<JsonArray>("/api/calls?agentId=bakery", system.Token);
        Assert.Equal(callSid, (string?)Assert.Single(calls!)!["callSid"]);

        Assert.Contains(trace, span => span.OperationName == "execute_tool lookup_order" && span.ParentSpanId == call.SpanId);
        Assert.Contains(trace, span => span.OperationName == CallTracing.BargeInSpan && span.ParentSpanId == call.SpanId);
        TracingTests.AssertNoSpanHolds(trace, AgentKey, SystemHarness.EventsKey, SystemHarness.ConfigKey);
        output.WriteLine(ExportedSpanCollection.FormatTree(spans.InTrace(call.TraceId)));
    }
}
