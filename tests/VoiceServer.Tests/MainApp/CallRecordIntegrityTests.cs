using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace VoiceServer.Tests.MainApp;

/// <summary>
/// A call's record is stored once and never changes: the same record again is accepted and changes nothing, a
/// different one for the same call id is refused with 409, and what the listing shows always matches the stored JSON.
/// </summary>
public sealed class CallRecordIntegrityTests
{
    [Theory]
    [MemberData(nameof(SystemHarness.Backends), MemberType = typeof(SystemHarness))]
    public async Task IdenticalRedelivery_200_ChangesNothing(string backend)
    {
        await using var system = await SystemHarness.StartAsync(backend);
        var record = SystemHarness.CallRecord("c1");
        var body = record.ToJsonString();
        using (var first = await system.PostCallRecordAsync(body))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        var before = Assert.Single(await system.Store.ListCallRecordsAsync(null, 10, system.Token));

        // The voice server's retry: the very same bytes, signed afresh. Then the same record written differently.
        var reordered = new JsonObject(record.Reverse().Select(p => KeyValuePair.Create(p.Key, p.Value?.DeepClone())));
        foreach (var again in new[] { body, reordered.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) })
        {
            using var response = await system.PostCallRecordAsync(again);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var after = Assert.Single(await system.Store.ListCallRecordsAsync(null, 10, system.Token));
        Assert.Equal(before, after);
        Assert.Equal(body, after.RecordJson);
        Assert.Equal(2, system.Logs.Entries.Count(e => e.EventName == "Redelivered"));
    }

    [Theory]
    [MemberData(nameof(SystemHarness.Backends), MemberType = typeof(SystemHarness))]
    public async Task DifferentRecordForAStoredCallId_409_StoredRecordUnchanged(string backend)
    {
        await using var system = await SystemHarness.StartAsync(backend);
        var original = SystemHarness.CallRecord("c1").ToJsonString();
        using (var first = await system.PostCallRecordAsync(original))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        var before = Assert.Single(await system.Store.ListCallRecordsAsync(null, 10, system.Token));

        // Signed with the right key: knowing a call id (it is in logs, TwiML callbacks, dashboards) must not be enough to rewrite it.
        foreach (var forged in new[]
        {
            SystemHarness.CallRecord("c1", endReason: "max_duration", durationMs: 5_000),
            SystemHarness.CallRecord("c1", agentId: "someone-else"),
            SystemHarness.CallRecord("c1", turnText: "Please refund me everything."),
        })
        {
            using var response = await system.PostCallRecordAsync(forged.ToJsonString());
            Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
            Assert.Equal("conflict", (string?)(await response.Content.ReadFromJsonAsync<JsonObject>(system.Token))!["error"]);
        }

        Assert.Equal(before, Assert.Single(await system.Store.ListCallRecordsAsync(null, 10, system.Token)));
        Assert.Equal(3, system.Logs.Entries.Count(e => e.EventName == "Conflict" && e.Level == LogLevel.Warning));
    }

    [Theory]
    [MemberData(nameof(SystemHarness.Backends), MemberType = typeof(SystemHarness))]
    public async Task Listing_ColumnsAlwaysMatchTheStoredJson(string backend)
    {
        await using var system = await SystemHarness.StartAsync(backend);
        for (var i = 0; i < 3; i++)
        {
            using var stored = await system.PostCallRecordAsync(SystemHarness.CallRecord($"c{i}", endReason: "caller_stopped", durationMs: 60_000 + i).ToJsonString());
            Assert.Equal(HttpStatusCode.OK, stored.StatusCode);
            using var replaced = await system.PostCallRecordAsync(SystemHarness.CallRecord($"c{i}", agentId: "other", endReason: "model_error", durationMs: 1).ToJsonString());
            Assert.Equal(HttpStatusCode.Conflict, replaced.StatusCode);
        }

        await AssertListingMatchesStoredJsonAsync(system, expectedCount: 3);
        Assert.Equal(3, (await system.Admin.GetFromJsonAsync<JsonArray>("/api/calls?agentId=bakery", system.Token))!.Count);
        Assert.Empty((await system.Admin.GetFromJsonAsync<JsonArray>("/api/calls?agentId=other", system.Token))!);
    }

    [Theory]
    [MemberData(nameof(SystemHarness.Backends), MemberType = typeof(SystemHarness))]
    public async Task RacingDeliveries_OneRecordWins_TheOtherIsAConflict(string backend)
    {
        await using var system = await SystemHarness.StartAsync(backend);
        var bodies = new[] { SystemHarness.CallRecord("race", endReason: "caller_stopped").ToJsonString(), SystemHarness.CallRecord("race", endReason: "model_error").ToJsonString() };

        var responses = await Task.WhenAll(bodies.Select(body => system.PostCallRecordAsync(body)));

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.Conflict], responses.Select(r => r.StatusCode).Order());
        var winner = bodies[Array.FindIndex(responses, r => r.StatusCode == HttpStatusCode.OK)];
        Assert.Equal(winner, Assert.Single(await system.Store.ListCallRecordsAsync(null, 10, system.Token)).RecordJson);
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }

    [Theory]
    [MemberData(nameof(SystemHarness.Backends), MemberType = typeof(SystemHarness))]
    public async Task Migration_RewritesColumnsThatDriftedFromTheirJson(string backend)
    {
        await using var system = await SystemHarness.StartAsync(backend);
        // A row as an earlier version left it after a redelivery replaced the JSON: the columns still say the old record.
        var replacement = SystemHarness.CallRecord("drifted", agentId: "forged-agent", endReason: "model_error", durationMs: 5_000);
        replacement["startedAt"] = "2026-11-25T10:00:00+01:00";
        replacement["endedAt"] = "2026-11-25T10:00:05+01:00";
        replacement["callSid"] = "CAffffffffffffffffffffffffffffffff";
        await using (var connection = await system.Database.OpenAsync(system.Token))
        {
            await using var insert = connection.CreateCommand();
            insert.CommandText =
                "INSERT INTO call_records (call_id, agent_id, call_sid, started_at, ended_at, duration_ms, end_reason, record_json, received_at) " +
                "VALUES ('drifted', 'bakery', 'CA0123456789abcdef0123456789abcdef', @started, @ended, 60000, 'caller_stopped', @json, @started)";
            VoiceServer.MainApp.Data.Database.AddParameter(insert, "started", DateTimeOffset.Parse("2026-11-24T09:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
            VoiceServer.MainApp.Data.Database.AddParameter(insert, "ended", DateTimeOffset.Parse("2026-11-24T09:01:00Z", System.Globalization.CultureInfo.InvariantCulture));
            VoiceServer.MainApp.Data.Database.AddParameter(insert, "json", replacement.ToJsonString());
            await insert.ExecuteNonQueryAsync(system.Token);
            await using var forget = connection.CreateCommand();
            forget.CommandText = "DELETE FROM schema_migrations WHERE name LIKE '0002%'";
            await forget.ExecuteNonQueryAsync(system.Token);
        }

        await system.Database.MigrateAsync(system.Token);

        var row = Assert.Single(await system.Store.ListCallRecordsAsync(null, 10, system.Token));
        Assert.Equal(
            ("forged-agent", "CAffffffffffffffffffffffffffffffff", DateTimeOffset.Parse("2026-11-25T09:00:00Z", System.Globalization.CultureInfo.InvariantCulture), DateTimeOffset.Parse("2026-11-25T09:00:05Z", System.Globalization.CultureInfo.InvariantCulture), 5_000L, "model_error"),
            (row.AgentId, row.CallSid, row.StartedAt, row.EndedAt, row.DurationMs, row.EndReason));
        await AssertListingMatchesStoredJsonAsync(system, expectedCount: 1);
        Assert.Single((await system.Admin.GetFromJsonAsync<JsonArray>("/api/calls?agentId=forged-agent", system.Token))!);
    }

    /// <summary>Each listed record's columns equal the fields of its JSON, and so do the database's own columns.</summary>
    private static async Task AssertListingMatchesStoredJsonAsync(SystemHarness system, int expectedCount)
    {
        var listed = (await system.Admin.GetFromJsonAsync<JsonArray>("/api/calls", system.Token))!;
        Assert.Equal(expectedCount, listed.Count);
        var rows = (await system.Store.ListCallRecordsAsync(null, 100, system.Token)).ToDictionary(r => r.CallId);
        foreach (var view in listed.Select(v => v!.AsObject()))
        {
            var record = view["record"]!.AsObject();
            var row = rows[(string)view["callId"]!];
            Assert.Equal((string?)record["callId"], (string?)view["callId"]);
            Assert.Equal((string?)record["agentId"], (string?)view["agentId"]);
            Assert.Equal((string?)record["callSid"], (string?)view["callSid"]);
            Assert.Equal((string?)record["endReason"], (string?)view["endReason"]);
            Assert.Equal((long)record["durationMs"]!, (long)view["durationMs"]!);
            Assert.Equal(DateTimeOffset.Parse((string)record["startedAt"]!, System.Globalization.CultureInfo.InvariantCulture), DateTimeOffset.Parse((string)view["startedAt"]!, System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(((string?)record["agentId"], (string?)record["callSid"], (string?)record["endReason"], (long)record["durationMs"]!), (row.AgentId, row.CallSid, row.EndReason, row.DurationMs));
            Assert.Equal(JsonNode.Parse(row.RecordJson)!.ToJsonString(), record.ToJsonString());
        }
    }
}
