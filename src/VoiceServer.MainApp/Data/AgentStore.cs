using System.Data.Common;
using System.Text.Json;
using VoiceServer.MainApp.Hosting;

namespace VoiceServer.MainApp.Data;

/// <summary>Agents, their phone numbers and call records; the same SQL on SQLite and PostgreSQL.</summary>
internal sealed class AgentStore(Database database, TimeProvider timeProvider)
{
    private const string AgentColumns =
        "id, name, prompt, voice, temperature, greeting, tools, openai_key_encrypted, enabled, created_at, updated_at, " +
        "voicemail_policy, voicemail_message, outbound_calls_per_minute, outbound_max_concurrent, record_calls, analysis_plan, handoffs";

    public async Task<IReadOnlyList<Agent>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {AgentColumns} FROM agents ORDER BY id";
        return await ReadAgentsAsync(command, cancellationToken);
    }

    public async Task<Agent?> GetAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {AgentColumns} FROM agents WHERE id = @id";
        Database.AddParameter(command, "id", id);
        return (await ReadAgentsAsync(command, cancellationToken)).SingleOrDefault();
    }

    /// <summary>
    /// The agent a dialled number reaches through <paramref name="provider"/>'s webhook, enabled or not (the caller
    /// decides what to do with a disabled one). A number registered for another provider reaches nobody here.
    /// </summary>
    public async Task<Agent?> FindByNumberAsync(string number, PhoneProvider provider, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {string.Join(", ", AgentColumns.Split(", ").Select(c => "a." + c))} FROM agents a JOIN phone_numbers p ON p.agent_id = a.id WHERE p.number = @number AND p.provider = @provider";
        Database.AddParameter(command, "number", number);
        Database.AddParameter(command, "provider", provider.Name());
        return (await ReadAgentsAsync(command, cancellationToken)).SingleOrDefault();
    }

    /// <summary>Creates or replaces the agent; the creation time of an existing one is kept.</summary>
    public async Task<Agent> UpsertAsync(Agent agent, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        await ExecuteAsync(
            $"INSERT INTO agents ({AgentColumns}) VALUES (@id, @name, @prompt, @voice, @temperature, @greeting, @tools, @key, @enabled, @now, @now, " +
            "@voicemailPolicy, @voicemailMessage, @callsPerMinute, @maxConcurrent, @recordCalls, @analysisPlan, @handoffs) " +
            "ON CONFLICT (id) DO UPDATE SET name = excluded.name, prompt = excluded.prompt, voice = excluded.voice, temperature = excluded.temperature, " +
            "greeting = excluded.greeting, tools = excluded.tools, openai_key_encrypted = excluded.openai_key_encrypted, enabled = excluded.enabled, updated_at = excluded.updated_at, " +
            "voicemail_policy = excluded.voicemail_policy, voicemail_message = excluded.voicemail_message, " +
            "outbound_calls_per_minute = excluded.outbound_calls_per_minute, outbound_max_concurrent = excluded.outbound_max_concurrent, " +
            "record_calls = excluded.record_calls, analysis_plan = excluded.analysis_plan, handoffs = excluded.handoffs",
            cancellationToken,
            ("id", agent.Id),
            ("name", agent.Name),
            ("prompt", agent.Prompt),
            ("voice", agent.Voice),
            ("temperature", agent.Temperature),
            ("greeting", agent.Greeting),
            ("tools", agent.Tools),
            ("key", agent.OpenAIKeyEncrypted),
            ("enabled", agent.Enabled),
            ("now", now),
            ("voicemailPolicy", agent.Outbound.VoicemailPolicy),
            ("voicemailMessage", agent.Outbound.VoicemailMessage),
            ("callsPerMinute", agent.Outbound.CallsPerMinute),
            ("maxConcurrent", agent.Outbound.MaxConcurrentCalls),
            ("recordCalls", agent.RecordCalls),
            ("analysisPlan", agent.AnalysisPlan),
            ("handoffs", agent.Handoffs.Count == 0 ? null : JsonSerializer.Serialize(agent.Handoffs, MainAppJsonContext.Default.IReadOnlyListAgentHandoff)));
        return (await GetAsync(agent.Id, cancellationToken))!;
    }

    public async Task<bool> DeleteAsync(string id, CancellationToken cancellationToken) =>
        await ExecuteAsync("DELETE FROM agents WHERE id = @id", cancellationToken, ("id", id)) > 0;

    public Task AssignNumberAsync(string number, string agentId, PhoneProvider provider, CancellationToken cancellationToken) =>
        ExecuteAsync(
            "INSERT INTO phone_numbers (number, agent_id, provider) VALUES (@number, @agent, @provider) " +
            "ON CONFLICT (number) DO UPDATE SET agent_id = excluded.agent_id, provider = excluded.provider",
            cancellationToken,
            ("number", number),
            ("agent", agentId),
            ("provider", provider.Name()));

    public async Task<bool> RemoveNumberAsync(string number, CancellationToken cancellationToken) =>
        await ExecuteAsync("DELETE FROM phone_numbers WHERE number = @number", cancellationToken, ("number", number)) > 0;

    public async Task<IReadOnlyList<string>> NumbersOfAsync(string agentId, CancellationToken cancellationToken) =>
        [.. (await PhoneNumbersOfAsync(agentId, cancellationToken)).Select(static phone => phone.Number)];

    /// <summary>The agent's numbers with the provider each one arrives through.</summary>
    public async Task<IReadOnlyList<PhoneNumber>> PhoneNumbersOfAsync(string agentId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT number, provider FROM phone_numbers WHERE agent_id = @agent ORDER BY number";
        Database.AddParameter(command, "agent", agentId);
        var numbers = new List<PhoneNumber>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            // The column's CHECK allows the four names only.
            numbers.Add(new PhoneNumber(reader.GetString(0), PhoneProviderNames.TryParse(reader.GetString(1), out var provider) ? provider.Value : throw new InvalidDataException($"unknown provider for {reader.GetString(0)}")));
        }

        return numbers;
    }

    /// <summary>
    /// Stores the record unless one is already stored for its call: a stored record never changes, so there is no
    /// update path for its columns to drift from its JSON. Returns null when this record was stored, or else the JSON
    /// stored before, from which the caller tells a redelivery from a conflict. The insert is one statement, so two
    /// deliveries racing for a call id cannot both write. When the record's agent has an analysis plan, its pending
    /// analysis is inserted in the same transaction: a stored record of such an agent always has one. So are its
    /// <paramref name="segments"/>, one row each: who held the call, for listing by agent.
    /// </summary>
    public async Task<string?> AddCallRecordOnceAsync(StoredCallRecord record, IReadOnlyList<Calls.CallSegmentView> segments, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            var added = await ExecuteAsync(
                connection,
                transaction,
                "INSERT INTO call_records (call_id, agent_id, call_sid, started_at, ended_at, duration_ms, end_reason, record_json, received_at) " +
                "VALUES (@id, @agent, @sid, @started, @ended, @duration, @reason, @json, @received) " +
                "ON CONFLICT (call_id) DO NOTHING",
                cancellationToken,
                ("id", record.CallId),
                ("agent", record.AgentId),
                ("sid", record.CallSid),
                ("started", record.StartedAt.ToUniversalTime()),
                ("ended", record.EndedAt.ToUniversalTime()),
                ("duration", record.DurationMs),
                ("reason", record.EndReason),
                ("json", record.RecordJson),
                ("received", record.ReceivedAt.ToUniversalTime()));
            if (added > 0)
            {
                for (var position = 0; position < segments.Count; position++)
                {
                    var segment = segments[position];
                    await ExecuteAsync(
                        connection,
                        transaction,
                        "INSERT INTO call_segments (call_id, position, agent_id, started_at, ended_at, end_reason, handed_to) " +
                        "VALUES (@id, @position, @agent, @started, @ended, @reason, @handedTo)",
                        cancellationToken,
                        ("id", record.CallId),
                        ("position", position),
                        ("agent", segment.AgentId),
                        ("started", segment.StartedAt.ToUniversalTime()),
                        ("ended", segment.EndedAt.ToUniversalTime()),
                        ("reason", segment.EndReason),
                        ("handedTo", segment.HandedTo));
                }

                await Analysis.AnalysisStore.EnqueueAsync(connection, transaction, record.CallId, record.AgentId, record.ReceivedAt, cancellationToken);
                await transaction.CommitAsync(cancellationToken);
                return null;
            }
        }

        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT record_json FROM call_records WHERE call_id = @id";
        Database.AddParameter(command, "id", record.CallId);
        return (string?)await command.ExecuteScalarAsync(cancellationToken)
            ?? throw new InvalidOperationException("The call record this one collided with is not stored any more.");
    }

    public Task<IReadOnlyList<StoredCallRecord>> ListCallRecordsAsync(string? agentId, int limit, CancellationToken cancellationToken) =>
        ListCallRecordsAsync(new CallRecordFilter(agentId, Limit: limit), cancellationToken);

    /// <summary>The records that match <paramref name="filter"/>, newest first, each with its analysis when it has one.</summary>
    public async Task<IReadOnlyList<StoredCallRecord>> ListCallRecordsAsync(CallRecordFilter filter, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        var conditions = new List<string>();
        if (filter.AgentId is not null)
        {
            // The calls placed for the agent, and those it took over (a segment of its own after a handoff).
            conditions.Add("(r.agent_id = @agent OR EXISTS (SELECT 1 FROM call_segments s WHERE s.call_id = r.call_id AND s.agent_id = @agent))");
            Database.AddParameter(command, "agent", filter.AgentId);
        }

        if (filter.Since is { } since)
        {
            conditions.Add("r.started_at >= @since");
            Database.AddParameter(command, "since", since.ToUniversalTime());
        }

        if (filter.Until is { } until)
        {
            conditions.Add("r.started_at < @until");
            Database.AddParameter(command, "until", until.ToUniversalTime());
        }

        if (filter.Analysis is { } analysis)
        {
            conditions.Add(Analysis.AnalysisStore.Condition(analysis, "a"));
            Analysis.AnalysisStore.AddConditionParameters(command, analysis);
        }

        command.CommandText =
            "SELECT r.call_id, r.agent_id, r.call_sid, r.started_at, r.ended_at, r.duration_ms, r.end_reason, r.record_json, r.received_at, o.call_sid, o.answered_by, " +
            Analysis.AnalysisStore.ViewColumns("a") + " " +
            "FROM call_records r LEFT JOIN outbound_calls o ON o.call_sid = r.call_sid LEFT JOIN call_analyses a ON a.call_id = r.call_id " +
            (conditions.Count == 0 ? string.Empty : "WHERE " + string.Join(" AND ", conditions) + " ") + "ORDER BY r.started_at DESC LIMIT @limit";
        Database.AddParameter(command, "limit", filter.Limit);
        var records = new List<StoredCallRecord>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            records.Add(new StoredCallRecord(
                reader.GetString(0),
                reader.IsDBNull(1) ? null : reader.GetString(1),
                reader.IsDBNull(2) ? null : reader.GetString(2),
                ReadTime(reader, 3),
                ReadTime(reader, 4),
                reader.GetInt64(5),
                reader.GetString(6),
                reader.GetString(7),
                ReadTime(reader, 8),
                Outbound: !reader.IsDBNull(9),
                AnsweredBy: reader.IsDBNull(10) ? null : reader.GetString(10),
                Analysis: Analysis.AnalysisStore.ReadView(reader, 11)));
        }

        return records;
    }

    /// <summary>
    /// Remembers a call the app placed, once Twilio has given it a CallSid. A CallSid Twilio gave before (never, from
    /// Twilio itself) leaves the first row as it was.
    /// </summary>
    public Task AddOutboundCallAsync(string callSid, string agentId, string to, string from, CancellationToken cancellationToken) =>
        ExecuteAsync(
            "INSERT INTO outbound_calls (call_sid, agent_id, to_number, from_number, placed_at) VALUES (@sid, @agent, @to, @from, @now) ON CONFLICT (call_sid) DO NOTHING",
            cancellationToken,
            ("sid", callSid),
            ("agent", agentId),
            ("to", to),
            ("from", from),
            ("now", timeProvider.GetUtcNow()));

    /// <summary>The agent of a call the app placed; null for any other call.</summary>
    public async Task<string?> OutboundAgentOfAsync(string callSid, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT agent_id FROM outbound_calls WHERE call_sid = @sid";
        Database.AddParameter(command, "sid", callSid);
        return (string?)await command.ExecuteScalarAsync(cancellationToken);
    }

    /// <summary>Twilio's final status of a call the app placed (<c>completed</c>, <c>busy</c>, <c>no-answer</c>, …); false for any other call.</summary>
    public async Task<bool> SetOutboundStatusAsync(string callSid, string status, CancellationToken cancellationToken) =>
        await ExecuteAsync("UPDATE outbound_calls SET status = @status WHERE call_sid = @sid", cancellationToken, ("status", status), ("sid", callSid)) > 0;

    /// <summary>Twilio's answering-machine verdict on a call the app placed; false for any other call.</summary>
    public async Task<bool> SetAnsweredByAsync(string callSid, string answeredBy, CancellationToken cancellationToken) =>
        await ExecuteAsync("UPDATE outbound_calls SET answered_by = @answeredBy WHERE call_sid = @sid", cancellationToken, ("answeredBy", answeredBy), ("sid", callSid)) > 0;

    /// <summary>One statement with its parameters on a connection of its own; the rows it changed.</summary>
    private async Task<int> ExecuteAsync(string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await ExecuteAsync(connection, null, sql, cancellationToken, parameters);
    }

    /// <summary>One statement with its parameters, in <paramref name="transaction"/> when given; the rows it changed.</summary>
    internal static async Task<int> ExecuteAsync(DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            Database.AddParameter(command, name, value);
        }

        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<IReadOnlyList<Agent>> ReadAgentsAsync(DbCommand command, CancellationToken cancellationToken)
    {
        var agents = new List<Agent>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            agents.Add(new Agent(
                reader.GetString(0),
                reader.GetString(1),
                reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetDouble(4),
                reader.IsDBNull(5) ? null : reader.GetString(5),
                reader.IsDBNull(6) ? null : reader.GetString(6),
                reader.IsDBNull(7) ? null : reader.GetString(7),
                reader.GetBoolean(8),
                new AgentOutbound(reader.GetString(11), reader.IsDBNull(12) ? null : reader.GetString(12), reader.GetInt32(13), reader.GetInt32(14)),
                ReadTime(reader, 9),
                ReadTime(reader, 10),
                reader.IsDBNull(17) ? [] : JsonSerializer.Deserialize(reader.GetString(17), MainAppJsonContext.Default.IReadOnlyListAgentHandoff) ?? [],
                reader.GetBoolean(15),
                reader.IsDBNull(16) ? null : reader.GetString(16)));
        }

        return agents;
    }

    // SQLite keeps times as ISO 8601 text, PostgreSQL as timestamptz: both read back as UTC.
    internal static DateTimeOffset ReadTime(DbDataReader reader, int ordinal) =>
        reader.GetValue(ordinal) switch
        {
            DateTime time => new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc)),
            DateTimeOffset time => time.ToUniversalTime(),
            string text => DateTimeOffset.Parse(text, System.Globalization.CultureInfo.InvariantCulture).ToUniversalTime(),
            var other => throw new InvalidOperationException($"unexpected time value {other.GetType().Name}"),
        };
}
