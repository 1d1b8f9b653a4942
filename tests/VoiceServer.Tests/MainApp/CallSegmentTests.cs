using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using VoiceServer.Fakes;

namespace VoiceServer.Tests.MainApp;

/// <summary>
/// The segments of a call record in the main app: stored with the record and listed with it, a call found under
/// every agent that held it, a record of an older voice server (no segments) still accepted with one segment read
/// from its own fields, segments that do not read refused, earlier rows given their segment by the migration, and
/// a handed-over call analysed with its first agent's plan.
/// </summary>
public sealed class CallSegmentTests
{
    private static readonly DateTimeOffset s_start = DateTimeOffset.Parse("2026-11-24T09:00:00.1234567+00:00", CultureInfo.InvariantCulture);

    /// <summary>A record of the voice server for a call bakery handed to orders after 20 s.</summary>
    private static JsonObject HandedOverRecord(string callId)
    {
        var record = SystemHarness.CallRecord(callId);
        record["estimatedCostUsd"] = 0.003;
        record["usage"] = Usage(100, 40);
        record["segments"] = new JsonArray(
            Segment("bakery", s_start, s_start.AddSeconds(20), "handoff", "orders", "The caller wants to order a cake.", Usage(60, 25), 0.002),
            Segment("orders", s_start.AddSeconds(20), s_start.AddSeconds(60), "caller_stopped", null, null, Usage(40, 15), 0.001));
        record["turns"] = new JsonArray(
            new JsonObject { ["speaker"] = "caller", ["text"] = "I'd like to order a cake.", ["startedAt"] = "2026-11-24T09:00:01+00:00", ["interrupted"] = false, ["keypad"] = false, ["agentId"] = "bakery" },
            new JsonObject { ["speaker"] = "agent", ["text"] = "Let me pass you to orders.", ["startedAt"] = "2026-11-24T09:00:03+00:00", ["interrupted"] = false, ["keypad"] = false, ["agentId"] = "bakery" },
            new JsonObject { ["speaker"] = "agent", ["text"] = "Orders here: which cake?", ["startedAt"] = "2026-11-24T09:00:21+00:00", ["interrupted"] = false, ["keypad"] = false, ["agentId"] = "orders" });
        return record;
    }

    private static JsonObject Segment(string? agentId, DateTimeOffset start, DateTimeOffset end, string endReason, string? handedTo, string? handoffReason, JsonObject usage, double cost) => new()
    {
        ["agentId"] = agentId,
        ["model"] = "gpt-realtime",
        ["startedAt"] = start.ToString("o", CultureInfo.InvariantCulture),
        ["endedAt"] = end.ToString("o", CultureInfo.InvariantCulture),
        ["endReason"] = endReason,
        ["handedTo"] = handedTo,
        ["handoffReason"] = handoffReason,
        ["usage"] = usage,
        ["estimatedCostUsd"] = cost,
        ["modelReconnects"] = 0,
    };

    private static JsonObject Usage(long input, long output) => new()
    {
        ["inputTextTokens"] = input,
        ["inputAudioTokens"] = 0,
        ["cachedTextTokens"] = 0,
        ["cachedAudioTokens"] = 0,
        ["outputTextTokens"] = output,
        ["outputAudioTokens"] = 0,
        ["inputTokens"] = input,
        ["outputTokens"] = output,
    };

    private static async Task<JsonArray> ListAsync(SystemHarness system, string query = "") =>
        (await system.Admin.GetFromJsonAsync<JsonArray>("/api/calls" + query, system.Token))!;

    [Theory]
    [MemberData(nameof(SystemHarness.Backends), MemberType = typeof(SystemHarness))]
    public async Task ARecordWithSegments_IsListedWithThem_UnderEveryAgentThatHeldTheCall(string backend)
    {
        await using var system = await SystemHarness.StartAsync(backend);
        using (var stored = await system.PostCallRecordAsync(HandedOverRecord("handed").ToJsonString()))
        {
            Assert.Equal(HttpStatusCode.OK, stored.StatusCode);
        }

        using (var other = await system.PostCallRecordAsync(SystemHarness.CallRecord("other", agentId: "reception").ToJsonString()))
        {
            Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        }

        var view = Assert.Single(await ListAsync(system, "?agentId=orders"))!;
        Assert.Equal(("handed", "bakery"), ((string?)view["callId"], (string?)view["agentId"]));
        Assert.Equal(
            [("bakery", "handoff", "orders", "The caller wants to order a cake.", 0.002m, 60L), ("orders", "caller_stopped", null, null, 0.001m, 40L)],
            view["segments"]!.AsArray().Select(s => ((string?)s!["agentId"], (string?)s["endReason"], (string?)s["handedTo"], (string?)s["handoffReason"], (decimal)s["estimatedCostUsd"]!, (long)s["usage"]!["inputTokens"]!)));
        Assert.Equal(s_start.AddSeconds(20), DateTimeOffset.Parse((string)view["segments"]![1]!["startedAt"]!, CultureInfo.InvariantCulture));
        Assert.Equal(["bakery", "bakery", "orders"], view["record"]!["turns"]!.AsArray().Select(t => (string?)t!["agentId"]));

        Assert.Equal("handed", (string?)Assert.Single(await ListAsync(system, "?agentId=bakery"))!["callId"]);
        Assert.Equal("other", (string?)Assert.Single(await ListAsync(system, "?agentId=reception"))!["callId"]);
        // Agent ids match exactly, as everywhere else.
        Assert.Empty(await ListAsync(system, "?agentId=ORDERS"));
        Assert.Empty(await ListAsync(system, "?agentId=order"));
        Assert.Empty(await ListAsync(system, "?agentId=" + Uri.EscapeDataString("x' OR '1'='1")));
        Assert.Empty(await ListAsync(system, "?agentId=" + Uri.EscapeDataString("%")));
        Assert.Equal(2, (await ListAsync(system)).Count);
    }

    [Theory]
    [MemberData(nameof(SystemHarness.Backends), MemberType = typeof(SystemHarness))]
    public async Task ARecordOfAnOlderVoiceServer_WithoutSegments_IsStoredWithOneSegmentReadFromItsOwnFields(string backend)
    {
        await using var system = await SystemHarness.StartAsync(backend);
        var bare = SystemHarness.CallRecord("bare");
        var priced = SystemHarness.CallRecord("priced", agentId: "orders", endReason: "agent_hung_up", durationMs: 30_000);
        priced["usage"] = Usage(10, 5);
        priced["estimatedCostUsd"] = 0.000120;
        priced["segments"] = null;
        foreach (var record in new[] { bare, priced })
        {
            using var stored = await system.PostCallRecordAsync(record.ToJsonString());
            Assert.Equal(HttpStatusCode.OK, stored.StatusCode);
        }

        var bareSegment = Assert.Single(Assert.Single(await ListAsync(system, "?agentId=bakery"))!["segments"]!.AsArray())!;
        Assert.Equal(("bakery", "gpt-realtime", "caller_stopped", null, null), ((string?)bareSegment["agentId"], (string?)bareSegment["model"], (string?)bareSegment["endReason"], bareSegment["usage"], bareSegment["estimatedCostUsd"]));
        Assert.Equal(
            (DateTimeOffset.Parse((string)bare["startedAt"]!, CultureInfo.InvariantCulture), DateTimeOffset.Parse((string)bare["endedAt"]!, CultureInfo.InvariantCulture)),
            (DateTimeOffset.Parse((string)bareSegment["startedAt"]!, CultureInfo.InvariantCulture), DateTimeOffset.Parse((string)bareSegment["endedAt"]!, CultureInfo.InvariantCulture)));

        var pricedView = Assert.Single(await ListAsync(system, "?agentId=orders"))!;
        var pricedSegment = Assert.Single(pricedView["segments"]!.AsArray())!;
        Assert.Equal(("orders", "agent_hung_up", 0.000120m, 0), ((string?)pricedSegment["agentId"], (string?)pricedSegment["endReason"], (decimal)pricedSegment["estimatedCostUsd"]!, (int)pricedSegment["modelReconnects"]!));
        Assert.True(JsonNode.DeepEquals(Usage(10, 5), pricedSegment["usage"]));
        // The stored record is the one received, byte for byte: nothing is added to it.
        Assert.Null(pricedView["record"]!["segments"]);
    }

    public static TheoryData<string, string> MalformedSegments => new()
    {
        { "not an array", "\"front\"" },
        { "empty", "[]" },
        { "not objects", "[1, 2]" },
        { "no start", """[{"agentId":"bakery","endedAt":"2026-11-24T09:01:00Z","endReason":"caller_stopped"}]""" },
        { "end not a time", """[{"agentId":"bakery","startedAt":"2026-11-24T09:00:00Z","endedAt":"soon","endReason":"caller_stopped"}]""" },
        { "no end reason", """[{"agentId":"bakery","startedAt":"2026-11-24T09:00:00Z","endedAt":"2026-11-24T09:01:00Z"}]""" },
        { "agent a number", """[{"agentId":5,"startedAt":"2026-11-24T09:00:00Z","endedAt":"2026-11-24T09:01:00Z","endReason":"caller_stopped"}]""" },
        { "handed to an object", """[{"agentId":"bakery","startedAt":"2026-11-24T09:00:00Z","endedAt":"2026-11-24T09:01:00Z","endReason":"handoff","handedTo":{}}]""" },
        { "cost a string", """[{"agentId":"bakery","startedAt":"2026-11-24T09:00:00Z","endedAt":"2026-11-24T09:01:00Z","endReason":"caller_stopped","estimatedCostUsd":"0.1"}]""" },
        { "cost too large", """[{"agentId":"bakery","startedAt":"2026-11-24T09:00:00Z","endedAt":"2026-11-24T09:01:00Z","endReason":"caller_stopped","estimatedCostUsd":1e300}]""" },
        { "reconnects a fraction", """[{"agentId":"bakery","startedAt":"2026-11-24T09:00:00Z","endedAt":"2026-11-24T09:01:00Z","endReason":"caller_stopped","modelReconnects":1.5}]""" },
        { "usage an array", """[{"agentId":"bakery","startedAt":"2026-11-24T09:00:00Z","endedAt":"2026-11-24T09:01:00Z","endReason":"caller_stopped","usage":[]}]""" },
        { "too many", "[" + string.Join(",", Enumerable.Repeat("""{"agentId":"bakery","startedAt":"2026-11-24T09:00:00Z","endedAt":"2026-11-24T09:01:00Z","endReason":"handoff"}""", 101)) + "]" },
    };

    [Theory]
    [MemberData(nameof(MalformedSegments))]
    public async Task SegmentsThatDoNotRead_400_NothingStored(string why, string segments)
    {
        await using var system = await SystemHarness.StartAsync("sqlite");
        var record = SystemHarness.CallRecord("malformed");
        record["segments"] = JsonNode.Parse(segments);

        using var response = await system.PostCallRecordAsync(record.ToJsonString());

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, why);
        Assert.Equal("invalid_record", (string?)(await response.Content.ReadFromJsonAsync<JsonObject>(system.Token))!["error"]);
        Assert.Empty(await system.Store.ListCallRecordsAsync(null, 10, system.Token));
    }

    [Theory]
    [MemberData(nameof(SystemHarness.Backends), MemberType = typeof(SystemHarness))]
    public async Task Migration_GivesEveryEarlierRecordOneSegment_FromItsColumns(string backend)
    {
        await using var system = await SystemHarness.StartAsync(backend);
        using (var stored = await system.PostCallRecordAsync(SystemHarness.CallRecord("earlier", endReason: "idle_timeout").ToJsonString()))
        {
            Assert.Equal(HttpStatusCode.OK, stored.StatusCode);
        }

        // As before 0008: no segments table, the migration not applied.
        await using (var connection = await system.Database.OpenAsync(system.Token))
        {
            await using var undo = connection.CreateCommand();
            undo.CommandText = "DROP TABLE call_segments; DELETE FROM schema_migrations WHERE name LIKE '0008%'";
            await undo.ExecuteNonQueryAsync(system.Token);
        }

        await system.Database.MigrateAsync(system.Token);

        await using (var connection = await system.Database.OpenAsync(system.Token))
        {
            await using var read = connection.CreateCommand();
            read.CommandText = "SELECT position, agent_id, end_reason, handed_to FROM call_segments WHERE call_id = 'earlier'";
            await using var reader = await read.ExecuteReaderAsync(system.Token);
            Assert.True(await reader.ReadAsync(system.Token));
            Assert.Equal((0L, "bakery", "idle_timeout", true), (Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3)));
            Assert.False(await reader.ReadAsync(system.Token));
        }

        Assert.Single(await ListAsync(system, "?agentId=bakery"));
    }

    [Theory]
    [MemberData(nameof(SystemHarness.Backends), MemberType = typeof(SystemHarness))]
    public async Task AHandedOverCall_IsAnalysedWithItsFirstAgentsPlan_EachAgentLineNamed(string backend)
    {
        await using var openAI = await FakeOpenAIChatServer.StartAsync();
        openAI.DefaultReply = FakeChatReply.Answer(CallAnalysisTests.Answer());
        await using var system = await SystemHarness.StartAsync(backend, CallAnalysisTests.Settings(openAI));
        await system.CreateAgentAsync("bakery", CallAnalysisTests.Number, CallAnalysisTests.Bakery());
        var ordersPlan = CallAnalysisTests.Plan();
        ordersPlan["summaryPrompt"] = "The orders desk's own summary prompt.";
        await system.CreateAgentAsync("orders", "+15557001235", CallAnalysisTests.Bakery(ordersPlan, key: "sk-orders-own-key-0123456789"));

        using (var stored = await system.PostCallRecordAsync(HandedOverRecord("handed").ToJsonString()))
        {
            Assert.Equal(HttpStatusCode.OK, stored.StatusCode);
        }

        await CallAnalysisTests.WaitForAnalysisAsync(system, "AnalysisCompleted", "handed");

        var request = Assert.Single(openAI.Requests);
        Assert.Equal(CallAnalysisTests.AgentKey, request.ApiKey);
        Assert.Contains("Summarise the call in two sentences", request.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("The orders desk's own summary prompt.", request.Text, StringComparison.Ordinal);
        Assert.Contains("caller: I'd like to order a cake.", request.Text, StringComparison.Ordinal);
        Assert.Contains("agent bakery: Let me pass you to orders.", request.Text, StringComparison.Ordinal);
        Assert.Contains("agent orders: Orders here: which cake?", request.Text, StringComparison.Ordinal);
        Assert.Equal("completed", (string?)(await CallAnalysisTests.CallViewAsync(system, "handed", "&agentId=orders"))["analysis"]!["status"]);
    }
}
