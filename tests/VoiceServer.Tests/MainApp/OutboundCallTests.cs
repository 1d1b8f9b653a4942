using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using VoiceServer.Fakes;
using Microsoft.AspNetCore.Http;
using VoiceServer.TwilioEmulator;

namespace VoiceServer.Tests.MainApp;

/// <summary>
/// Outbound calls end to end: the admin places a call through the main app, which asks a fake Twilio REST API on a
/// real socket (through the Twilio SDK); the test then plays Twilio calling back the URL it was given, and the call
/// runs through the real voice server to the fake model, its record landing marked outbound.
/// </summary>
public sealed class OutboundCallTests
{
    internal const string AgentNumber = "+15557001234";
    internal const string Callee = "+15557654321";
    internal const string AccountSid = "AC0123456789abcdef0123456789abcdef";
    internal const string PlacedSid = "CAfeedfacefeedfacefeedfacefeedface";

    internal static async Task<(SystemHarness System, FakeHttpReceiver Twilio)> StartAsync(string backend = "sqlite", JsonObject? agent = null, Dictionary<string, string?>? extra = null)
    {
        var twilio = await FakeHttpReceiver.StartAsync();
        twilio.DefaultStatus = StatusCodes.Status201Created;
        twilio.ResponseBody = $$"""{"sid":"{{PlacedSid}}","account_sid":"{{AccountSid}}","status":"queued","direction":"outbound-api"}""";
        var settings = new Dictionary<string, string?> { ["TWILIO_ACCOUNT_SID"] = AccountSid, ["TWILIO_API_BASE_URL"] = twilio.BaseAddress.ToString() };
        foreach (var (name, value) in extra ?? [])
        {
            settings[name] = value;
        }

        var system = await SystemHarness.StartAsync(backend, settings);
        await system.CreateAgentAsync("bakery", AgentNumber, agent ?? new JsonObject { ["name"] = "Rosa's Bakery reminders", ["prompt"] = "You remind customers of their orders.", ["openAIKey"] = "sk-agent-own-key-0123456789" });
        return (system, twilio);
    }

    internal static Dictionary<string, string> Form(string body) =>
        body.Split('&').Select(p => p.Split('=', 2)).ToDictionary(p => Uri.UnescapeDataString(p[0].Replace('+', ' ')), p => Uri.UnescapeDataString(p[1].Replace('+', ' ')));

    /// <summary>A callback as Twilio sends it: form-encoded, signed with the auth token over the URL it was given.</summary>
    internal static async Task<HttpResponseMessage> PostSignedAsync(SystemHarness system, string path, Dictionary<string, string> form, string? authToken = SystemHarness.AuthToken)
    {
        var url = new Uri(system.BaseAddress, path);
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new FormUrlEncodedContent(form) };
        request.Headers.ExpectContinue = true;
        if (authToken is not null)
        {
            request.Headers.Add("X-Twilio-Signature", TwilioIds.ComputeSignature(authToken, url.ToString(), form));
        }

        return await system.Anonymous.SendAsync(request, system.Token);
    }

    internal static Dictionary<string, string> StatusForm(string callSid, string status, string accountSid = AccountSid) => new()
    {
        ["AccountSid"] = accountSid,
        ["CallSid"] = callSid,
        ["CallStatus"] = status,
        ["Direction"] = "outbound-api",
        ["From"] = AgentNumber,
        ["To"] = Callee,
    };

    /// <summary>Twilio's asynchronous AMD callback, as documented: the call's ids and the verdict.</summary>
    internal static Dictionary<string, string> AmdForm(string callSid, string answeredBy, string accountSid = AccountSid) => new()
    {
        ["AccountSid"] = accountSid,
        ["CallSid"] = callSid,
        ["AnsweredBy"] = answeredBy,
        ["MachineDetectionDuration"] = "4210",
    };

    [Theory]
    [MemberData(nameof(SystemHarness.Backends), MemberType = typeof(SystemHarness))]
    public async Task OutboundCall_ToAPerson_PlacedThroughTwilio_TheSameTwimlBoundToItsCallSid_RecordMarkedOutbound(string backend)
    {
        var (system, twilio) = await StartAsync(backend);
        await using var _ = system;
        await using var __ = twilio;

        using var response = await system.Admin.PostAsJsonAsync("/api/calls", new JsonObject { ["agentId"] = "bakery", ["to"] = Callee }, system.Token);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(PlacedSid, (string?)(await response.Content.ReadFromJsonAsync<JsonObject>(system.Token))!["callSid"]);
        var request = Assert.Single(twilio.Requests);
        Assert.Equal(("POST", $"/2010-04-01/Accounts/{AccountSid}/Calls.json"), (request.Method, request.Path));
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{AccountSid}:{SystemHarness.AuthToken}")), request.Headers["Authorization"]);
        var placed = Form(request.Body);
        Assert.Equal((Callee, AgentNumber), (placed["To"], placed["From"]));
        Assert.Equal(new Uri(system.BaseAddress, "/api/twilio/voice?outboundAgent=bakery").ToString(), placed["Url"]);
        Assert.Equal(new Uri(system.BaseAddress, "/api/twilio/call-status").ToString(), placed["StatusCallback"]);
        Assert.Equal("completed", placed["StatusCallbackEvent"]);
        Assert.Equal(("DetectMessageEnd", "true", new Uri(system.BaseAddress, "/api/twilio/amd").ToString()), (placed["MachineDetection"], placed["AsyncAmd"], placed["AsyncAmdStatusCallback"]));

        // The callee answers: Twilio fetches the Url it was given, signed, with the new CallSid.
        var twiml = await FakeTwilioWebhook.PostAsync(new Uri(placed["Url"]), SystemHarness.AuthToken, new Dictionary<string, string>
        {
            ["AccountSid"] = AccountSid,
            ["CallSid"] = PlacedSid,
            ["From"] = AgentNumber,
            ["To"] = Callee,
            ["CallStatus"] = "in-progress",
            ["Direction"] = "outbound-api",
        }, system.Token);
        Assert.Equal(HttpStatusCode.OK, twiml.Status);
        Assert.Equal(new Uri(system.Voice.Server.MediaStreamUrl().ToString()), twiml.StreamUrl);
        Assert.Equal(["CallSid", "From", "To"], twiml.Parameters.Keys.Where(k => !k.StartsWith("config", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
        Assert.Equal((PlacedSid, Callee), (twiml.Parameters["CallSid"], twiml.Parameters["To"]));

        await using var caller = await FakeTwilioCaller.ConnectAsync(twiml.StreamUrl!, new FakeTwilioCallerOptions { CallSid = PlacedSid, MarkMode = MarkMode.Immediate }, system.Token);
        await caller.SendConnectedAsync(system.Token);
        await caller.SendStartAsync(twiml.Parameters, cancellationToken: system.Token);
        var model = await system.Voice.Realtime.WaitForConnectionAsync(0, system.Token);
        await model.WaitForEventAsync("session.update", system.Token);
        Assert.Equal("You remind customers of their orders.", (string?)model.SessionUpdates[0]["session"]!["instructions"]);
        using var answered = await PostSignedAsync(system, "/api/twilio/amd", AmdForm(PlacedSid, "human"));
        Assert.Equal(HttpStatusCode.NoContent, answered.StatusCode);
        await caller.SendStopAsync(system.Token);

        await system.Logs.WaitForAsync(e => e.EventName == "Stored", system.Token);
        var record = Assert.Single((await system.Admin.GetFromJsonAsync<JsonArray>("/api/calls?agentId=bakery", system.Token))!)!;
        Assert.Equal((PlacedSid, "outbound", "human"), ((string?)record["callSid"], (string?)record["direction"], (string?)record["answeredBy"]));

        using var ended = await PostSignedAsync(system, "/api/twilio/call-status", StatusForm(PlacedSid, "completed"));
        Assert.Equal(HttpStatusCode.NoContent, ended.StatusCode);
        await system.Logs.WaitForAsync(e => e.EventName == "Ended" && e.Message.Contains(PlacedSid, StringComparison.Ordinal), system.Token);
    }

    [Theory]
    [InlineData("machine_end_beep")]
    [InlineData("machine_end_silence")]
    [InlineData("fax")]
    public async Task AnsweringMachineVerdict_StoredWithTheCall_ListedWithItsRecord(string answeredBy)
    {
        var (system, twilio) = await StartAsync();
        await using var _ = system;
        await using var __ = twilio;
        using var placed = await system.Admin.PostAsJsonAsync("/api/calls", new JsonObject { ["agentId"] = "bakery", ["to"] = Callee }, system.Token);
        Assert.Equal(HttpStatusCode.Created, placed.StatusCode);

        using var verdict = await PostSignedAsync(system, "/api/twilio/amd", AmdForm(PlacedSid, answeredBy));

        Assert.Equal(HttpStatusCode.NoContent, verdict.StatusCode);
        var record = SystemHarness.CallRecord("c-machine");
        record["callSid"] = PlacedSid;
        using var stored = await system.PostCallRecordAsync(record.ToJsonString());
        Assert.Equal(HttpStatusCode.OK, stored.StatusCode);
        var listed = Assert.Single((await system.Admin.GetFromJsonAsync<JsonArray>("/api/calls", system.Token))!)!;
        Assert.Equal(("outbound", answeredBy), ((string?)listed["direction"], (string?)listed["answeredBy"]));
    }

    [Fact]
    public async Task InboundCall_ListedAsInbound()
    {
        var (system, twilio) = await StartAsync();
        await using var _ = system;
        await using var __ = twilio;
        var record = SystemHarness.CallRecord("c-inbound");

        using var stored = await system.PostCallRecordAsync(record.ToJsonString());

        Assert.Equal(HttpStatusCode.OK, stored.StatusCode);
        var listed = Assert.Single((await system.Admin.GetFromJsonAsync<JsonArray>("/api/calls", system.Token))!)!;
        Assert.Equal("inbound", (string?)listed["direction"]);
        Assert.False(listed.AsObject().ContainsKey("answeredBy"));
    }

    [Theory]
    [InlineData("""{"to":"+15557654321"}""", "agentId")]
    [InlineData("""{"agentId":"bakery"}""", "to")]
    [InlineData("""{"agentId":"bakery","to":"5557654321"}""", "to")]
    [InlineData("""{"agentId":"bakery","to":"+1 555 765 4321"}""", "to")]
    [InlineData("""{"agentId":"bakery","to":"+15557654321","from":"+15550009999"}""", "from")]
    public async Task BadInput_400NamingTheField_NothingPlaced(string body, string field)
    {
        var (system, twilio) = await StartAsync();
        await using var _ = system;
        await using var __ = twilio;

        using var response = await system.Admin.PostAsync("/api/calls", new StringContent(body, Encoding.UTF8, "application/json"), system.Token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(field, (string?)(await response.Content.ReadFromJsonAsync<JsonObject>(system.Token))!["field"]);
        Assert.Empty(twilio.Requests);
    }

    [Fact]
    public async Task FromTheAgentsNumberOnAnotherCarrier_400_NothingPlaced()
    {
        var (system, twilio) = await StartAsync();
        await using var _ = system;
        await using var __ = twilio;
        const string TelnyxNumber = "+15557002000";
        using var assigned = await system.Admin.PutAsJsonAsync($"/api/numbers/{TelnyxNumber}", new JsonObject { ["agentId"] = "bakery", ["provider"] = "telnyx" }, system.Token);
        Assert.Equal(HttpStatusCode.NoContent, assigned.StatusCode);

        // A Telnyx number is not the Twilio account's to send as a caller id.
        using var response = await system.Admin.PostAsJsonAsync("/api/calls", new JsonObject { ["agentId"] = "bakery", ["to"] = Callee, ["from"] = TelnyxNumber }, system.Token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("from", (string?)(await response.Content.ReadFromJsonAsync<JsonObject>(system.Token))!["field"]);
        Assert.Empty(twilio.Requests);
    }

    [Fact]
    public async Task FromAnotherAgentsNumber_400_NothingPlaced()
    {
        var (system, twilio) = await OutboundCallTests.StartAsync();
        await using var _ = system;
        await using var __ = twilio;
        const string OtherNumber = "+15557003000";
        await system.CreateAgentAsync("other", OtherNumber, new JsonObject { ["name"] = "Another agent", ["prompt"] = "You are someone else." });

        // Calling as another agent's number would let its callers ring back into the wrong agent.
        using var response = await system.Admin.PostAsJsonAsync("/api/calls", new JsonObject { ["agentId"] = "bakery", ["to"] = Callee, ["from"] = OtherNumber }, system.Token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("from", (string?)(await response.Content.ReadFromJsonAsync<JsonObject>(system.Token))!["field"]);
        Assert.Empty(twilio.Requests);
    }

    [Fact]
    public async Task UnknownAgent_404_NothingPlaced()
    {
        var (system, twilio) = await StartAsync();
        await using var _ = system;
        await using var __ = twilio;

        using var response = await system.Admin.PostAsJsonAsync("/api/calls", new JsonObject { ["agentId"] = "nobody", ["to"] = Callee }, system.Token);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Empty(twilio.Requests);
    }

    [Fact]
    public async Task FromTheConfiguredCallerId_Placed()
    {
        var (system, twilio) = await StartAsync(extra: new() { ["TWILIO_CALLER_ID"] = "+15557000000" });
        await using var _ = system;
        await using var __ = twilio;

        using var response = await system.Admin.PostAsJsonAsync("/api/calls", new JsonObject { ["agentId"] = "bakery", ["to"] = Callee, ["from"] = "+15557000000" }, system.Token);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("+15557000000", Form(Assert.Single(twilio.Requests).Body)["From"]);
    }

    [Theory]
    [InlineData(21210, "from")]
    [InlineData(21211, "to")]
    public async Task TwilioRefusesANumber_400NamingTheField_TheSlotIsFreeAgain(int code, string field)
    {
        var (system, twilio) = await StartAsync(agent: new JsonObject { ["name"] = "Reminders", ["outboundMaxConcurrent"] = 1 });
        await using var _ = system;
        await using var __ = twilio;
        twilio.RespondWith(StatusCodes.Status400BadRequest);
        var refusal = $$"""{"code":{{code}},"message":"refused","more_info":"https://www.twilio.com/docs/errors/{{code}}","status":400}""";
        twilio.ResponseBody = refusal;

        using var refused = await system.Admin.PostAsJsonAsync("/api/calls", new JsonObject { ["agentId"] = "bakery", ["to"] = Callee }, system.Token);

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal(field, (string?)(await refused.Content.ReadFromJsonAsync<JsonObject>(system.Token))!["field"]);
        twilio.ResponseBody = $$"""{"sid":"{{PlacedSid}}","status":"queued"}""";
        using var placed = await system.Admin.PostAsJsonAsync("/api/calls", new JsonObject { ["agentId"] = "bakery", ["to"] = Callee }, system.Token);
        Assert.Equal(HttpStatusCode.Created, placed.StatusCode);
    }

    [Fact]
    public async Task WithoutTwilioCredentials_409_NothingPlaced()
    {
        var (system, twilio) = await StartAsync(extra: new() { ["TWILIO_ACCOUNT_SID"] = null });
        await using var _ = system;
        await using var __ = twilio;

        using var response = await system.Admin.PostAsJsonAsync("/api/calls", new JsonObject { ["agentId"] = "bakery", ["to"] = Callee }, system.Token);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Empty(twilio.Requests);
    }

    [Fact]
    public async Task CallsPerMinute_OneTooMany_429WithRetryAfter_NothingPlaced()
    {
        var (system, twilio) = await StartAsync(agent: new JsonObject { ["name"] = "Reminders", ["outboundCallsPerMinute"] = 2 });
        await using var _ = system;
        await using var __ = twilio;
        for (var i = 0; i < 2; i++)
        {
            using var placed = await system.Admin.PostAsJsonAsync("/api/calls", new JsonObject { ["agentId"] = "bakery", ["to"] = Callee }, system.Token);
            Assert.Equal(HttpStatusCode.Created, placed.StatusCode);
        }

        using var refused = await system.Admin.PostAsJsonAsync("/api/calls", new JsonObject { ["agentId"] = "bakery", ["to"] = Callee }, system.Token);

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        var retryAfter = refused.Headers.RetryAfter?.Delta;
        Assert.InRange(retryAfter!.Value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60));
        Assert.Equal(2, twilio.Requests.Count);
    }

    [Fact]
    public async Task ConcurrentCalls_AtTheLimit_429_UntilTwilioSaysOneEnded()
    {
        var (system, twilio) = await StartAsync(agent: new JsonObject { ["name"] = "Reminders", ["outboundMaxConcurrent"] = 1 });
        await using var _ = system;
        await using var __ = twilio;
        using var first = await system.Admin.PostAsJsonAsync("/api/calls", new JsonObject { ["agentId"] = "bakery", ["to"] = Callee }, system.Token);
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);

        using var refused = await system.Admin.PostAsJsonAsync("/api/calls", new JsonObject { ["agentId"] = "bakery", ["to"] = Callee }, system.Token);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.NotNull(refused.Headers.RetryAfter);
        // A status that is not final frees nothing.
        using var ringing = await PostSignedAsync(system, "/api/twilio/call-status", StatusForm(PlacedSid, "ringing"));
        Assert.Equal(HttpStatusCode.NoContent, ringing.StatusCode);
        using var stillRefused = await system.Admin.PostAsJsonAsync("/api/calls", new JsonObject { ["agentId"] = "bakery", ["to"] = Callee }, system.Token);
        Assert.Equal(HttpStatusCode.TooManyRequests, stillRefused.StatusCode);

        using var ended = await PostSignedAsync(system, "/api/twilio/call-status", StatusForm(PlacedSid, "no-answer"));
        Assert.Equal(HttpStatusCode.NoContent, ended.StatusCode);
        using var second = await system.Admin.PostAsJsonAsync("/api/calls", new JsonObject { ["agentId"] = "bakery", ["to"] = Callee }, system.Token);
        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        Assert.Equal(2, twilio.Requests.Count);
    }
}
