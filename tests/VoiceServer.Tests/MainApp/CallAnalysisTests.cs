using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using VoiceServer.Fakes;
using VoiceServer.MainApp.Analysis;
using VoiceServer.Tests.Infrastructure;

namespace VoiceServer.Tests.MainApp;

/// <summary>
/// Post-call analysis through the main app, on both databases, against a fake Chat Completions API on a real socket:
/// a stored record's analysis asked with a strict schema and stored with the record, an outage retried with backoff
/// in virtual time, an answer off the schema asked once more then stored as an error, the listing's filters, and
/// queueing an analysis again.
/// </summary>
public sealed class CallAnalysisTests
{
    internal const string Number = "+15557001234";
    internal const string AgentKey = "sk-agent-own-key-0123456789";

    internal static JsonObject Plan() => new()
    {
        ["summaryPrompt"] = "Summarise the call in two sentences for the bakery's staff.",
        ["structuredDataSchema"] = new JsonObject
        {
            ["type"] = "object",
            ["properties"] = new JsonObject
            {
                ["cakeOrdered"] = new JsonObject { ["type"] = "boolean" },
                ["pickupDay"] = new JsonObject { ["anyOf"] = new JsonArray(new JsonObject { ["type"] = "string" }, new JsonObject { ["type"] = "null" }) },
            },
            ["required"] = new JsonArray("cakeOrdered", "pickupDay"),
            ["additionalProperties"] = false,
        },
        ["successRubric"] = "The call succeeded if the caller ordered a cake.",
    };

    internal static JsonObject Bakery(JsonObject? plan = null, string? key = AgentKey) => new()
    {
        ["name"] = "Rosa's Bakery front desk",
        ["prompt"] = "You are the front desk of Rosa's Bakery.",
        ["greeting"] = "Rosa's Bakery, how can I help?",
        ["openAIKey"] = key,
        ["analysis"] = plan ?? Plan(),
    };

    internal static JsonObject Answer(bool passed = true) => new()
    {
        ["summary"] = "The caller ordered a chocolate cake for Saturday. The agent confirmed the order.",
        ["structuredData"] = new JsonObject { ["cakeOrdered"] = passed, ["pickupDay"] = "Saturday" },
        ["success"] = new JsonObject { ["passed"] = passed, ["reason"] = passed ? "A cake was ordered." : "No cake was ordered." },
    };

    internal static Dictionary<string, string?> Settings(FakeOpenAIChatServer openAI, IReadOnlyDictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?> { ["ANALYSIS_OPENAI_BASE_URL"] = openAI.BaseUrl.ToString(), ["ANALYSIS_MODEL"] = "gpt-4.1-mini" };
        foreach (var (name, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[name] = value;
        }

        return settings;
    }

    internal static Task<CapturedLogEntry> WaitForAnalysisAsync(SystemHarness system, string eventName, string callId) =>
        system.Logs.WaitForAsync(e => e.EventName == eventName && e.Message.Contains(callId, StringComparison.Ordinal), system.Token);

    internal static async Task<JsonObject> CallViewAsync(SystemHarness system, string callId, string query = "")
    {
        var calls = await system.Admin.GetFromJsonAsync<JsonArray>("/api/calls?limit=1000" + query, system.Token);
        return Assert.Single(calls!, c => (string?)c!["callId"] == callId)!.AsObject();
    }

    [Theory]
    [MemberData(nameof(SystemHarness.Backends), MemberType = typeof(SystemHarness))]
    public async Task StoredRecord_IsAnalysedWithAStrictSchema_AndTheResultIsListedWithIt(string backend)
    {
        await using var openAI = await FakeOpenAIChatServer.StartAsync();
        openAI.DefaultReply = FakeChatReply.Answer(Answer());
        await using var system = await SystemHarness.StartAsync(backend, Settings(openAI));
        await system.CreateAgentAsync("bakery", Number, Bakery());

        using var stored = await system.PostCallRecordAsync(SystemHarness.CallRecord("call-analysed", turnText: "I'd like a chocolate cake for Saturday.").ToJsonString());
        Assert.Equal(HttpStatusCode.OK, stored.StatusCode);
        await WaitForAnalysisAsync(system, "AnalysisCompleted", "call-analysed");

        // One request, on the agent's own key, with the whole answer's schema, strict, the agent's schema inside it.
        var request = Assert.Single(openAI.Requests);
        Assert.Equal("/v1/chat/completions", request.Path);
        Assert.Equal(AgentKey, request.ApiKey);
        Assert.Equal("gpt-4.1-mini", (string?)request.Body["model"]);
        Assert.Equal("json_schema", (string?)request.Body["response_format"]!["type"]);
        Assert.True((bool)request.Body["response_format"]!["json_schema"]!["strict"]!);
        Assert.Equal(["summary", "structuredData", "success"], request.ResponseSchema["required"]!.AsArray().Select(r => (string?)r));
        Assert.True(JsonNode.DeepEquals(Plan()["structuredDataSchema"], request.ResponseSchema["properties"]!["structuredData"]));
        Assert.Contains("caller: I'd like a chocolate cake for Saturday.", request.Text, StringComparison.Ordinal);
        Assert.Contains("Summarise the call in two sentences", request.Text, StringComparison.Ordinal);
        Assert.Contains("The call succeeded if the caller ordered a cake.", request.Text, StringComparison.Ordinal);

        var analysis = (await CallViewAsync(system, "call-analysed"))["analysis"]!;
        Assert.Equal("completed", (string?)analysis["status"]);
        Assert.True((bool?)analysis["passed"]);
        Assert.Equal(1, (int)analysis["attempts"]!);
        Assert.True(JsonNode.DeepEquals(Answer(), analysis["result"]));
        Assert.NotNull((string?)analysis["completedAt"]);
        Assert.DoesNotContain(system.Logs.Entries, e => e.Message.Contains(AgentKey, StringComparison.Ordinal));
    }

    [Fact]
    public async Task AzureOpenAI_TheDeploymentIsAskedThroughTheV1Api_WithTheKeyInApiKey()
    {
        await using var openAI = await FakeOpenAIChatServer.StartAsync();
        openAI.DefaultReply = FakeChatReply.Answer(Answer());
        var settings = new Dictionary<string, string?>
        {
            ["ANALYSIS_AZURE_OPENAI_ENDPOINT"] = new Uri(openAI.BaseUrl, "/").ToString(),
            ["ANALYSIS_MODEL"] = "call-analysis-deployment",
        };
        await using var system = await SystemHarness.StartAsync("sqlite", settings);
        await system.CreateAgentAsync("bakery", Number, Bakery());

        using var _ = await system.PostCallRecordAsync(SystemHarness.CallRecord("call-azure").ToJsonString());
        await WaitForAnalysisAsync(system, "AnalysisCompleted", "call-azure");

        var request = Assert.Single(openAI.Requests);
        Assert.Equal("/openai/v1/chat/completions", request.Path);
        Assert.Equal("call-analysis-deployment", (string?)request.Body["model"]);
        Assert.Equal(AgentKey, request.ApiKey);
        Assert.Equal(AgentKey, request.Headers["api-key"]);
        Assert.False(request.Headers.ContainsKey("Authorization"));
        Assert.True((bool)request.Body["response_format"]!["json_schema"]!["strict"]!);
    }

    [Theory]
    [MemberData(nameof(SystemHarness.Backends), MemberType = typeof(SystemHarness))]
    public async Task ApiOutage_IsRetriedWithDoublingBackoff_InVirtualTime_ThenCompletes(string backend)
    {
        await using var openAI = await FakeOpenAIChatServer.StartAsync();
        openAI.Script(FakeChatReply.Status(500), FakeChatReply.Status(503));
        openAI.DefaultReply = FakeChatReply.Answer(Answer());
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var system = await SystemHarness.StartAsync(
            backend, Settings(openAI, new Dictionary<string, string?> { ["ANALYSIS_RETRY_DELAY_SECONDS"] = "30" }), services: s => s.AddKeyedSingleton<TimeProvider>(AnalysisWorker.ClockKey, clock));
        await system.CreateAgentAsync("bakery", Number, Bakery());
        var start = clock.GetUtcNow();

        using var _ = await system.PostCallRecordAsync(SystemHarness.CallRecord("call-outage").ToJsonString());
        var first = await WaitForAnalysisAsync(system, "AnalysisRetryScheduled", "call-outage");
        Assert.Contains("HTTP 500", first.Message, StringComparison.Ordinal);
        var pending = (await CallViewAsync(system, "call-outage"))["analysis"]!;
        Assert.Equal("pending", (string?)pending["status"]);
        Assert.Equal(1, (int)pending["attempts"]!);
        Assert.Equal("the analysis API answered HTTP 500", (string?)pending["lastError"]);
        Assert.Equal(start.AddSeconds(30).ToUnixTimeMilliseconds(), DateTimeOffset.Parse((string)pending["nextAttemptAt"]!, System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds());

        // Nothing more happens until the wait is over: the worker sleeps on the clock, not in a loop.
        await AdvanceWhenIdleAsync(system, clock, TimeSpan.FromSeconds(29));
        Assert.Single(openAI.Requests);
        await AdvanceWhenIdleAsync(system, clock, TimeSpan.FromSeconds(1));
        await openAI.WaitForRequestAsync(2, system.Token);
        await system.Logs.WaitForAsync(e => e.EventName == "AnalysisRetryScheduled" && e.Message.Contains("attempt 2", StringComparison.Ordinal), system.Token);
        pending = (await CallViewAsync(system, "call-outage"))["analysis"]!;
        Assert.Equal(start.AddSeconds(30 + 60).ToUnixTimeMilliseconds(), DateTimeOffset.Parse((string)pending["nextAttemptAt"]!, System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds());

        await AdvanceWhenIdleAsync(system, clock, TimeSpan.FromSeconds(60));
        await WaitForAnalysisAsync(system, "AnalysisCompleted", "call-outage");
        var analysis = (await CallViewAsync(system, "call-outage"))["analysis"]!;
        Assert.Equal("completed", (string?)analysis["status"]);
        Assert.Equal(3, (int)analysis["attempts"]!);
        Assert.Null(analysis["lastError"]);
        Assert.Equal(3, openAI.Requests.Count);
    }

    [Fact]
    public async Task ApiThatKeepsFailing_IsGivenUpAfterMaxAttempts_WithTheReason()
    {
        await using var openAI = await FakeOpenAIChatServer.StartAsync();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var system = await SystemHarness.StartAsync(
            "sqlite", Settings(openAI, new Dictionary<string, string?> { ["ANALYSIS_MAX_ATTEMPTS"] = "2" }), services: s => s.AddKeyedSingleton<TimeProvider>(AnalysisWorker.ClockKey, clock));
        await system.CreateAgentAsync("bakery", Number, Bakery());

        using var _ = await system.PostCallRecordAsync(SystemHarness.CallRecord("call-down").ToJsonString());
        await WaitForAnalysisAsync(system, "AnalysisRetryScheduled", "call-down");
        await AdvanceWhenIdleAsync(system, clock, TimeSpan.FromSeconds(30));
        var failed = await WaitForAnalysisAsync(system, "AnalysisFailed", "call-down");

        Assert.Equal(LogLevel.Error, failed.Level);
        var analysis = (await CallViewAsync(system, "call-down", "&analysis=error"))["analysis"]!;
        Assert.Equal("error", (string?)analysis["status"]);
        Assert.Equal("the analysis API answered HTTP 500 (after 2 attempts)", (string?)analysis["lastError"]);
        Assert.Null(analysis["nextAttemptAt"]);
        Assert.Equal(2, openAI.Requests.Count);
    }

    [Fact]
    public async Task RefusedKey_IsFinal_AndTheReasonNeverQuotesTheKey()
    {
        await using var openAI = await FakeOpenAIChatServer.StartAsync();
        // OpenAI's 401 quotes part of the key it was given.
        openAI.DefaultReply = FakeChatReply.Status(401, $"Incorrect API key provided: {AgentKey}.");
        await using var system = await SystemHarness.StartAsync("sqlite", Settings(openAI));
        await system.CreateAgentAsync("bakery", Number, Bakery());

        using var _ = await system.PostCallRecordAsync(SystemHarness.CallRecord("call-bad-key").ToJsonString());
        await WaitForAnalysisAsync(system, "AnalysisFailed", "call-bad-key");

        var view = await CallViewAsync(system, "call-bad-key");
        Assert.Equal("the analysis API refused the request (HTTP 401)", (string?)view["analysis"]!["lastError"]);
        Assert.Single(openAI.Requests);
        Assert.DoesNotContain(AgentKey, view.ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain(system.Logs.Entries, e => e.Message.Contains(AgentKey, StringComparison.Ordinal) || (e.Exception?.Contains(AgentKey, StringComparison.Ordinal) ?? false));
    }

    [Theory]
    [MemberData(nameof(SystemHarness.Backends), MemberType = typeof(SystemHarness))]
    public async Task AnswerOffTheSchema_IsAskedOnceMore_ThenStoredAsAnError(string backend)
    {
        await using var openAI = await FakeOpenAIChatServer.StartAsync();
        var offSchema = Answer();
        offSchema["structuredData"]!["cakeOrdered"] = "yes";
        openAI.DefaultReply = FakeChatReply.Answer(offSchema);
        await using var system = await SystemHarness.StartAsync(backend, Settings(openAI));
        await system.CreateAgentAsync("bakery", Number, Bakery());

        using var _ = await system.PostCallRecordAsync(SystemHarness.CallRecord("call-off-schema").ToJsonString());
        await WaitForAnalysisAsync(system, "AnalysisInvalidAnswer", "call-off-schema");
        var failed = await WaitForAnalysisAsync(system, "AnalysisFailed", "call-off-schema");

        Assert.Equal(2, openAI.Requests.Count);
        var analysis = (await CallViewAsync(system, "call-off-schema"))["analysis"]!;
        Assert.Equal("error", (string?)analysis["status"]);
        Assert.StartsWith("the answer does not match the schema at '/structuredData/cakeOrdered'", (string?)analysis["lastError"], StringComparison.Ordinal);
        Assert.EndsWith("(asked twice)", (string?)analysis["lastError"], StringComparison.Ordinal);
        Assert.Null(analysis["result"]);
        Assert.Contains("asked twice", failed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnswerThatIsNotJson_IsAskedOnceMore_AndTheSecondAnswerIsStored()
    {
        await using var openAI = await FakeOpenAIChatServer.StartAsync();
        openAI.Script(FakeChatReply.Answer("Sure! Here is the analysis: {"));
        openAI.DefaultReply = FakeChatReply.Answer(Answer(passed: false));
        await using var system = await SystemHarness.StartAsync("sqlite", Settings(openAI));
        await system.CreateAgentAsync("bakery", Number, Bakery());

        using var _ = await system.PostCallRecordAsync(SystemHarness.CallRecord("call-not-json").ToJsonString());
        var invalid = await WaitForAnalysisAsync(system, "AnalysisInvalidAnswer", "call-not-json");
        await WaitForAnalysisAsync(system, "AnalysisCompleted", "call-not-json");

        Assert.Contains("the answer is not JSON", invalid.Message, StringComparison.Ordinal);
        var analysis = (await CallViewAsync(system, "call-not-json"))["analysis"]!;
        Assert.Equal("completed", (string?)analysis["status"]);
        Assert.False((bool?)analysis["passed"]);
        Assert.Equal(2, (int)analysis["attempts"]!);
    }

    [Fact]
    public async Task ModelRefusal_CountsAsAnInvalidAnswer()
    {
        await using var openAI = await FakeOpenAIChatServer.StartAsync();
        openAI.DefaultReply = FakeChatReply.Refused("I can't help with that.");
        await using var system = await SystemHarness.StartAsync("sqlite", Settings(openAI));
        await system.CreateAgentAsync("bakery", Number, Bakery());

        using var _ = await system.PostCallRecordAsync(SystemHarness.CallRecord("call-refused").ToJsonString());
        await WaitForAnalysisAsync(system, "AnalysisFailed", "call-refused");

        Assert.Equal("the model refused to answer (asked twice)", (string?)(await CallViewAsync(system, "call-refused"))["analysis"]!["lastError"]);
    }

    [Fact]
    public async Task MainAppKey_IsUsedInsteadOfTheAgentsOwn_AndAnAgentWithoutEither_IsAnError()
    {
        await using var openAI = await FakeOpenAIChatServer.StartAsync();
        openAI.DefaultReply = FakeChatReply.Answer(Answer());
        await using (var system = await SystemHarness.StartAsync("sqlite", Settings(openAI, new Dictionary<string, string?> { ["ANALYSIS_OPENAI_API_KEY"] = "sk-main-app-analysis-key" })))
        {
            await system.CreateAgentAsync("bakery", Number, Bakery());
            using var _ = await system.PostCallRecordAsync(SystemHarness.CallRecord("call-main-key").ToJsonString());
            await WaitForAnalysisAsync(system, "AnalysisCompleted", "call-main-key");
            Assert.Equal("sk-main-app-analysis-key", Assert.Single(openAI.Requests).ApiKey);
            Assert.DoesNotContain(system.Logs.Entries, e => e.Message.Contains("sk-main-app-analysis-key", StringComparison.Ordinal));
        }

        await using (var system = await SystemHarness.StartAsync("sqlite", Settings(openAI)))
        {
            await system.CreateAgentAsync("bakery", Number, Bakery(key: null));
            using var _ = await system.PostCallRecordAsync(SystemHarness.CallRecord("call-no-key").ToJsonString());
            await WaitForAnalysisAsync(system, "AnalysisFailed", "call-no-key");
            Assert.Equal(
                "no OpenAI key: the agent has no key of its own and ANALYSIS_OPENAI_API_KEY is not set",
                (string?)(await CallViewAsync(system, "call-no-key"))["analysis"]!["lastError"]);
            Assert.Single(openAI.Requests);
        }
    }

    [Theory]
    [MemberData(nameof(SystemHarness.Backends), MemberType = typeof(SystemHarness))]
    public async Task Listing_FiltersByAgentTimeAndVerdict(string backend)
    {
        await using var openAI = await FakeOpenAIChatServer.StartAsync();
        await using var system = await SystemHarness.StartAsync(backend, Settings(openAI));
        await system.CreateAgentAsync("bakery", Number, Bakery());
        await system.CreateAgentAsync("florist", "+15557001235", Bakery());
        await system.CreateAgentAsync("no-plan", "+15557001236", Bakery(plan: []));

        // One call at a time, so each gets the answer scripted for it.
        async Task StoreAsync(string callId, string agentId, string startedAt, FakeChatReply reply, string awaited)
        {
            openAI.Script(reply);
            var record = SystemHarness.CallRecord(callId, agentId);
            record["startedAt"] = startedAt;
            record["endedAt"] = DateTimeOffset.Parse(startedAt, System.Globalization.CultureInfo.InvariantCulture).AddMinutes(1).ToString("o", System.Globalization.CultureInfo.InvariantCulture);
            using var stored = await system.PostCallRecordAsync(record.ToJsonString());
            Assert.Equal(HttpStatusCode.OK, stored.StatusCode);
            if (awaited.Length > 0)
            {
                await WaitForAnalysisAsync(system, awaited, callId);
            }
        }

        await StoreAsync("bakery-passed-old", "bakery", "2026-11-20T09:00:00+00:00", FakeChatReply.Answer(Answer(passed: true)), "AnalysisCompleted");
        await StoreAsync("bakery-failed-old", "bakery", "2026-11-21T09:00:00+00:00", FakeChatReply.Answer(Answer(passed: false)), "AnalysisCompleted");
        await StoreAsync("bakery-failed-new", "bakery", "2026-11-24T09:00:00+00:00", FakeChatReply.Answer(Answer(passed: false)), "AnalysisCompleted");
        await StoreAsync("bakery-error", "bakery", "2026-11-24T10:00:00+00:00", FakeChatReply.Status(400), "AnalysisFailed");
        await StoreAsync("florist-failed", "florist", "2026-11-24T11:00:00+00:00", FakeChatReply.Answer(Answer(passed: false)), "AnalysisCompleted");
        await StoreAsync("no-plan-call", "no-plan", "2026-11-24T12:00:00+00:00", FakeChatReply.Status(500), string.Empty);
        openAI.HoldRequests();
        await StoreAsync("bakery-pending", "bakery", "2026-11-24T13:00:00+00:00", FakeChatReply.Status(500), string.Empty);
        await openAI.WaitForRequestAsync(6, system.Token);

        async Task<string[]> IdsAsync(string query) =>
            [.. (await system.Admin.GetFromJsonAsync<JsonArray>("/api/calls?" + query, system.Token))!.Select(c => (string)c!["callId"]!)];

        Assert.Equal(["bakery-failed-new"], await IdsAsync("agentId=bakery&analysis=failed&since=2026-11-22T00:00:00Z"));
        Assert.Equal(["bakery-failed-new", "bakery-failed-old"], await IdsAsync("agentId=bakery&analysis=failed"));
        Assert.Equal(["bakery-failed-old"], await IdsAsync("agentId=bakery&analysis=failed&until=2026-11-22T00:00:00%2B00:00"));
        Assert.Equal(["bakery-passed-old"], await IdsAsync("analysis=passed"));
        Assert.Equal(["bakery-error"], await IdsAsync("analysis=error"));
        Assert.Equal(["bakery-pending"], await IdsAsync("analysis=pending"));
        Assert.Equal(["florist-failed", "bakery-failed-new", "bakery-failed-old"], await IdsAsync("analysis=failed"));
        Assert.Equal(["bakery-pending", "no-plan-call", "florist-failed", "bakery-error", "bakery-failed-new"], await IdsAsync("since=2026-11-24T00:00:00Z"));
        Assert.Equal(["bakery-pending"], await IdsAsync("since=2026-11-24T00:00:00Z&limit=1"));
        Assert.Empty(await IdsAsync("agentId=florist&analysis=passed"));
        Assert.Null((await CallViewAsync(system, "no-plan-call"))["analysis"]);
        openAI.Release();
    }

    [Theory]
    [MemberData(nameof(SystemHarness.Backends), MemberType = typeof(SystemHarness))]
    public async Task FailedAnalysis_QueuedAgain_CompletesWithTheAgentsCurrentPlan(string backend)
    {
        await using var openAI = await FakeOpenAIChatServer.StartAsync();
        openAI.Script(FakeChatReply.Status(404, "The model does not exist."));
        await using var system = await SystemHarness.StartAsync(backend, Settings(openAI));
        await system.CreateAgentAsync("bakery", Number, Bakery());
        using var _ = await system.PostCallRecordAsync(SystemHarness.CallRecord("call-requeued").ToJsonString());
        await WaitForAnalysisAsync(system, "AnalysisFailed", "call-requeued");

        // The plan changes: only a rubric now.
        var rubricOnly = new JsonObject { ["successRubric"] = "The caller was greeted." };
        using (var changed = await system.Admin.PutAsJsonAsync("/api/agents/bakery", Bakery(rubricOnly), system.Token))
        {
            Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        }

        openAI.DefaultReply = FakeChatReply.Answer(new JsonObject { ["success"] = new JsonObject { ["passed"] = true, ["reason"] = "Greeted." } });
        using var requeued = await system.Admin.PostAsync("/api/calls/call-requeued/analysis", null, system.Token);
        Assert.Equal(HttpStatusCode.Accepted, requeued.StatusCode);
        var queued = await requeued.Content.ReadFromJsonAsync<JsonObject>(system.Token);
        Assert.Equal("pending", (string?)queued!["status"]);
        Assert.Equal(0, (int)queued["attempts"]!);
        await system.Logs.WaitForAsync(e => e.EventName == "AnalysisCompleted" && e.Message.Contains("call-requeued", StringComparison.Ordinal), system.Token);

        Assert.Equal(["success"], openAI.Requests[^1].ResponseSchema["required"]!.AsArray().Select(r => (string?)r));
        var analysis = (await CallViewAsync(system, "call-requeued"))["analysis"]!;
        Assert.Equal("completed", (string?)analysis["status"]);
        Assert.True((bool?)analysis["passed"]);

        // A completed analysis can be asked for again; one that is queued cannot be queued twice.
        openAI.HoldRequests();
        using (var again = await system.Admin.PostAsync("/api/calls/call-requeued/analysis", null, system.Token))
        {
            Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        }

        using (var twice = await system.Admin.PostAsync("/api/calls/call-requeued/analysis", null, system.Token))
        {
            Assert.Equal(HttpStatusCode.Conflict, twice.StatusCode);
            Assert.Equal("analysis_pending", (string?)(await twice.Content.ReadFromJsonAsync<JsonObject>(system.Token))!["error"]);
        }

        openAI.Release();
    }

    [Fact]
    public async Task Requeue_OfAnUnknownCall_Is404_AndOfACallWithoutAPlan_Is409()
    {
        await using var openAI = await FakeOpenAIChatServer.StartAsync();
        await using var system = await SystemHarness.StartAsync("sqlite", Settings(openAI));
        await system.CreateAgentAsync("bakery", Number, Bakery(plan: []));
        using var _ = await system.PostCallRecordAsync(SystemHarness.CallRecord("call-without-plan").ToJsonString());

        using var unknown = await system.Admin.PostAsync("/api/calls/no-such-call/analysis", null, system.Token);
        using var noPlan = await system.Admin.PostAsync("/api/calls/call-without-plan/analysis", null, system.Token);

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, noPlan.StatusCode);
        Assert.Equal("no_analysis_plan", (string?)(await noPlan.Content.ReadFromJsonAsync<JsonObject>(system.Token))!["error"]);
        Assert.Empty(openAI.Requests);

        // Given a plan later, the same call can be analysed.
        openAI.DefaultReply = FakeChatReply.Answer(Answer());
        using (var planned = await system.Admin.PutAsJsonAsync("/api/agents/bakery", Bakery(), system.Token))
        {
            Assert.Equal(HttpStatusCode.OK, planned.StatusCode);
        }

        using var queued = await system.Admin.PostAsync("/api/calls/call-without-plan/analysis", null, system.Token);
        Assert.Equal(HttpStatusCode.Accepted, queued.StatusCode);
        await WaitForAnalysisAsync(system, "AnalysisCompleted", "call-without-plan");
    }

    /// <summary>
    /// Moves the worker's clock on once it sleeps: when its latest line is AnalysisWaiting, written after its timer was
    /// set, so the move cannot land before the timer and be missed.
    /// </summary>
    internal static async Task AdvanceWhenIdleAsync(SystemHarness system, FakeTimeProvider clock, TimeSpan by)
    {
        await system.Logs.WaitForAsync(
            e => e.EventName == "AnalysisWaiting" && ReferenceEquals(e, system.Logs.Entries.LastOrDefault(static w => w.EventName.StartsWith("Analysis", StringComparison.Ordinal))),
            system.Token);
        clock.Advance(by);
    }
}
