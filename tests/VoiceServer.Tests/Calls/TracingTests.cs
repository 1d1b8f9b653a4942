using System.Diagnostics;
using System.Text.Json.Nodes;
using OpenTelemetry.Trace;
using VoiceServer.Diagnostics;
using VoiceServer.Fakes;
using VoiceServer.Hosting;
using VoiceServer.Tests.Infrastructure;
using VoiceServer.TwilioEmulator;

namespace VoiceServer.Tests.Calls;

/// <summary>
/// A call's spans from the real host, collected by OpenTelemetry's in-memory exporter: the tree of a call with a
/// barge-in and a tool call, where its parent comes from, and what never appears in a span.
/// </summary>
public sealed class TracingTests
{
    private const string ToolSecret = "tool-secret-in-the-url-0123";
    private const string ToolArgument = "order-A-17-of-the-caller";

    private static readonly FakeTwilioCallerOptions s_immediateMarks = new() { MarkMode = MarkMode.Immediate };

    /// <summary>The server's own tracing, exported in memory instead of over OTLP.</summary>
    internal static Action<IServiceCollection> Traced(ExportedSpanCollection spans) =>
        services => services.AddOpenTelemetry().WithTracing(tracing => tracing.AddVoiceServerTracing().AddInMemoryExporter(spans));

    private static string LookupTool(FakeHttpReceiver receiver) =>
        new JsonArray(new JsonObject
        {
            ["name"] = "lookup_order",
            ["description"] = "Find an order",
            ["parameters"] = new JsonObject { ["type"] = "object", ["properties"] = new JsonObject { ["orderId"] = new JsonObject { ["type"] = "string" } } },
            ["url"] = receiver.Url($"/tools/orders?key={ToolSecret}").ToString(),
        }).ToJsonString();

    private static string? Tag(Activity span, string name) => span.GetTagItem(name)?.ToString();

    /// <summary>The media-stream request's span, the call's parent; it ends once the call's request has returned.</summary>
    private static Task<Activity> UpgradeSpanAsync(ExportedSpanCollection spans, Activity call, CancellationToken cancellationToken) =>
        spans.WaitForAsync(span => span.TraceId == call.TraceId && span.SpanId == call.ParentSpanId, cancellationToken);

    private static Task<Activity> CallSpanAsync(ExportedSpanCollection spans, string callSid, CancellationToken cancellationToken) =>
        spans.WaitForAsync(span => span.OperationName == CallTracing.CallSpan && Tag(span, CallTracing.CallSidAttribute) == callSid, cancellationToken);

    [Fact]
    public async Task CallWithBargeInAndToolCall_IsOneSpanTree_UnderTheUpgradesRequest()
    {
        var spans = new ExportedSpanCollection();
        await using var receiver = await FakeHttpReceiver.StartAsync();
        receiver.ResponseBody = """{"status":"shipped"}""";
        await using var harness = await CallHarness.StartAsync(
            settings: new Dictionary<string, string?> { ["CALL_EVENTS_URL"] = receiver.Url("/records").ToString() },
            services: Traced(spans));
        var (caller, model) = await harness.StartCallAsync(CallHarness.Parameters(("tools", LookupTool(receiver))), s_immediateMarks);

        // The agent speaks and the caller cuts it off (the model cancels the response itself).
        await model.SendResponseCreatedAsync("resp_1", harness.Token);
        await model.SendOutputItemAddedAsync("resp_1", "item_1", harness.Token);
        await model.SendAudioDeltaAsync("resp_1", "item_1", AudioFixtures.Tone(400), cancellationToken: harness.Token);
        await caller.WaitForAudioBytesAsync(3200, harness.Token);
        await model.SendSpeechStartedAsync(cancellationToken: harness.Token);
        await caller.WaitForClearAsync(harness.Token);
        await harness.Server.WaitForLogCountAsync("ResponseDone", 1, harness.Token);

        // The next response calls a webhook tool; its output brings a follow-up response.
        await model.SendResponseCreatedAsync("resp_2", harness.Token);
        await model.SendFunctionCallAsync("resp_2", "item_fc", "call_1", "lookup_order", $$"""{"orderId":"{{ToolArgument}}"}""", harness.Token);
        await model.SendResponseDoneAsync("resp_2", "completed", harness.Token);
        await model.WaitForEventAsync("response.create", harness.Token);
        await model.SendAudioResponseAsync("resp_3", "item_3", AudioFixtures.Tone(200), cancellationToken: harness.Token);
        await harness.Server.WaitForLogCountAsync("ResponseDone", 3, harness.Token);
        await caller.SendStopAsync(harness.Token);

        var call = await CallSpanAsync(spans, caller.CallSid, harness.Token);
        var delivery = await spans.WaitForAsync(span => span.OperationName == CallTracing.RecordDeliverySpan && span.ParentSpanId == call.SpanId, harness.Token);
        var recordPost = await spans.WaitForAsync(span => span.ParentSpanId == delivery.SpanId && span.Kind == ActivityKind.Client, harness.Token);
        // The call's parent is the media-stream upgrade's request span (Twilio sends no traceparent), which ends last.
        var upgrade = await UpgradeSpanAsync(spans, call, harness.Token);
        var trace = spans.InTrace(call.TraceId);
        Assert.Equal(ActivityKind.Server, upgrade.Kind);
        Assert.Equal("/api/twilio/media-stream", Tag(upgrade, "url.path"));

        Assert.Equal(
            (CallHarness.AgentId, "twilio", "caller_stopped", ActivityStatusCode.Unset),
            (Tag(call, CallTracing.AgentIdAttribute), Tag(call, CallTracing.ProviderAttribute), Tag(call, CallTracing.EndReasonAttribute), call.Status));
        Assert.Equal(caller.StreamSid, Tag(call, CallTracing.StreamSidAttribute));

        var children = trace.Where(span => span.ParentSpanId == call.SpanId).ToList();
        Assert.Equal(
            ["barge_in", "execute_tool lookup_order", "model.connect", "model.session", "record.delivery", "response", "response", "response"],
            children.Select(span => span.DisplayName).Order(StringComparer.Ordinal));

        var session = Assert.Single(children, span => span.OperationName == CallTracing.ModelSessionSpan);
        Assert.Equal(["session.created", "session.update", "session.updated"], session.Events.Select(e => e.Name).Order(StringComparer.Ordinal));

        var responses = children.Where(span => span.OperationName == CallTracing.ResponseSpan).ToDictionary(span => Tag(span, CallTracing.ResponseIdAttribute)!);
        Assert.Equal(("cancelled", "interrupted"), (Tag(responses["resp_1"], CallTracing.ResponseStatusAttribute), Tag(responses["resp_1"], CallTracing.ResponseOutcomeAttribute)));
        Assert.NotNull(Tag(responses["resp_1"], CallTracing.FirstAudioAttribute));
        Assert.Contains(responses["resp_1"].Events, e => e.Name == "barge_in");
        Assert.Equal("completed", Tag(responses["resp_2"], CallTracing.ResponseOutcomeAttribute));
        Assert.Null(Tag(responses["resp_2"], CallTracing.FirstAudioAttribute));
        Assert.Equal("completed", Tag(responses["resp_3"], CallTracing.ResponseOutcomeAttribute));
        Assert.Contains(responses["resp_3"].Events, e => e.Name == "first_audio");

        var bargeIn = Assert.Single(children, span => span.OperationName == CallTracing.BargeInSpan);
        Assert.Equal(("resp_1", "1"), (Tag(bargeIn, CallTracing.ResponseIdAttribute), Tag(bargeIn, CallTracing.TruncationsAttribute)));

        var tool = Assert.Single(children, span => span.OperationName == "execute_tool lookup_order");
        Assert.Equal(
            ("lookup_order", "call_1", "webhook", "ok", "resp_2"),
            (Tag(tool, CallTracing.ToolNameAttribute), Tag(tool, CallTracing.ToolCallIdAttribute), Tag(tool, CallTracing.ToolKindAttribute), Tag(tool, CallTracing.ToolOutcomeAttribute), Tag(tool, CallTracing.ResponseIdAttribute)));
        // The webhook's POST is the tool span's child, and the receiver got its traceparent.
        var toolPost = Assert.Single(trace, span => span.ParentSpanId == tool.SpanId);
        Assert.Equal(ActivityKind.Client, toolPost.Kind);
        var toolRequest = await receiver.WaitForRequestAsync(0, harness.Token);
        Assert.StartsWith($"00-{call.TraceId}-{toolPost.SpanId}-", toolRequest.Headers["traceparent"], StringComparison.Ordinal);

        Assert.Equal("delivered", Tag(delivery, CallTracing.RecordOutcomeAttribute));
        Assert.Equal(ActivityKind.Client, recordPost.Kind);
        var recordRequest = await receiver.WaitForRequestAsync(1, harness.Token);
        Assert.Equal("/records", recordRequest.Path);
        Assert.StartsWith($"00-{call.TraceId}-{recordPost.SpanId}-", recordRequest.Headers["traceparent"], StringComparison.Ordinal);

        // No key, no tool argument, no secret of a tool's URL in any span of the call's trace.
        AssertNoSpanHolds(trace, CallHarness.CallKey, ToolSecret, ToolArgument);
    }

    [Fact]
    public async Task KeysInTheQueryStringAndParameters_NeverReachASpan()
    {
        var spans = new ExportedSpanCollection();
        await using var harness = await CallHarness.StartAsync(services: Traced(spans));
        var (caller, model) = await harness.StartCallAsync(
            CallHarness.Parameters(),
            s_immediateMarks,
            query: $"agentId={CallHarness.AgentId}&openAIKey={CallHarness.CallKey}");
        await model.SendAudioResponseAsync("resp_1", "item_1", AudioFixtures.Tone(100), cancellationToken: harness.Token);
        await caller.WaitForAudioBytesAsync(800, harness.Token);
        await caller.SendStopAsync(harness.Token);

        var call = await CallSpanAsync(spans, caller.CallSid, harness.Token);
        var upgrade = await UpgradeSpanAsync(spans, call, harness.Token);
        Assert.Equal("/api/twilio/media-stream", Tag(upgrade, "url.path"));
        AssertNoSpanHolds(spans.InTrace(call.TraceId), CallHarness.CallKey);
    }

    public static TheoryData<string> HostileTraceParents =>
    [
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01",
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
        "00-4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-zz",
        "<script>-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" + "\u00e9",
    ];

    [Theory]
    [MemberData(nameof(HostileTraceParents))]
    public async Task HostileTraceParent_IsIgnored_TheCallGoesOnUnderItsUpgrade(string traceParent)
    {
        var spans = new ExportedSpanCollection();
        await using var harness = await CallHarness.StartAsync(services: Traced(spans));
        var (caller, _) = await harness.StartCallAsync(CallHarness.Parameters(("traceparent", traceParent)), s_immediateMarks);
        await caller.SendStopAsync(harness.Token);

        var call = await CallSpanAsync(spans, caller.CallSid, harness.Token);
        Assert.Equal("caller_stopped", Tag(call, CallTracing.EndReasonAttribute));
        Assert.Equal(ActivityKind.Server, (await UpgradeSpanAsync(spans, call, harness.Token)).Kind);
        Assert.Empty(call.Links);
        Assert.Null(Tag(call, CallTracing.TraceParentAttribute));
        Assert.DoesNotContain("4bf92f3577b34da6a3ce929d0e0e4736", call.TraceId.ToHexString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task UnsignedTraceParent_IsOnlyALink()
    {
        var spans = new ExportedSpanCollection();
        await using var harness = await CallHarness.StartAsync(services: Traced(spans));
        const string traceParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        var (caller, _) = await harness.StartCallAsync(CallHarness.Parameters(("traceparent", traceParent)), s_immediateMarks);
        await caller.SendStopAsync(harness.Token);

        var call = await CallSpanAsync(spans, caller.CallSid, harness.Token);
        Assert.NotEqual("4bf92f3577b34da6a3ce929d0e0e4736", call.TraceId.ToHexString());
        var link = Assert.Single(call.Links);
        Assert.Equal(("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"), (link.Context.TraceId.ToHexString(), link.Context.SpanId.ToHexString()));
        Assert.Equal("unsigned", Tag(call, CallTracing.TraceParentAttribute));
    }

    [Fact]
    public async Task SignedTraceParent_IsTheCallsParent_AndTheUpgradeALink()
    {
        var spans = new ExportedSpanCollection();
        await using var harness = await CallHarness.StartAsync(
            settings: new Dictionary<string, string?> { ["CONFIG_SIGNING_KEY"] = ConfigTokens.SigningKey },
            services: Traced(spans));
        const string traceParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        var claims = new JsonObject { ["agentId"] = CallHarness.AgentId, ["openAIKey"] = CallHarness.CallKey, ["traceparent"] = traceParent };
        var options = new FakeTwilioCallerOptions { MarkMode = MarkMode.Immediate };
        var (caller, _) = await harness.StartCallAsync(
            new Dictionary<string, string> { ["config"] = ConfigTokens.SignedAndEncrypted(claims, callSid: options.CallSid) },
            options);
        await caller.SendStopAsync(harness.Token);

        var call = await CallSpanAsync(spans, caller.CallSid, harness.Token);
        Assert.Equal(("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"), (call.TraceId.ToHexString(), call.ParentSpanId.ToHexString()));
        Assert.Equal("signed", Tag(call, CallTracing.TraceParentAttribute));
        var upgrade = Assert.Single(call.Links);
        Assert.NotEqual(call.TraceId, upgrade.Context.TraceId);
        // The call's children follow it into the main app's trace.
        Assert.Contains(spans.InTrace(call.TraceId), span => span.OperationName == CallTracing.ModelConnectSpan && span.ParentSpanId == call.SpanId);
    }

    [Fact]
    public async Task EndCall_HangsUpUnderAHangUpSpan_ThatHoldsTheTwilioRequest()
    {
        const string accountSid = "AC0123456789abcdef0123456789abcdef";
        const string authToken = "twilio-auth-token-0123456789";
        const string publicBaseUrl = "wss://voice.example.com";
        var spans = new ExportedSpanCollection();
        await using var twilio = await FakeHttpReceiver.StartAsync();
        twilio.ResponseBody = """{"sid":"CA0","status":"completed"}""";
        await using var harness = await CallHarness.StartAsync(
            settings: new Dictionary<string, string?>
            {
                ["CONFIG_SIGNING_KEY"] = ConfigTokens.SigningKey,
                ["TWILIO_ACCOUNT_SID"] = accountSid,
                ["TWILIO_AUTH_TOKEN"] = authToken,
                ["PUBLIC_BASE_URL"] = publicBaseUrl,
                ["TWILIO_API_BASE_URL"] = twilio.BaseAddress.ToString(),
            },
            services: Traced(spans));
        var options = new FakeTwilioCallerOptions { MarkMode = MarkMode.Immediate, SignatureAuthToken = authToken, SignatureUrl = publicBaseUrl + "/api/twilio/media-stream" };
        var claims = new JsonObject { ["agentId"] = CallHarness.AgentId, ["openAIKey"] = CallHarness.CallKey, ["endCall"] = "true" };
        var (caller, model) = await harness.StartCallAsync(
            new Dictionary<string, string> { ["config"] = ConfigTokens.SignedAndEncrypted(claims, callSid: options.CallSid) },
            options);

        await model.SendResponseCreatedAsync("resp_bye", harness.Token);
        await model.SendAudioDeltaAsync("resp_bye", "item_bye", AudioFixtures.Tone(200), cancellationToken: harness.Token);
        await model.SendFunctionCallAsync("resp_bye", "item_fc", "call_end", "end_call", "{}", harness.Token);
        await model.SendAudioDoneAsync("resp_bye", "item_bye", cancellationToken: harness.Token);
        await model.SendResponseDoneAsync("resp_bye", "completed", harness.Token);

        var call = await CallSpanAsync(spans, caller.CallSid, harness.Token);
        Assert.Equal("agent_hung_up", Tag(call, CallTracing.EndReasonAttribute));
        var trace = spans.InTrace(call.TraceId);
        var tool = Assert.Single(trace, span => span.OperationName == "execute_tool end_call");
        Assert.Equal(("hang_up", "accepted"), (Tag(tool, CallTracing.ToolKindAttribute), Tag(tool, CallTracing.ToolOutcomeAttribute)));
        var hangUp = Assert.Single(trace, span => span.OperationName == CallTracing.HangUpSpan && span.ParentSpanId == call.SpanId);
        Assert.Equal(("agent", "done"), (Tag(hangUp, CallTracing.CallControlInitiatorAttribute), Tag(hangUp, CallTracing.CallControlOutcomeAttribute)));
        var rest = Assert.Single(trace, span => span.ParentSpanId == hangUp.SpanId);
        Assert.Equal(ActivityKind.Client, rest.Kind);
        Assert.StartsWith($"00-{call.TraceId}-{rest.SpanId}-", Assert.Single(twilio.Requests).Headers["traceparent"], StringComparison.Ordinal);
        AssertNoSpanHolds(trace, CallHarness.CallKey, authToken);
    }

    [Fact]
    public async Task ModelRefusingTheKey_MarksTheCallAndItsConnectSpanFailed()
    {
        var spans = new ExportedSpanCollection();
        await using var harness = await CallHarness.StartAsync(new FakeRealtimeServerOptions { RejectUpgradeStatus = 401 }, services: Traced(spans));
        await using var caller = await harness.ConnectAsync(options: s_immediateMarks);
        await caller.SendConnectedAsync(harness.Token);
        await caller.SendStartAsync(CallHarness.Parameters(), cancellationToken: harness.Token);

        var call = await CallSpanAsync(spans, caller.CallSid, harness.Token);
        Assert.Equal(ActivityStatusCode.Error, call.Status);
        Assert.Equal("model_connect_failed", Tag(call, CallTracing.EndReasonAttribute));
        var connect = Assert.Single(spans.InTrace(call.TraceId), span => span.OperationName == CallTracing.ModelConnectSpan);
        Assert.Equal((ActivityStatusCode.Error, "401"), (connect.Status, Tag(connect, CallTracing.ErrorTypeAttribute)));
        AssertNoSpanHolds(spans.InTrace(call.TraceId), CallHarness.CallKey);
    }

    /// <summary>No attribute, event, link, status or name of <paramref name="trace"/> holds any of <paramref name="secrets"/>.</summary>
    internal static void AssertNoSpanHolds(IEnumerable<Activity> trace, params string[] secrets)
    {
        foreach (var span in trace)
        {
            var texts = new List<string?> { span.DisplayName, span.OperationName, span.StatusDescription };
            texts.AddRange(span.TagObjects.Select(tag => $"{tag.Key}={tag.Value}"));
            texts.AddRange(span.Events.SelectMany(e => e.Tags.Select(tag => $"{e.Name} {tag.Key}={tag.Value}")));
            foreach (var secret in secrets)
            {
                Assert.DoesNotContain(texts, text => text is not null && text.Contains(secret, StringComparison.Ordinal));
            }
        }
    }
}
