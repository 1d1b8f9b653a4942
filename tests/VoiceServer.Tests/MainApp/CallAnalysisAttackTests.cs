using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using VoiceServer.Fakes;

namespace VoiceServer.Tests.MainApp;

/// <summary>
/// The analysis plan's rules and the analysis routes under attack: plans that strict structured outputs would refuse
/// (a 400 naming the field, nothing stored), hostile sizes and nesting, every spelling of the routes without the right
/// key, hostile call ids and filters, and one call's requeue leaving every other call's analysis as it was.
/// </summary>
public sealed class CallAnalysisAttackTests
{
    private static readonly Dictionary<string, Func<string, string>> s_spellings = new()
    {
        ["exact"] = path => $"/api/{path}",
        ["upper case"] = path => $"/API/{path.ToUpperInvariant()}",
        ["mixed case"] = path => $"/Api/{char.ToUpperInvariant(path[0])}{path[1..]}",
        ["trailing slash"] = path => $"/api/{path}/",
        ["escaped letter"] = path => $"/api/%{(int)path[0]:x2}{path[1..]}",
        ["escaped upper letter"] = path => $"/api/%{(int)char.ToUpperInvariant(path[0]):X2}{path[1..]}",
        ["double slash"] = path => $"/api//{path}",
        ["dot segment"] = path => $"/api/x/../{path}",
        ["escaped dot segment"] = path => $"/api/x/%2e%2e/{path}",
    };

    private static string Schema(string properties, string required, string extra = "") =>
        $$"""{"type":"object","properties":{{{properties}}},"required":[{{required}}],"additionalProperties":false{{extra}}}""";

    [Theory]
    [MemberData(nameof(SystemHarness.Backends), MemberType = typeof(SystemHarness))]
    public async Task Plan_IsSavedShownKeptWhenOmitted_AndRemovedWithAnEmptyObject(string backend)
    {
        await using var system = await SystemHarness.StartAsync(backend);
        await system.CreateAgentAsync("bakery", CallAnalysisTests.Number, CallAnalysisTests.Bakery());

        var shown = await system.Admin.GetFromJsonAsync<JsonObject>("/api/agents/bakery", system.Token);
        Assert.True(JsonNode.DeepEquals(CallAnalysisTests.Plan(), shown!["analysis"]));

        using (var kept = await system.Admin.PutAsJsonAsync("/api/agents/bakery", new JsonObject { ["name"] = "Renamed" }, system.Token))
        {
            Assert.True(JsonNode.DeepEquals(CallAnalysisTests.Plan(), (await kept.Content.ReadFromJsonAsync<JsonObject>(system.Token))!["analysis"]));
        }

        using (var blanks = await system.Admin.PutAsJsonAsync("/api/agents/bakery", new JsonObject { ["name"] = "Renamed", ["analysis"] = new JsonObject { ["summaryPrompt"] = " " } }, system.Token))
        {
            Assert.Equal(HttpStatusCode.OK, blanks.StatusCode);
            Assert.Null((await blanks.Content.ReadFromJsonAsync<JsonObject>(system.Token))!["analysis"]);
        }

        using (var restored = await system.Admin.PutAsJsonAsync("/api/agents/bakery", CallAnalysisTests.Bakery(), system.Token))
        {
            Assert.Equal(HttpStatusCode.OK, restored.StatusCode);
        }

        using var removed = await system.Admin.PutAsJsonAsync("/api/agents/bakery", new JsonObject { ["name"] = "Renamed", ["analysis"] = new JsonObject() }, system.Token);
        Assert.Null((await removed.Content.ReadFromJsonAsync<JsonObject>(system.Token))!["analysis"]);
        Assert.Null((await system.Store.GetAsync("bakery", system.Token))!.AnalysisPlan);
    }

    public static TheoryData<string, string> InvalidPlans => new()
    {
        { """{"structuredDataSchema":{"type":"object","properties":{"a":{"type":"string"}},"required":["a"]}}""", "analysis.structuredDataSchema.additionalProperties" },
        { """{"structuredDataSchema":{"type":"object","properties":{"a":{"type":"string"}},"required":["a"],"additionalProperties":true}}""", "analysis.structuredDataSchema.additionalProperties" },
        { $$"""{"structuredDataSchema":{{Schema("\"a\":{\"type\":\"string\"},\"b\":{\"type\":\"number\"}", "\"a\"")}}}""", "analysis.structuredDataSchema.required" },
        { $$"""{"structuredDataSchema":{{Schema("\"a\":{\"type\":\"string\"}", "\"a\",\"a\"")}}}""", "analysis.structuredDataSchema.required" },
        { $$"""{"structuredDataSchema":{{Schema("\"a\":{\"type\":\"string\"}", "\"a\",\"ghost\"")}}}""", "analysis.structuredDataSchema.required" },
        { $$"""{"structuredDataSchema":{{Schema("\"order\":{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"string\"}},\"required\":[\"id\"]}", "\"order\"")}}}""", "analysis.structuredDataSchema.properties.order.additionalProperties" },
        { $$"""{"structuredDataSchema":{{Schema("\"name\":{\"type\":\"string\",\"pattern\":\"^(a+)+$\"}", "\"name\"")}}}""", "analysis.structuredDataSchema.properties.name.pattern" },
        { $$"""{"structuredDataSchema":{{Schema("\"a\":{\"$ref\":\"#/$defs/a\"}", "\"a\"", ",\"$defs\":{\"a\":{\"type\":\"string\"}}")}}}""", "analysis.structuredDataSchema.$defs" },
        { $$"""{"structuredDataSchema":{{Schema("\"a\":{\"$ref\":\"https://example.com/schema\"}", "\"a\"")}}}""", "analysis.structuredDataSchema.properties.a.$ref" },
        { $$"""{"structuredDataSchema":{{Schema("\"tags\":{\"type\":\"array\"}", "\"tags\"")}}}""", "analysis.structuredDataSchema.properties.tags.items" },
        { $$"""{"structuredDataSchema":{{Schema("\"day\":{\"type\":\"date\"}", "\"day\"")}}}""", "analysis.structuredDataSchema.properties.day.type" },
        { $$"""{"structuredDataSchema":{{Schema("\"any\":{}", "\"any\"")}}}""", "analysis.structuredDataSchema.properties.any" },
        { $$"""{"structuredDataSchema":{{Schema("\"e\":{\"enum\":[]}", "\"e\"")}}}""", "analysis.structuredDataSchema.properties.e.enum" },
        { """{"structuredDataSchema":{"type":"array","items":{"type":"string"}}}""", "analysis.structuredDataSchema" },
        { """{"structuredDataSchema":{"anyOf":[{"type":"object","properties":{},"required":[],"additionalProperties":false}]}}""", "analysis.structuredDataSchema" },
        { """{"structuredDataSchema":"an object please"}""", "analysis.structuredDataSchema" },
        { """{"structuredDataSchema":true}""", "analysis.structuredDataSchema" },
        { $$"""{"summaryPrompt":"{{new string('a', 4001)}}"}""", "analysis.summaryPrompt" },
        { """{"successRubric":"bell \u0007"}""", "analysis.successRubric" },
    };

    [Theory]
    [MemberData(nameof(InvalidPlans))]
    public async Task InvalidPlan_400NamingTheField_NothingStored(string plan, string field)
    {
        await using var system = await SystemHarness.StartAsync("sqlite");

        using var response = await PutAgentAsync(system, "x", $$"""{"name":"x","analysis":{{plan}}}""");

        var body = await response.Content.ReadFromJsonAsync<JsonObject>(system.Token);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(field, (string?)body!["field"]);
        Assert.Contains(field, (string?)body["message"], StringComparison.Ordinal);
        Assert.Null(await system.Store.GetAsync("x", system.Token));
    }

    [Fact]
    public async Task HostileSchemas_AreRefused_WithoutStoringAnything()
    {
        await using var system = await SystemHarness.StartAsync("sqlite");

        // Nested one level past the limit, in objects that are otherwise strict.
        var deep = """{"type":"string"}""";
        for (var level = 0; level < 10; level++)
        {
            deep = Schema($"\"n\":{deep}", "\"n\"");
        }

        var wide = Schema(string.Join(",", Enumerable.Range(0, 201).Select(i => $"\"p{i}\":{{\"type\":\"string\"}}")), string.Join(",", Enumerable.Range(0, 201).Select(i => $"\"p{i}\"")));
        var long_ = Schema($"\"a\":{{\"type\":\"string\",\"description\":\"{new string('d', 16_000)}\"}}", "\"a\"");
        var manyEnums = Schema(string.Join(",", Enumerable.Range(0, 6).Select(i => $"\"e{i}\":{{\"enum\":[{string.Join(",", Enumerable.Range(0, 100))}]}}")), string.Join(",", Enumerable.Range(0, 6).Select(i => $"\"e{i}\"")));
        foreach (var (schema, field) in new[]
        {
            (deep, "analysis.structuredDataSchema.properties.n.properties.n.properties.n.properties.n.properties.n.properties.n.properties.n.properties.n.properties.n"),
            (wide, "analysis.structuredDataSchema.properties"),
            (long_, "analysis.structuredDataSchema"),
            (manyEnums, "analysis.structuredDataSchema.properties.e5.enum"),
        })
        {
            using var response = await PutAgentAsync(system, "x", """{"name":"x","analysis":{"structuredDataSchema":""" + schema + "}}");
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal(field, (string?)(await response.Content.ReadFromJsonAsync<JsonObject>(system.Token))!["field"]);
        }

        // Deeper than the JSON reader takes at all, and larger than the admin body cap: refused before any rule runs.
        using (var tooDeep = await PutAgentAsync(system, "x", """{"name":"x","analysis":{"structuredDataSchema":""" + new string('[', 200) + new string(']', 200) + "}}"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, tooDeep.StatusCode);
        }

        // Sent after 100 Continue, so the early refusal arrives as a status rather than a reset mid-upload.
        using (var request = new HttpRequestMessage(HttpMethod.Put, "/api/agents/x"))
        {
            request.Content = new StringContent("{\"name\":\"x\",\"analysis\":{\"summaryPrompt\":\"" + new string('a', 1_100_000) + "\"}}", Encoding.UTF8, "application/json");
            request.Headers.Add("X-Api-Key", SystemHarness.AdminKey);
            request.Headers.ExpectContinue = true;
            using var tooLarge = await system.Anonymous.SendAsync(request, system.Token);
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);
        }

        Assert.Empty(await system.Store.ListAsync(system.Token));
    }

    [Fact]
    public async Task AnySpellingOfTheRoutes_WithoutTheRightKey_NeverQueuesOrShowsAnAnalysis()
    {
        await using var openAI = await FakeOpenAIChatServer.StartAsync();
        openAI.Script(FakeChatReply.Status(400));
        await using var system = await SystemHarness.StartAsync("sqlite", CallAnalysisTests.Settings(openAI));
        await system.CreateAgentAsync("bakery", CallAnalysisTests.Number, CallAnalysisTests.Bakery());
        using (var stored = await system.PostCallRecordAsync(SystemHarness.CallRecord("call-secret", turnText: "My card number is 4111.").ToJsonString()))
        {
            Assert.Equal(HttpStatusCode.OK, stored.StatusCode);
        }

        await CallAnalysisTests.WaitForAnalysisAsync(system, "AnalysisFailed", "call-secret");
        var failures = new List<string>();
        foreach (var (method, path) in new[] { ("POST", "calls/call-secret/analysis"), ("GET", "calls?analysis=error"), ("GET", "calls?agentId=bakery&since=2020-01-01T00:00:00Z") })
        {
            foreach (var (spelling, write) in s_spellings)
            {
                foreach (var key in new[] { null, "wrong-key", string.Empty, SystemHarness.AdminKey.ToUpperInvariant() })
                {
                    using var response = await AdminApiAuthenticationTests.SendRawAsync(system, method, write(path), body: null, key);
                    var text = await response.Content.ReadAsStringAsync(system.Token);
                    if (text.Contains("4111", StringComparison.Ordinal) || text.Contains("analysis API", StringComparison.Ordinal) ||
                        (response.StatusCode == HttpStatusCode.Unauthorized ? !text.Contains("\"error\":\"unauthorized\"", StringComparison.Ordinal) : response.StatusCode != HttpStatusCode.NotFound))
                    {
                        failures.Add($"{method} {write(path)} (key {key ?? "none"}, {spelling}): {(int)response.StatusCode} {text}");
                    }
                }
            }
        }

        Assert.Empty(failures);
        Assert.Single(openAI.Requests);
        Assert.Equal("error", (string?)(await CallAnalysisTests.CallViewAsync(system, "call-secret"))["analysis"]!["status"]);

        // The same request with the key does what it says.
        using var admitted = await AdminApiAuthenticationTests.SendRawAsync(system, "POST", "/api/calls/call-secret/analysis", body: null, SystemHarness.AdminKey);
        Assert.Equal(HttpStatusCode.Accepted, admitted.StatusCode);
    }

    [Theory]
    [InlineData("x%27%3BDROP%20TABLE%20call_analyses%3B--", HttpStatusCode.BadRequest)]
    [InlineData("call%00id", HttpStatusCode.BadRequest)]
    [InlineData("%E2%80%AEcall", HttpStatusCode.BadRequest)]
    [InlineData("no-such-call", HttpStatusCode.NotFound)]
    [InlineData("CALL-A", HttpStatusCode.NotFound)]
    public async Task HostileOrUnknownCallIds_OnRequeue_ChangeNothing(string callId, HttpStatusCode expected)
    {
        await using var openAI = await FakeOpenAIChatServer.StartAsync();
        openAI.DefaultReply = FakeChatReply.Status(400);
        await using var system = await SystemHarness.StartAsync("sqlite", CallAnalysisTests.Settings(openAI));
        await system.CreateAgentAsync("bakery", CallAnalysisTests.Number, CallAnalysisTests.Bakery());
        using (var stored = await system.PostCallRecordAsync(SystemHarness.CallRecord("call-a").ToJsonString()))
        {
            Assert.Equal(HttpStatusCode.OK, stored.StatusCode);
        }

        await CallAnalysisTests.WaitForAnalysisAsync(system, "AnalysisFailed", "call-a");

        using var response = await AdminApiAuthenticationTests.SendRawAsync(system, "POST", $"/api/calls/{callId}/analysis", body: null, SystemHarness.AdminKey);

        Assert.Equal(expected, response.StatusCode);
        Assert.Single(openAI.Requests);
        Assert.Equal("error", (string?)(await CallAnalysisTests.CallViewAsync(system, "call-a"))["analysis"]!["status"]);
        using (var tooLong = await system.Admin.PostAsync($"/api/calls/{new string('c', 129)}/analysis", null, system.Token))
        {
            Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
            Assert.Equal("callId", (string?)(await tooLong.Content.ReadFromJsonAsync<JsonObject>(system.Token))!["field"]);
        }
    }

    [Fact]
    public async Task OneCallsRequeue_AndAnotherAgentsFilter_LeaveEveryOtherCallAsItWas()
    {
        await using var openAI = await FakeOpenAIChatServer.StartAsync();
        openAI.DefaultReply = FakeChatReply.Status(400);
        await using var system = await SystemHarness.StartAsync("sqlite", CallAnalysisTests.Settings(openAI));
        await system.CreateAgentAsync("bakery", CallAnalysisTests.Number, CallAnalysisTests.Bakery());
        await system.CreateAgentAsync("florist", "+15557001235", CallAnalysisTests.Bakery());
        foreach (var (callId, agentId) in new[] { ("bakery-call", "bakery"), ("florist-call", "florist") })
        {
            using var stored = await system.PostCallRecordAsync(SystemHarness.CallRecord(callId, agentId).ToJsonString());
            await CallAnalysisTests.WaitForAnalysisAsync(system, "AnalysisFailed", callId);
        }

        openAI.DefaultReply = FakeChatReply.Answer(CallAnalysisTests.Answer());
        using (var requeued = await system.Admin.PostAsync("/api/calls/florist-call/analysis", null, system.Token))
        {
            Assert.Equal(HttpStatusCode.Accepted, requeued.StatusCode);
        }

        await CallAnalysisTests.WaitForAnalysisAsync(system, "AnalysisCompleted", "florist-call");

        Assert.Equal("error", (string?)(await CallAnalysisTests.CallViewAsync(system, "bakery-call"))["analysis"]!["status"]);
        var floristCalls = await system.Admin.GetFromJsonAsync<JsonArray>("/api/calls?agentId=florist&analysis=error", system.Token);
        Assert.Empty(floristCalls!);
        var bakeryCalls = await system.Admin.GetFromJsonAsync<JsonArray>("/api/calls?agentId=bakery", system.Token);
        Assert.Equal(["bakery-call"], bakeryCalls!.Select(c => (string?)c!["callId"]));
    }

    [Theory]
    [InlineData("analysis=FAILED", "analysis")]
    [InlineData("analysis=completed", "analysis")]
    [InlineData("analysis=failed%27%20OR%201%3D1--", "analysis")]
    [InlineData("since=yesterday", "since")]
    [InlineData("until=2026-13-45T00:00:00Z", "until")]
    [InlineData("since=2026-11-24T00:00:00Z%27%20OR%201%3D1--", "since")]
    public async Task HostileFilters_400NamingTheField(string query, string field)
    {
        await using var system = await SystemHarness.StartAsync("sqlite");

        using var response = await system.Admin.GetAsync("/api/calls?" + query, system.Token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(field, (string?)(await response.Content.ReadFromJsonAsync<JsonObject>(system.Token))!["field"]);
    }

    private static Task<HttpResponseMessage> PutAgentAsync(SystemHarness system, string id, string body) =>
        system.Admin.PutAsync($"/api/agents/{id}", new StringContent(body, Encoding.UTF8, "application/json"), system.Token);
}
