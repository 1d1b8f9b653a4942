using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json.Nodes;
using VoiceServer.Fakes;
using VoiceServer.Tests.Infrastructure;
using VoiceServer.TwilioEmulator;

namespace VoiceServer.Tests.MainApp;

/// <summary>
/// Control of a live call from the main app, across instances: two voice servers on the test command's Redis, the main
/// app on the same Redis, a fake Twilio REST API behind both voice servers, and a fake Twilio caller whose call the
/// <em>second</em> instance holds while the main app's TwiML names the first. The operator's command goes through the
/// main app's admin API only.
/// </summary>
public sealed class LiveCallControlTests
{
    internal const string Number = "+15557001234";
    private const string AccountSid = "AC0123456789abcdef0123456789abcdef";
    private const string PublicBaseUrl = "wss://voice.example.com";
    private const string TransferNumber = "+15557654321";

    internal static Dictionary<string, string?> VoiceSettings(FakeHttpReceiver twilio, bool redis = true) => new()
    {
        ["TWILIO_ACCOUNT_SID"] = AccountSid,
        ["TWILIO_AUTH_TOKEN"] = SystemHarness.AuthToken,
        ["PUBLIC_BASE_URL"] = PublicBaseUrl,
        ["TWILIO_API_BASE_URL"] = twilio.BaseAddress.ToString(),
        ["REDIS_URL"] = redis ? TestRedis.Url.ToString() : null,
    };

    internal static readonly JsonObject s_agent = new()
    {
        ["name"] = "Rosa's Bakery front desk",
        ["prompt"] = "You are the front desk of Rosa's Bakery.",
        ["voice"] = "marin",
        ["openAIKey"] = "sk-agent-own-key-0123456789",
    };

    /// <summary>The system with a second voice server beside the main app's own, both on Redis.</summary>
    internal sealed class TwoInstances : IAsyncDisposable
    {
        public required FakeHttpReceiver Twilio { get; init; }

        public required SystemHarness System { get; init; }

        public required CallHarness Second { get; init; }

        public static async Task<TwoInstances> StartAsync()
        {
            var twilio = await FakeHttpReceiver.StartAsync();
            twilio.ResponseBody = """{"sid":"CA0","status":"completed"}""";
            var system = await SystemHarness.StartAsync("sqlite", extra: new Dictionary<string, string?> { ["REDIS_URL"] = TestRedis.Url.ToString() }, voiceSettings: VoiceSettings(twilio));
            var second = await CallHarness.StartAsync(settings: SystemHarness.VoiceSettings(VoiceSettings(twilio)), timeoutSeconds: 30);
            await system.CreateAgentAsync("bakery", Number, s_agent);
            return new TwoInstances { Twilio = twilio, System = system, Second = second };
        }

        public async ValueTask DisposeAsync()
        {
            await Second.DisposeAsync();
            await System.DisposeAsync();
            await Twilio.DisposeAsync();
        }
    }

    /// <summary>
    /// Twilio calls the webhook, then opens the Stream URL, which a load balancer sends to <paramref name="holder"/>:
    /// the call is ready there, and its channel subscribed, when this returns.
    /// </summary>
    internal static async Task<(FakeTwilioCaller Caller, FakeRealtimeConnection Model)> CallThroughAsync(SystemHarness system, CallHarness holder)
    {
        var callSid = TwilioIds.NewCallSid();
        var twiml = await system.CallAsync(Number, callSid);
        Assert.Equal(HttpStatusCode.OK, twiml.Status);
        var options = new FakeTwilioCallerOptions
        {
            CallSid = callSid,
            MarkMode = MarkMode.Immediate,
            SignatureAuthToken = SystemHarness.AuthToken,
            SignatureUrl = PublicBaseUrl + "/api/twilio/media-stream",
        };
        var call = await holder.StartCallAsync(twiml.Parameters, options);
        if (holder.Server.Services.GetRequiredService<IConfiguration>()["REDIS_URL"] is not null)
        {
            await holder.Server.Logs.WaitForAsync(e => e.EventName == "Subscribed" && e.Message.Contains(callSid, StringComparison.Ordinal), holder.Token);
        }

        return call;
    }

    private static Dictionary<string, string> Form(string body) =>
        body.Split('&').Select(p => p.Split('=', 2)).ToDictionary(p => Uri.UnescapeDataString(p[0].Replace('+', ' ')), p => Uri.UnescapeDataString(p[1].Replace('+', ' ')));

    private static async Task<JsonObject> StoredRecordAsync(SystemHarness system, string callSid)
    {
        await system.Logs.WaitForAsync(e => e.EventName == "Stored", system.Token);
        var calls = await system.Admin.GetFromJsonAsync<JsonArray>("/api/calls?agentId=bakery", system.Token);
        return Assert.Single(calls!, c => (string?)c!["callSid"] == callSid)!.AsObject();
    }

    [Fact]
    public async Task HangUp_CallHeldByTheOtherInstance_TwilioRestHangsUpThatCall_RecordSaysAdminHungUp()
    {
        await using var instances = await TwoInstances.StartAsync();
        var system = instances.System;
        var (caller, _) = await CallThroughAsync(system, instances.Second);

        using var response = await system.Admin.PostAsync($"/api/calls/{caller.CallSid}/hangup", content: null, system.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonObject>(system.Token);
        Assert.Equal((caller.CallSid, "hangup", "done"), ((string?)body!["callSid"], (string?)body["action"], (string?)body["outcome"]));
        var request = Assert.Single(instances.Twilio.Requests);
        Assert.Equal($"/2010-04-01/Accounts/{AccountSid}/Calls/{caller.CallSid}.json", request.Path);
        Assert.Equal("completed", Form(request.Body)["Status"]);
        await instances.Second.AssertCallEndedAsync(caller, WebSocketCloseStatus.NormalClosure, "admin_hung_up");
        Assert.Equal("admin_hung_up", (string?)(await StoredRecordAsync(system, caller.CallSid))["endReason"]);
        // The first instance never had the call, and was never asked.
        Assert.DoesNotContain(system.Voice.Server.Logs.Entries, e => e.EventName is "CommandHandled" or "CommandRefused");
    }

    [Fact]
    public async Task Transfer_CallHeldByTheOtherInstance_DialThroughTwilioRest_RecordSaysAdminTransferred()
    {
        await using var instances = await TwoInstances.StartAsync();
        var system = instances.System;
        var (caller, _) = await CallThroughAsync(system, instances.Second);

        using var response = await system.Admin.PostAsJsonAsync($"/api/calls/{caller.CallSid}/transfer", new JsonObject { ["to"] = TransferNumber }, system.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var request = Assert.Single(instances.Twilio.Requests);
        Assert.Equal($"/2010-04-01/Accounts/{AccountSid}/Calls/{caller.CallSid}.json", request.Path);
        Assert.Equal($"<?xml version=\"1.0\" encoding=\"utf-8\"?><Response><Dial><Number>{TransferNumber}</Number></Dial></Response>", Form(request.Body)["Twiml"]);
        await instances.Second.AssertCallEndedAsync(caller, WebSocketCloseStatus.NormalClosure, "admin_transferred");
        var record = await StoredRecordAsync(system, caller.CallSid);
        Assert.Equal("admin_transferred", (string?)record["endReason"]);
        Assert.Contains(TransferNumber, (string?)record["record"]!["endDetail"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Say_CallHeldByTheOtherInstance_TheModelIsAskedForTheText_TheCallerHearsIt()
    {
        await using var instances = await TwoInstances.StartAsync();
        var system = instances.System;
        var (caller, model) = await CallThroughAsync(system, instances.Second);
        const string Text = "Your order is ready for pick-up.";

        using var response = await system.Admin.PostAsJsonAsync($"/api/calls/{caller.CallSid}/say", new JsonObject { ["text"] = Text }, system.Token);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("accepted", (string?)(await response.Content.ReadFromJsonAsync<JsonObject>(system.Token))!["outcome"]);
        var request = await model.WaitForEventAsync("response.create", system.Token);
        Assert.Contains($"\"{Text}\"", (string?)request["response"]!["instructions"], StringComparison.Ordinal);
        await model.SendAudioResponseAsync("resp_say", "item_say", AudioFixtures.Tone(400), cancellationToken: system.Token);
        await caller.WaitForAudioBytesAsync(3200, system.Token);
        Assert.Equal(WebSocketState.Open, caller.State);
        Assert.Empty(instances.Twilio.Requests);
    }

    [Fact]
    public async Task NoInstanceHoldsTheCall_404()
    {
        await using var instances = await TwoInstances.StartAsync();
        var system = instances.System;
        var callSid = TwilioIds.NewCallSid();

        using var response = await system.Admin.PostAsync($"/api/calls/{callSid}/hangup", content: null, system.Token);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonObject>(system.Token);
        Assert.Equal("not_found", (string?)body!["error"]);
        Assert.Contains(callSid, (string?)body["message"], StringComparison.Ordinal);
        Assert.Empty(instances.Twilio.Requests);
    }

    [Fact]
    public async Task AfterTheCallEnded_404()
    {
        await using var instances = await TwoInstances.StartAsync();
        var system = instances.System;
        var (caller, _) = await CallThroughAsync(system, instances.Second);
        await caller.SendStopAsync(system.Token);
        await instances.Second.Server.Logs.WaitForAsync(e => e.EventName == "Unsubscribed", system.Token);

        using var response = await system.Admin.PostAsJsonAsync($"/api/calls/{caller.CallSid}/say", new JsonObject { ["text"] = "Too late." }, system.Token);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task WithoutRedis_OneInstance_TheCommandGoesStraightToVoiceServerUrl()
    {
        await using var twilio = await FakeHttpReceiver.StartAsync();
        twilio.ResponseBody = """{"sid":"CA0","status":"completed"}""";
        await using var system = await SystemHarness.StartAsync("sqlite", voiceSettings: VoiceSettings(twilio, redis: false));
        await system.CreateAgentAsync("bakery", Number, s_agent);
        var (caller, _) = await CallThroughAsync(system, system.Voice);

        using var response = await system.Admin.PostAsync($"/api/calls/{caller.CallSid}/hangup", content: null, system.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal($"/2010-04-01/Accounts/{AccountSid}/Calls/{caller.CallSid}.json", Assert.Single(twilio.Requests).Path);
        await system.Voice.AssertCallEndedAsync(caller, WebSocketCloseStatus.NormalClosure, "admin_hung_up");
        Assert.Contains(system.Voice.Server.Logs.Entries, e => e.EventName == "CommandHandled" && e.Message.Contains("(http,", StringComparison.Ordinal));

        using var unknown = await system.Admin.PostAsync($"/api/calls/{TwilioIds.NewCallSid()}/hangup", content: null, system.Token);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }
}
