using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using VoiceServer.MainApp.Data;

namespace VoiceServer.Tests.MainApp;

/// <summary>The main app's admin API and its call-events receiver.</summary>
public sealed class AdminApiTests
{
    [Theory]
    [MemberData(nameof(SystemHarness.Backends), MemberType = typeof(SystemHarness))]
    public async Task Agents_CreateReadUpdateDelete(string backend)
    {
        await using var system = await SystemHarness.StartAsync(backend);
        await system.CreateAgentAsync("support", "+15557001000", new JsonObject { ["name"] = "Support", ["voice"] = "ash" });

        using var update = await system.Admin.PutAsJsonAsync("/api/agents/support", new JsonObject { ["name"] = "Support EN", ["prompt"] = "Be brief.", ["temperature"] = 0.6 }, system.Token);
        Assert.Equal(HttpStatusCode.OK, update.StatusCode);
        var agent = await system.Admin.GetFromJsonAsync<JsonObject>("/api/agents/support", system.Token);
        Assert.Equal(("Support EN", "Be brief.", "ash", 0.6), ((string)agent!["name"]!, (string)agent["prompt"]!, (string)agent["voice"]!, (double)agent["temperature"]!));
        Assert.Equal("+15557001000", (string?)agent["numbers"]![0]);
        Assert.False((bool)agent["hasOwnKey"]!);
        Assert.False(agent.ContainsKey("openAIKey"));

        using var deleted = await system.Admin.DeleteAsync("/api/agents/support", system.Token);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        using var gone = await system.Admin.GetAsync("/api/agents/support", system.Token);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Null(await system.Store.FindByNumberAsync("+15557001000", PhoneProvider.Twilio, system.Token));
    }

    [Theory]
    [InlineData("""{"voice":"ash"}""", "name")]
    [InlineData("""{"name":"x","voice":"nova"}""", "voice")]
    [InlineData("""{"name":"x","temperature":3}""", "temperature")]
    [InlineData("""{"name":"x","tools":"[{\"name\":\"lookup\"}]"}""", "tools")]
    [InlineData("""{"name":"x","openAIKey":"sk with spaces"}""", "openAIKey")]
    [InlineData("""{"name":"x","prompt":"a\u000Bb"}""", "prompt")]
    [InlineData("""{"name":"x","greeting":"bell \u0007"}""", "greeting")]
    public async Task InvalidAgent_400NamingTheField(string body, string field)
    {
        await using var system = await SystemHarness.StartAsync("sqlite");

        using var response = await system.Admin.PutAsync("/api/agents/x", new StringContent(body, Encoding.UTF8, "application/json"), system.Token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(field, (string?)(await response.Content.ReadFromJsonAsync<JsonObject>(system.Token))!["field"]);
    }

    [Theory]
    [MemberData(nameof(SystemHarness.Backends), MemberType = typeof(SystemHarness))]
    public async Task OutboundSettings_DefaultsThenSetThenKeptWhenOmitted(string backend)
    {
        await using var system = await SystemHarness.StartAsync(backend);
        await system.CreateAgentAsync("sales", "+15557001010", new JsonObject { ["name"] = "Sales" });
        var created = await system.Admin.GetFromJsonAsync<JsonObject>("/api/agents/sales", system.Token);
        Assert.Equal(("hangup", null, 10, 5), ((string)created!["voicemailPolicy"]!, (string?)created["voicemailMessage"], (int)created["outboundCallsPerMinute"]!, (int)created["outboundMaxConcurrent"]!));

        using var set = await system.Admin.PutAsJsonAsync("/api/agents/sales", new JsonObject
        {
            ["name"] = "Sales",
            ["voicemailPolicy"] = "leave_message",
            ["voicemailMessage"] = "Hi, this is Rosa's Bakery: your order is ready.",
            ["outboundCallsPerMinute"] = 3,
            ["outboundMaxConcurrent"] = 2,
        }, system.Token);
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        using var rename = await system.Admin.PutAsJsonAsync("/api/agents/sales", new JsonObject { ["name"] = "Sales EN" }, system.Token);
        Assert.Equal(HttpStatusCode.OK, rename.StatusCode);

        var agent = await system.Admin.GetFromJsonAsync<JsonObject>("/api/agents/sales", system.Token);
        Assert.Equal(("leave_message", "Hi, this is Rosa's Bakery: your order is ready.", 3, 2), ((string)agent!["voicemailPolicy"]!, (string?)agent["voicemailMessage"], (int)agent["outboundCallsPerMinute"]!, (int)agent["outboundMaxConcurrent"]!));
    }

    [Theory]
    [InlineData("""{"name":"x","voicemailPolicy":"beep"}""", "voicemailPolicy")]
    [InlineData("""{"name":"x","voicemailPolicy":"leave_message"}""", "voicemailMessage")]
    [InlineData("""{"name":"x","voicemailPolicy":"leave_message","voicemailMessage":" "}""", "voicemailMessage")]
    [InlineData("""{"name":"x","voicemailMessage":"line\nbreak"}""", "voicemailMessage")]
    [InlineData("""{"name":"x","outboundCallsPerMinute":0}""", "outboundCallsPerMinute")]
    [InlineData("""{"name":"x","outboundCallsPerMinute":61}""", "outboundCallsPerMinute")]
    [InlineData("""{"name":"x","outboundMaxConcurrent":-1}""", "outboundMaxConcurrent")]
    [InlineData("""{"name":"x","outboundMaxConcurrent":101}""", "outboundMaxConcurrent")]
    public async Task InvalidOutboundSettings_400NamingTheField(string body, string field)
    {
        await using var system = await SystemHarness.StartAsync("sqlite");

        using var response = await system.Admin.PutAsync("/api/agents/x", new StringContent(body, Encoding.UTF8, "application/json"), system.Token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(field, (string?)(await response.Content.ReadFromJsonAsync<JsonObject>(system.Token))!["field"]);
        using var gone = await system.Admin.GetAsync("/api/agents/x", system.Token);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task InvalidNumber_400NamingTheField()
    {
        await using var system = await SystemHarness.StartAsync("sqlite");
        await system.CreateAgentAsync("a", "+15557001001", new JsonObject { ["name"] = "A" });

        using var response = await system.Admin.PutAsJsonAsync("/api/numbers/5557001002", new JsonObject { ["agentId"] = "a" }, system.Token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("number", (string?)(await response.Content.ReadFromJsonAsync<JsonObject>(system.Token))!["field"]);
    }

    [Fact]
    public async Task TooMuchConfigurationForTwiml_400()
    {
        await using var system = await SystemHarness.StartAsync("sqlite");
        var tools = new JsonArray(new JsonObject { ["name"] = "t", ["description"] = new string('d', 19_000), ["url"] = "https://tools.example.com/t" }).ToJsonString();

        using var response = await system.Admin.PutAsJsonAsync("/api/agents/x", new JsonObject { ["name"] = "x", ["prompt"] = new string('a', 32_000), ["tools"] = tools }, system.Token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("prompt", (string?)(await response.Content.ReadFromJsonAsync<JsonObject>(system.Token))!["field"]);
    }

    [Fact]
    public async Task WithoutTheApiKey_401_BeforeTheBodyIsRead()
    {
        await using var system = await SystemHarness.StartAsync("sqlite");
        using var anonymous = new HttpClient { BaseAddress = system.BaseAddress };

        using var malformed = await anonymous.PutAsync("/api/agents/x", new StringContent("{not json", Encoding.UTF8, "application/json"), system.Token);

        Assert.Equal(HttpStatusCode.Unauthorized, malformed.StatusCode);
    }

    [Fact]
    public async Task CallEvent_AbsurdTimestampOrNullFields_4xxNot500()
    {
        await using var system = await SystemHarness.StartAsync("sqlite", new Dictionary<string, string?> { ["CALL_EVENTS_SIGNING_KEY"] = null, ["ALLOW_UNAUTHENTICATED"] = "true" });
        using var http = new HttpClient { BaseAddress = system.BaseAddress };

        using var nullId = await http.PostAsync("/api/calls/events", new StringContent("""{"callId":null,"startedAt":"2026-11-24T09:00:00Z","endedAt":"2026-11-24T09:01:00Z","durationMs":1,"endReason":"x"}""", Encoding.UTF8, "application/json"), system.Token);
        Assert.Equal(HttpStatusCode.BadRequest, nullId.StatusCode);
        Assert.False(CallEventsSignature("t=99999999999999,v2=00"));
    }

    private static bool CallEventsSignature(string header) =>
        VoiceServer.MainApp.Calls.CallEvents.IsSigned(header, new Uri("http://localhost/api/calls/events"), Encoding.UTF8.GetBytes("{}"), SystemHarness.EventsKey, DateTimeOffset.UtcNow);

    [Fact]
    public async Task WithoutTheApiKey_401()
    {
        await using var system = await SystemHarness.StartAsync("sqlite");
        using var anonymous = new HttpClient { BaseAddress = system.BaseAddress };

        using var response = await anonymous.GetAsync("/api/agents", system.Token);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task CallEvent_WithoutAValidSignature_401()
    {
        await using var system = await SystemHarness.StartAsync("sqlite");
        using var http = new HttpClient { BaseAddress = system.BaseAddress };
        var body = """{"schemaVersion":1,"callId":"c1","startedAt":"2026-11-24T09:00:00Z","endedAt":"2026-11-24T09:01:00Z","durationMs":60000,"endReason":"caller_stopped"}""";
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/calls/events") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Voice-Server-Signature", "t=1700000000,v2=00");

        using var response = await http.SendAsync(request, system.Token);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Empty(await system.Store.ListCallRecordsAsync(null, 10, system.Token));
    }

    [Fact]
    public async Task Health_Answers()
    {
        await using var system = await SystemHarness.StartAsync("sqlite");
        using var http = new HttpClient { BaseAddress = system.BaseAddress };

        var health = await http.GetFromJsonAsync<JsonObject>("/health", system.Token);

        Assert.Equal(("healthy", "main-app"), ((string)health!["status"]!, (string)health["service"]!));
    }
}
