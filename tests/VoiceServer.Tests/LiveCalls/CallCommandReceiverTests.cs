using System.Net;
using System.Net.WebSockets;
using System.Text.Json.Nodes;
using VoiceServer.Fakes;
using VoiceServer.Tests.Infrastructure;
using VoiceServer.TwilioEmulator;

namespace VoiceServer.Tests.LiveCalls;

/// <summary>
/// The voice server's receiver of operators' commands, over its direct HTTP endpoint (one instance, no Redis): a real
/// call signed for its CallSid, a fake Twilio REST API, and commands written by hand; then every way to abuse it.
/// </summary>
public sealed class CallCommandReceiverTests
{
    private const string AccountSid = "AC0123456789abcdef0123456789abcdef";
    private const string AuthToken = "twilio-auth-token-0123456789";
    private const string PublicBaseUrl = "wss://voice.example.com";
    private const string TransferNumber = "+15557654321";

    private static readonly FakeTwilioCallerOptions s_signedCaller = new()
    {
        MarkMode = MarkMode.Immediate,
        SignatureAuthToken = AuthToken,
        SignatureUrl = PublicBaseUrl + "/api/twilio/media-stream",
    };

    private static Task<CallHarness> StartAsync(FakeHttpReceiver? twilio, string? signingKey = ConfigTokens.SigningKey)
    {
        var settings = new Dictionary<string, string?>
        {
            ["CONFIG_SIGNING_KEY"] = signingKey,
            ["TWILIO_AUTH_TOKEN"] = AuthToken,
            ["PUBLIC_BASE_URL"] = PublicBaseUrl,
        };
        if (twilio is not null)
        {
            settings["TWILIO_ACCOUNT_SID"] = AccountSid;
            settings["TWILIO_API_BASE_URL"] = twilio.BaseAddress.ToString();
        }

        return CallHarness.StartAsync(settings: settings);
    }

    /// <summary>A call whose configuration the main app signed for its CallSid, as every call it sends is.</summary>
    private static Task<(FakeTwilioCaller Caller, FakeRealtimeConnection Model)> StartBoundCallAsync(CallHarness harness, FakeTwilioCallerOptions? options = null)
    {
        var callerOptions = options ?? new FakeTwilioCallerOptions { MarkMode = s_signedCaller.MarkMode, SignatureAuthToken = AuthToken, SignatureUrl = s_signedCaller.SignatureUrl };
        var claims = new JsonObject { ["agentId"] = CallHarness.AgentId, ["openAIKey"] = CallHarness.CallKey };
        var config = new Dictionary<string, string> { ["config"] = ConfigTokens.SignedAndEncrypted(claims, callSid: callerOptions.CallSid) };
        return harness.StartCallAsync(config, callerOptions);
    }

    private static Dictionary<string, string> Form(string body) =>
        body.Split('&').Select(p => p.Split('=', 2)).ToDictionary(p => Uri.UnescapeDataString(p[0].Replace('+', ' ')), p => Uri.UnescapeDataString(p[1].Replace('+', ' ')));

    private static async Task<JsonObject> AckAsync(HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();

    [Fact]
    public async Task HangUp_Signed_HangsUpThroughTwilioRest_EndsAsAdminHungUp()
    {
        await using var twilio = await FakeHttpReceiver.StartAsync();
        twilio.ResponseBody = """{"sid":"CA0","status":"completed"}""";
        await using var harness = await StartAsync(twilio);
        var (caller, _) = await StartBoundCallAsync(harness);

        using var response = await SignedCommands.PostAsync(harness.Server, caller.CallSid, SignedCommands.Command(caller.CallSid, "hangup").ToJsonString(), harness.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("done", (string?)(await AckAsync(response))["outcome"]);
        var request = Assert.Single(twilio.Requests);
        Assert.Equal($"/2010-04-01/Accounts/{AccountSid}/Calls/{caller.CallSid}.json", request.Path);
        Assert.Equal("completed", Form(request.Body)["Status"]);
        await harness.AssertCallEndedAsync(caller, WebSocketCloseStatus.NormalClosure, "admin_hung_up");
    }

    [Fact]
    public async Task HangUp_TwilioStopsTheStreamBeforeRestAnswers_StillAdminHungUp_Done()
    {
        await using var twilio = await FakeHttpReceiver.StartAsync();
        twilio.HoldRequests();
        await using var harness = await StartAsync(twilio);
        var (caller, _) = await StartBoundCallAsync(harness);

        var posting = SignedCommands.PostAsync(harness.Server, caller.CallSid, SignedCommands.Command(caller.CallSid, "hangup").ToJsonString(), harness.Token);
        // What Twilio does when the call is completed: the stream stops, possibly before the REST answer.
        await twilio.WaitForRequestAsync(0, harness.Token);
        await caller.SendStopAsync(harness.Token);

        using var response = await posting;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await harness.AssertCallEndedAsync(caller, WebSocketCloseStatus.NormalClosure, "admin_hung_up");
    }

    [Fact]
    public async Task Transfer_Signed_DialTwimlThroughTwilioRest_EndsAsAdminTransferred()
    {
        await using var twilio = await FakeHttpReceiver.StartAsync();
        twilio.ResponseBody = """{"sid":"CA0","status":"in-progress"}""";
        await using var harness = await StartAsync(twilio);
        var (caller, _) = await StartBoundCallAsync(harness);

        using var response = await SignedCommands.PostAsync(harness.Server, caller.CallSid, SignedCommands.Command(caller.CallSid, "transfer", to: TransferNumber).ToJsonString(), harness.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var request = Assert.Single(twilio.Requests);
        Assert.Equal($"/2010-04-01/Accounts/{AccountSid}/Calls/{caller.CallSid}.json", request.Path);
        Assert.Equal($"<?xml version=\"1.0\" encoding=\"utf-8\"?><Response><Dial><Number>{TransferNumber}</Number></Dial></Response>", Form(request.Body)["Twiml"]);
        var end = await harness.Server.WaitForCallEndAsync(harness.Token);
        Assert.Contains("admin_transferred", end.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Transfer_TwilioRefuses_502_TheCallGoesOn()
    {
        await using var twilio = await FakeHttpReceiver.StartAsync();
        twilio.DefaultStatus = 400;
        twilio.ResponseBody = """{"code":21210,"message":"Caller phone number not verified","status":400}""";
        await using var harness = await StartAsync(twilio);
        var (caller, model) = await StartBoundCallAsync(harness);

        using var response = await SignedCommands.PostAsync(harness.Server, caller.CallSid, SignedCommands.Command(caller.CallSid, "transfer", to: TransferNumber).ToJsonString(), harness.Token);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal(WebSocketState.Open, caller.State);
        // The call still takes commands once the failed one is over.
        using var again = await SignedCommands.PostAsync(harness.Server, caller.CallSid, SignedCommands.Command(caller.CallSid, "say", text: "Still here.").ToJsonString(), harness.Token);
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        await model.WaitForEventAsync("response.create", harness.Token);
    }

    [Fact]
    public async Task Transfer_WithoutATelephonyApi_409_NothingChanges()
    {
        await using var harness = await StartAsync(twilio: null);
        var (caller, _) = await StartBoundCallAsync(harness);

        using var response = await SignedCommands.PostAsync(harness.Server, caller.CallSid, SignedCommands.Command(caller.CallSid, "transfer", to: TransferNumber).ToJsonString(), harness.Token);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("no telephony API", (string?)(await AckAsync(response))["detail"], StringComparison.Ordinal);
        Assert.Equal(WebSocketState.Open, caller.State);
    }

    [Fact]
    public async Task HangUp_WithoutATelephonyApi_ClosesTheStream_StillAdminHungUp()
    {
        await using var harness = await StartAsync(twilio: null);
        var (caller, _) = await StartBoundCallAsync(harness);

        using var response = await SignedCommands.PostAsync(harness.Server, caller.CallSid, SignedCommands.Command(caller.CallSid, "hangup").ToJsonString(), harness.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await harness.AssertCallEndedAsync(caller, WebSocketCloseStatus.NormalClosure, "admin_hung_up");
    }

    [Fact]
    public async Task Say_Signed_TheModelIsAskedToSayTheTextOnce_202()
    {
        await using var harness = await StartAsync(twilio: null);
        var (caller, model) = await StartBoundCallAsync(harness);
        const string Text = "Our office closes in ten minutes.";

        using var response = await SignedCommands.PostAsync(harness.Server, caller.CallSid, SignedCommands.Command(caller.CallSid, "say", text: Text).ToJsonString(), harness.Token);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var request = await model.WaitForEventAsync("response.create", harness.Token);
        Assert.Contains($"\"{Text}\"", (string?)request["response"]!["instructions"], StringComparison.Ordinal);
        await model.SendAudioResponseAsync("resp_say", "item_say", AudioFixtures.Tone(200), cancellationToken: harness.Token);
        await caller.WaitForAudioBytesAsync(1600, harness.Token);
        Assert.Single(model.Received, e => (string?)e["type"] == "response.create");
    }

    [Fact]
    public async Task Say_WhileTheAgentSpeaks_WaitsForItsResponseToFinish()
    {
        await using var harness = await StartAsync(twilio: null);
        var (caller, model) = await StartBoundCallAsync(harness);
        await model.SendResponseCreatedAsync("resp_1", harness.Token);
        await model.SendAudioDeltaAsync("resp_1", "item_1", AudioFixtures.Tone(100), cancellationToken: harness.Token);
        await caller.WaitForAudioBytesAsync(800, harness.Token);

        using var response = await SignedCommands.PostAsync(harness.Server, caller.CallSid, SignedCommands.Command(caller.CallSid, "say", text: "One moment please.").ToJsonString(), harness.Token);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Contains("after its current response", (string?)(await AckAsync(response))["detail"], StringComparison.Ordinal);
        Assert.DoesNotContain(model.Received, e => (string?)e["type"] == "response.create");
        await model.SendAudioDoneAsync("resp_1", "item_1", cancellationToken: harness.Token);
        await model.SendResponseDoneAsync("resp_1", "completed", harness.Token);
        var request = await model.WaitForEventAsync("response.create", harness.Token);
        Assert.Contains("One moment please.", (string?)request["response"]!["instructions"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoCallWithThisSid_404()
    {
        await using var harness = await StartAsync(twilio: null);
        var callSid = TwilioIds.NewCallSid();

        using var response = await SignedCommands.PostAsync(harness.Server, callSid, SignedCommands.Command(callSid, "hangup").ToJsonString(), harness.Token);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("not_found", (string?)(await AckAsync(response))["outcome"]);
    }

    [Fact]
    public async Task CallWhoseConfigurationIsNotBoundToItsSid_IsNotListed_404()
    {
        await using var harness = await StartAsync(twilio: null);
        var options = new FakeTwilioCallerOptions { MarkMode = MarkMode.Immediate, SignatureAuthToken = AuthToken, SignatureUrl = s_signedCaller.SignatureUrl };
        var claims = new JsonObject { ["agentId"] = CallHarness.AgentId, ["openAIKey"] = CallHarness.CallKey };
        var (caller, _) = await harness.StartCallAsync(new Dictionary<string, string> { ["config"] = ConfigTokens.SignedAndEncrypted(claims) }, options);

        using var response = await SignedCommands.PostAsync(harness.Server, caller.CallSid, SignedCommands.Command(caller.CallSid, "hangup").ToJsonString(), harness.Token);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(WebSocketState.Open, caller.State);
    }
}
