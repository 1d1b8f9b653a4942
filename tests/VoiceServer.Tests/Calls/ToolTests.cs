using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using VoiceServer.Fakes;
using VoiceServer.Tests.Infrastructure;
using VoiceServer.TwilioEmulator;

namespace VoiceServer.Tests.Calls;

/// <summary>
/// Function calling over real sockets: webhook tools against a fake receiver, and the built-ins against a fake Twilio
/// REST API (the SDK's requests are sent to it), asserting the exact requests.
/// </summary>
public sealed class ToolTests
{
    private const string ToolSigningKey = "tool-signing-key-0123456789abcdef0123";
    private const string RecordSigningKey = "call-events-signing-key-0123456789abcdef";
    private const string AccountSid = "AC0123456789abcdef0123456789abcdef";
    private const string AuthToken = "twilio-auth-token-0123456789";
    private const string PublicBaseUrl = "wss://voice.example.com";
    private const string TransferNumber = "+15557654321";

    private static string LookupTool(FakeHttpReceiver receiver) => LookupTool(receiver.Url("/tools/orders?key=tool-secret").ToString());

    private static string LookupTool(string url) =>
        new JsonArray(new JsonObject
        {
            ["name"] = "lookup_order",
            ["description"] = "Find an order",
            ["parameters"] = new JsonObject { ["type"] = "object", ["properties"] = new JsonObject { ["orderId"] = new JsonObject { ["type"] = "string" } } },
            ["url"] = url,
        }).ToJsonString();

    /// <summary>Tools signed with their own key; records with another, which a tool call must never carry.</summary>
    private static Task<CallHarness> StartWithToolsAsync(FakeHttpReceiver receiver, params (string Name, string Value)[] extra)
    {
        var settings = new Dictionary<string, string?> { ["TOOL_SIGNING_KEY"] = ToolSigningKey, ["CALL_EVENTS_SIGNING_KEY"] = RecordSigningKey };
        foreach (var (name, value) in extra)
        {
            settings[name] = value;
        }

        return CallHarness.StartAsync(settings: settings);
    }

    /// <summary>
    /// The server's Twilio REST calls go to <paramref name="twilio"/>; the caller signs its upgrade (the token is set),
    /// and call control needs a configuration signed for the call (<see cref="BoundToTheCall"/>). No outbound
    /// allow-list: the REST client goes to a configured provider endpoint, which the address guard of tools and
    /// records does not cover, so these tests also prove it stays reachable on loopback.
    /// </summary>
    private static Task<CallHarness> StartWithTwilioAsync(FakeHttpReceiver twilio) => CallHarness.StartAsync(settings: new Dictionary<string, string?>
    {
        ["CONFIG_SIGNING_KEY"] = ConfigTokens.SigningKey,
        ["TWILIO_ACCOUNT_SID"] = AccountSid,
        ["TWILIO_AUTH_TOKEN"] = AuthToken,
        ["PUBLIC_BASE_URL"] = PublicBaseUrl,
        ["TWILIO_API_BASE_URL"] = twilio.BaseAddress.ToString(),
        ["OUTBOUND_ALLOWED_HOSTS"] = string.Empty,
    });

    private static readonly FakeTwilioCallerOptions s_signedImmediateMarks = new()
    {
        MarkMode = MarkMode.Immediate,
        SignatureAuthToken = AuthToken,
        SignatureUrl = PublicBaseUrl + "/api/twilio/media-stream",
    };

    /// <summary>The call's configuration as the main app sends it: signed for this CallSid, its key encrypted.</summary>
    private static Dictionary<string, string> BoundToTheCall(params (string Name, string Value)[] settings)
    {
        var claims = new JsonObject { ["agentId"] = CallHarness.AgentId, ["openAIKey"] = CallHarness.CallKey };
        foreach (var (name, value) in settings)
        {
            claims[name] = value;
        }

        return new Dictionary<string, string> { ["config"] = ConfigTokens.SignedAndEncrypted(claims, callSid: s_signedImmediateMarks.CallSid) };
    }

    private static async Task<JsonObject> FunctionOutputAsync(CallHarness harness, FakeRealtimeConnection model, string toolCallId)
    {
        var created = await model.WaitForEventAsync("conversation.item.create", e => (string?)e["item"]?["call_id"] == toolCallId, harness.Token);
        Assert.Equal("function_call_output", (string?)created["item"]!["type"]);
        return JsonNode.Parse((string)created["item"]!["output"]!)!.AsObject();
    }

    /// <summary>
    /// One model turn that speaks (when <paramref name="audioMs"/> &gt; 0) and calls a tool, in the real API's order:
    /// created, audio, the call's arguments, audio done, response.done.
    /// </summary>
    private static async Task SpeakAndCallAsync(CallHarness harness, FakeRealtimeConnection model, string responseId, string toolCallId, string name, string arguments, int audioMs)
    {
        var itemId = $"item_{responseId}";
        await model.SendResponseCreatedAsync(responseId, harness.Token);
        if (audioMs > 0)
        {
            await model.SendAudioDeltaAsync(responseId, itemId, AudioFixtures.Tone(audioMs), cancellationToken: harness.Token);
        }

        await model.SendFunctionCallAsync(responseId, $"item_fc_{responseId}", toolCallId, name, arguments, harness.Token);
        if (audioMs > 0)
        {
            await model.SendAudioDoneAsync(responseId, itemId, cancellationToken: harness.Token);
        }

        await model.SendResponseDoneAsync(responseId, "completed", harness.Token);
    }

    private static Dictionary<string, string> Form(string body) =>
        body.Split('&').Select(p => p.Split('=', 2)).ToDictionary(p => Uri.UnescapeDataString(p[0].Replace('+', ' ')), p => Uri.UnescapeDataString(p[1].Replace('+', ' ')));

    [Fact]
    public async Task WebhookTool_ArgumentsPostedSigned_AnswerIsTheOutput_ThenOneResponse()
    {
        await using var receiver = await FakeHttpReceiver.StartAsync();
        receiver.ResponseBody = """{"status":"shipped","eta":"Friday"}""";
        await using var harness = await StartWithToolsAsync(receiver);
        var (caller, model) = await harness.StartCallAsync(CallHarness.Parameters(("tools", LookupTool(receiver))));

        await SpeakAndCallAsync(harness, model, "resp_1", "call_1", "lookup_order", """{"orderId":"A-17"}""", audioMs: 0);

        var output = await FunctionOutputAsync(harness, model, "call_1");
        Assert.Equal("shipped", (string?)output["status"]);
        await model.WaitForEventAsync("response.create", harness.Token);

        var request = await receiver.WaitForRequestAsync(0, harness.Token);
        Assert.Equal(("POST", "/tools/orders", "?key=tool-secret"), (request.Method, request.Path, request.Query));
        var sent = JsonNode.Parse(request.Body)!;
        Assert.Equal(("lookup_order", "call_1", caller.CallSid, CallHarness.AgentId), ((string?)sent["tool"], (string?)sent["toolCallId"], (string?)sent["callSid"], (string?)sent["agentId"]));
        Assert.Equal("A-17", (string?)sent["arguments"]!["orderId"]);
        ReceivedSignature.AssertSigned(receiver, request, ToolSigningKey);

        await harness.Server.WaitForLogCountAsync("ToolFinished", 1, harness.Token);
        Assert.Single(model.Received, e => (string?)e["type"] == "response.create");
        Assert.Empty(model.ErrorsSent);
        Assert.DoesNotContain(harness.Server.Logs.Entries, e => e.Message.Contains("tool-secret", StringComparison.Ordinal));
    }

    [Fact]
    public async Task WebhookTool_NoToolSigningKey_SentUnsigned_NeverWithTheRecordKey_WarnedOnceAtStart()
    {
        await using var receiver = await FakeHttpReceiver.StartAsync();
        receiver.ResponseBody = """{"ok":true}""";
        await using var harness = await CallHarness.StartAsync(settings: new Dictionary<string, string?> { ["CALL_EVENTS_SIGNING_KEY"] = RecordSigningKey });
        var (_, model) = await harness.StartCallAsync(CallHarness.Parameters(("tools", LookupTool(receiver))));

        await SpeakAndCallAsync(harness, model, "resp_1", "call_1", "lookup_order", "{}", audioMs: 0);

        await FunctionOutputAsync(harness, model, "call_1");
        var request = await receiver.WaitForRequestAsync(0, harness.Token);
        Assert.False(request.Headers.ContainsKey("X-Voice-Server-Signature"), "a tool call must not carry the call records' signature");
        Assert.Single(harness.Server.Logs.Entries, e => e.EventName == "ToolCallsUnsigned");
    }

    [Theory]
    [MemberData(nameof(LoopbackSpellings.All), MemberType = typeof(LoopbackSpellings))]
    public async Task WebhookTool_LoopbackInAnySpelling_RefusedBeforeConnecting_TheModelIsToldItFailed(string host, bool ipv6)
    {
        await using var receiver = await FakeHttpReceiver.StartAsync(ipv6 ? IPAddress.IPv6Loopback : IPAddress.Loopback);
        receiver.ResponseBody = """{"status":"shipped"}""";
        await using var harness = await StartWithToolsAsync(receiver, ("OUTBOUND_ALLOWED_HOSTS", string.Empty));
        var url = $"http://{host}:{receiver.BaseAddress.Port}/tools/orders?key=tool-secret";
        var (caller, model) = await harness.StartCallAsync(CallHarness.Parameters(("tools", LookupTool(url))));

        await SpeakAndCallAsync(harness, model, "resp_1", "call_1", "lookup_order", "{}", audioMs: 0);

        var output = await FunctionOutputAsync(harness, model, "call_1");
        Assert.Contains("could not be reached", (string?)output["error"], StringComparison.Ordinal);
        await model.WaitForEventAsync("response.create", harness.Token);
        Assert.Empty(receiver.Requests);
        var refused = Assert.Single(harness.Server.Logs.Entries, e => e.EventName == "OutboundConnectionRefused");
        Assert.Contains("loopback", refused.Message, StringComparison.Ordinal);
        Assert.Contains(harness.Server.Logs.Entries, e => e.EventName == "ToolAddressRefused" && e.Message.Contains("lookup_order", StringComparison.Ordinal));
        Assert.DoesNotContain(harness.Server.Logs.Entries, e => (e.Message + e.Exception).Contains("tool-secret", StringComparison.Ordinal));
        Assert.Equal(WebSocketState.Open, caller.State);
    }

    [Fact]
    public async Task WebhookTool_AnswersWithARedirect_NotFollowed_TheModelIsToldItFailed()
    {
        await using var elsewhere = await FakeHttpReceiver.StartAsync();
        await using var receiver = await FakeHttpReceiver.StartAsync();
        receiver.DefaultStatus = 307;
        receiver.Location = elsewhere.Url("/collect");
        await using var harness = await StartWithToolsAsync(receiver);
        var (_, model) = await harness.StartCallAsync(CallHarness.Parameters(("tools", LookupTool(receiver))));

        await SpeakAndCallAsync(harness, model, "resp_1", "call_1", "lookup_order", """{"orderId":"A-17"}""", audioMs: 0);

        var output = await FunctionOutputAsync(harness, model, "call_1");
        Assert.Contains("HTTP 307", (string?)output["error"], StringComparison.Ordinal);
        Assert.Single(receiver.Requests);
        // The signed body and its signature were not re-sent to wherever the redirect pointed.
        Assert.Empty(elsewhere.Requests);
    }

    [Fact]
    public async Task WebhookTool_HostAllowListedByName_Reached_OtherSpellingsOfItsAddressStillRefused()
    {
        await using var receiver = await FakeHttpReceiver.StartAsync();
        receiver.ResponseBody = """{"ok":true}""";
        await using var harness = await StartWithToolsAsync(receiver, ("OUTBOUND_ALLOWED_HOSTS", "localhost"));
        var byName = $"http://localhost:{receiver.BaseAddress.Port}/by-name";
        var byAddress = $"http://127.0.0.1:{receiver.BaseAddress.Port}/by-address";
        var tools = new JsonArray(JsonNode.Parse(LookupTool(byName))![0]!.DeepClone(), JsonNode.Parse(LookupTool(byAddress))![0]!.DeepClone());
        tools[1]!["name"] = "lookup_invoice";
        var (_, model) = await harness.StartCallAsync(CallHarness.Parameters(("tools", tools.ToJsonString())));

        await SpeakAndCallAsync(harness, model, "resp_1", "call_1", "lookup_order", "{}", audioMs: 0);
        Assert.True((bool)(await FunctionOutputAsync(harness, model, "call_1"))["ok"]!);
        await model.WaitForEventAsync("response.create", harness.Token);
        await SpeakAndCallAsync(harness, model, "resp_2", "call_2", "lookup_invoice", "{}", audioMs: 0);
        Assert.Contains("could not be reached", (string?)(await FunctionOutputAsync(harness, model, "call_2"))["error"], StringComparison.Ordinal);

        Assert.Equal("/by-name", Assert.Single(receiver.Requests).Path);
    }

    [Theory]
    [InlineData("too-short-for-a-key")]
    [InlineData(RecordSigningKey)]
    public async Task ToolSigningKey_TooShortOrTheRecordsKey_StopsTheBoot(string key)
    {
        using var timeout = TestTimeout.Create();
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => TestVoiceServer.StartAsync(
            new Dictionary<string, string?> { ["TOOL_SIGNING_KEY"] = key, ["CALL_EVENTS_SIGNING_KEY"] = RecordSigningKey },
            cancellationToken: timeout.Token));
        Assert.Contains("TOOL_SIGNING_KEY", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WebhookTool_AnswersBeforeResponseDone_FollowUpWaitsForIt()
    {
        await using var receiver = await FakeHttpReceiver.StartAsync();
        receiver.ResponseBody = """{"ok":true}""";
        await using var harness = await StartWithToolsAsync(receiver);
        var (_, model) = await harness.StartCallAsync(CallHarness.Parameters(("tools", LookupTool(receiver))));

        await model.SendResponseCreatedAsync("resp_1", harness.Token);
        await model.SendFunctionCallAsync("resp_1", "item_fc", "call_1", "lookup_order", "{}", harness.Token);
        await FunctionOutputAsync(harness, model, "call_1");
        await model.SendResponseDoneAsync("resp_1", "completed", harness.Token);

        await model.WaitForEventAsync("response.create", harness.Token);
        // A response.create before resp_1 was done would have earned conversation_already_has_active_response.
        Assert.Empty(model.ErrorsSent);
    }

    [Fact]
    public async Task WebhookTool_500_TheModelIsToldItFailed_TheCallGoesOn()
    {
        await using var receiver = await FakeHttpReceiver.StartAsync();
        receiver.DefaultStatus = 500;
        await using var harness = await StartWithToolsAsync(receiver);
        var (caller, model) = await harness.StartCallAsync(CallHarness.Parameters(("tools", LookupTool(receiver))));

        await SpeakAndCallAsync(harness, model, "resp_1", "call_1", "lookup_order", "{}", audioMs: 0);

        var output = await FunctionOutputAsync(harness, model, "call_1");
        Assert.Contains("HTTP 500", (string?)output["error"], StringComparison.Ordinal);
        await model.WaitForEventAsync("response.create", harness.Token);
        Assert.Equal(WebSocketState.Open, caller.State);
    }

    [Fact]
    public async Task WebhookTool_NoAnswerInTime_TheModelIsToldItTimedOut()
    {
        await using var receiver = await FakeHttpReceiver.StartAsync();
        receiver.HoldRequests();
        await using var harness = await StartWithToolsAsync(receiver, ("TOOL_TIMEOUT_SECONDS", "1"));
        var (caller, model) = await harness.StartCallAsync(CallHarness.Parameters(("tools", LookupTool(receiver))));

        await SpeakAndCallAsync(harness, model, "resp_1", "call_1", "lookup_order", "{}", audioMs: 0);

        var output = await FunctionOutputAsync(harness, model, "call_1");
        Assert.Contains("did not answer within 1 s", (string?)output["error"], StringComparison.Ordinal);
        Assert.Equal(WebSocketState.Open, caller.State);
    }

    [Fact]
    public async Task UnknownTool_ErrorOutput_NoRequestMade()
    {
        await using var receiver = await FakeHttpReceiver.StartAsync();
        await using var harness = await StartWithToolsAsync(receiver);
        var (_, model) = await harness.StartCallAsync();

        await SpeakAndCallAsync(harness, model, "resp_1", "call_1", "delete_everything", "{}", audioMs: 0);

        var output = await FunctionOutputAsync(harness, model, "call_1");
        Assert.Contains("no tool named", (string?)output["error"], StringComparison.Ordinal);
        Assert.Empty(receiver.Requests);
    }

    [Fact]
    public async Task EndCall_AfterTheGoodbyePlayed_HangsUpThroughTwilioRest()
    {
        await using var twilio = await FakeHttpReceiver.StartAsync();
        twilio.ResponseBody = """{"sid":"CA0","status":"completed"}""";
        await using var harness = await StartWithTwilioAsync(twilio);
        var (caller, model) = await harness.StartCallAsync(BoundToTheCall(("endCall", "true")), s_signedImmediateMarks);

        await SpeakAndCallAsync(harness, model, "resp_bye", "call_end", "end_call", "{}", audioMs: 300);

        await harness.AssertCallEndedAsync(caller, WebSocketCloseStatus.NormalClosure, "agent_hung_up");
        Assert.Equal("ending", (string?)(await FunctionOutputAsync(harness, model, "call_end"))["status"]);
        var request = Assert.Single(twilio.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal($"/2010-04-01/Accounts/{AccountSid}/Calls/{caller.CallSid}.json", request.Path);
        Assert.Equal("completed", Form(request.Body)["Status"]);
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{AccountSid}:{AuthToken}")), request.Headers["Authorization"]);
        // The whole goodbye reached the caller before the hang-up, and no further response was asked for.
        Assert.Equal(2400, caller.ReceivedAudio.Length);
        Assert.DoesNotContain(model.Received, e => (string?)e["type"] == "response.create");
    }

    [Fact]
    public async Task EndCall_TwilioStopsTheStreamBeforeRestAnswers_StillRecordedAsHungUp()
    {
        await using var twilio = await FakeHttpReceiver.StartAsync();
        twilio.HoldRequests();
        await using var harness = await StartWithTwilioAsync(twilio);
        var (caller, model) = await harness.StartCallAsync(BoundToTheCall(("endCall", "true")), s_signedImmediateMarks);

        await SpeakAndCallAsync(harness, model, "resp_bye", "call_end", "end_call", "{}", audioMs: 100);
        // What Twilio does when the call is completed: the stream stops, possibly before the REST answer.
        await twilio.WaitForRequestAsync(0, harness.Token);
        await caller.SendStopAsync(harness.Token);

        await harness.AssertCallEndedAsync(caller, WebSocketCloseStatus.NormalClosure, "agent_hung_up");
    }

    [Fact]
    public async Task EndCall_WithoutAGoodbyeInThatTurn_OneIsRequestedFirst()
    {
        await using var twilio = await FakeHttpReceiver.StartAsync();
        twilio.ResponseBody = """{"sid":"CA0","status":"completed"}""";
        await using var harness = await StartWithTwilioAsync(twilio);
        var (caller, model) = await harness.StartCallAsync(BoundToTheCall(("endCall", "true")), s_signedImmediateMarks);

        await SpeakAndCallAsync(harness, model, "resp_1", "call_end", "end_call", "{}", audioMs: 0);

        var goodbye = await model.WaitForEventAsync("response.create", harness.Token);
        Assert.Contains("goodbye", (string?)goodbye["response"]!["instructions"], StringComparison.Ordinal);
        Assert.Empty(twilio.Requests);
        await model.SendAudioResponseAsync("resp_bye", "item_bye", AudioFixtures.Tone(200), cancellationToken: harness.Token);

        await harness.AssertCallEndedAsync(caller, WebSocketCloseStatus.NormalClosure, "agent_hung_up");
        Assert.Single(twilio.Requests);
    }

    [Fact]
    public async Task EndCall_CallAlreadyGone404_CountsAsHungUp()
    {
        await using var twilio = await FakeHttpReceiver.StartAsync();
        twilio.DefaultStatus = 404;
        twilio.ResponseBody = """{"code":20404,"message":"The requested resource was not found","more_info":"https://www.twilio.com/docs/errors/20404","status":404}""";
        await using var harness = await StartWithTwilioAsync(twilio);
        var (caller, model) = await harness.StartCallAsync(BoundToTheCall(("endCall", "true")), s_signedImmediateMarks);

        await SpeakAndCallAsync(harness, model, "resp_bye", "call_end", "end_call", "{}", audioMs: 100);

        var description = await harness.AssertCallEndedAsync(caller, WebSocketCloseStatus.NormalClosure, "agent_hung_up");
        Assert.Equal("call ended", description);
    }

    [Fact]
    public async Task EndCall_WithoutRestCredentials_TheSocketIsClosed()
    {
        await using var harness = await CallHarness.StartAsync();
        var (caller, model) = await harness.StartCallAsync(CallHarness.Parameters(("endCall", "true")), new FakeTwilioCallerOptions { MarkMode = MarkMode.Immediate });

        await SpeakAndCallAsync(harness, model, "resp_bye", "call_end", "end_call", "{}", audioMs: 100);

        await harness.AssertCallEndedAsync(caller, WebSocketCloseStatus.NormalClosure, "agent_hung_up");
        Assert.Contains(harness.Server.Logs.Entries, e => e.EventName == "CallEnded" && e.Message.Contains("socket was closed instead", StringComparison.Ordinal));
    }

    [Fact]
    public async Task EndCall_NotEnabledForTheAgent_RefusedAsToolOutput()
    {
        await using var harness = await CallHarness.StartAsync();
        var (caller, model) = await harness.StartCallAsync();

        await SpeakAndCallAsync(harness, model, "resp_1", "call_end", "end_call", "{}", audioMs: 0);

        Assert.Contains("no tool named", (string?)(await FunctionOutputAsync(harness, model, "call_end"))["error"], StringComparison.Ordinal);
        Assert.Equal(WebSocketState.Open, caller.State);
    }

    [Fact]
    public async Task Transfer_ToAnAllowedNumber_DialTwimlPostedThroughTwilioRest()
    {
        await using var twilio = await FakeHttpReceiver.StartAsync();
        twilio.ResponseBody = """{"sid":"CA0","status":"in-progress"}""";
        await using var harness = await StartWithTwilioAsync(twilio);
        var (caller, model) = await harness.StartCallAsync(BoundToTheCall(("transferNumbers", TransferNumber)), s_signedImmediateMarks);

        await SpeakAndCallAsync(harness, model, "resp_t", "call_t", "transfer_call", $$"""{"number":"{{TransferNumber}}"}""", audioMs: 200);

        await harness.AssertCallEndedAsync(caller, WebSocketCloseStatus.NormalClosure, "transferred");
        var request = Assert.Single(twilio.Requests);
        Assert.Equal($"/2010-04-01/Accounts/{AccountSid}/Calls/{caller.CallSid}.json", request.Path);
        Assert.Equal($"<?xml version=\"1.0\" encoding=\"utf-8\"?><Response><Dial><Number>{TransferNumber}</Number></Dial></Response>", Form(request.Body)["Twiml"]);
    }

    [Fact]
    public async Task Transfer_ToANumberNotOnTheList_RefusedAsToolOutput_NoRequest()
    {
        await using var twilio = await FakeHttpReceiver.StartAsync();
        await using var harness = await StartWithTwilioAsync(twilio);
        var (caller, model) = await harness.StartCallAsync(BoundToTheCall(("transferNumbers", TransferNumber)), s_signedImmediateMarks);

        await SpeakAndCallAsync(harness, model, "resp_t", "call_t", "transfer_call", """{"number":"+19005550100"}""", audioMs: 0);

        Assert.Contains("not one the caller may be transferred to", (string?)(await FunctionOutputAsync(harness, model, "call_t"))["error"], StringComparison.Ordinal);
        await model.WaitForEventAsync("response.create", harness.Token);
        Assert.Empty(twilio.Requests);
        Assert.Equal(WebSocketState.Open, caller.State);
    }

    [Fact]
    public async Task Transfer_TwilioRefuses_TheModelIsTold_TheCallGoesOn()
    {
        await using var twilio = await FakeHttpReceiver.StartAsync();
        twilio.DefaultStatus = 400;
        twilio.ResponseBody = """{"code":21210,"message":"Caller phone number not verified","more_info":"https://www.twilio.com/docs/errors/21210","status":400}""";
        await using var harness = await StartWithTwilioAsync(twilio);
        var (caller, model) = await harness.StartCallAsync(BoundToTheCall(("transferNumbers", TransferNumber)), s_signedImmediateMarks);

        await SpeakAndCallAsync(harness, model, "resp_t", "call_t", "transfer_call", $$"""{"number":"{{TransferNumber}}"}""", audioMs: 100);

        var told = await model.WaitForEventAsync("conversation.item.create", e => (string?)e["item"]?["role"] == "user", harness.Token);
        Assert.Contains("transfer failed", (string?)told["item"]!["content"]![0]!["text"], StringComparison.Ordinal);
        await model.WaitForEventAsync("response.create", harness.Token);
        Assert.Single(twilio.Requests);
        Assert.Equal(WebSocketState.Open, caller.State);
    }
}
