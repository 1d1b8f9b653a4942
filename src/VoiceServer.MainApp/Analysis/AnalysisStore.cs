using System.Data.Common;
using VoiceServer.MainApp.Data;

namespace VoiceServer.MainApp.Analysis;

/// <summary>
/// The durable queue of analyses, <c>call_analyses</c>: a row is inserted with its call record, taken by a worker for a
/// lease, and ends completed (with the answer) or as an error (with the reason). The same SQL on SQLite and
/// PostgreSQL, except that PostgreSQL takes a row with <c>FOR UPDATE SKIP LOCKED</c> so that instances sharing the
/// database never take the same one; SQLite serves one instance, and its writes are serialised anyway.
/// </summary>
internal sealed class AnalysisStore(Database database, [FromKeyedServices(AnalysisWorker.ClockKey)] TimeProvider timeProvider)
{
    private const string ClaimedColumns = "call_id, agent_id, plan_json, attempts, invalid_answers";

    private static readonly string[] s_viewColumns = ["status", "attempts", "next_attempt_at", "last_error", "result_json", "passed", "created_at", "completed_at"];

    /// <summary>
    /// Queues the analysis of a record just stored, in the record's transaction, when its agent has a plan; the plan
    /// is copied into the row, so a later change of the agent's plan applies to later calls. The row is due at once
    /// (<c>next_attempt_at</c> 0), whatever the worker's clock says.
    /// </summary>
    public static Task<int> EnqueueAsync(DbConnection connection, DbTransaction transaction, string callId, string? agentId, DateTimeOffset now, CancellationToken cancellationToken) =>
        agentId is null
            ? Task.FromResult(0)
            : AgentStore.ExecuteAsync(
                connection,
                transaction,
                "INSERT INTO call_analyses (call_id, agent_id, plan_json, status, attempts, invalid_answers, next_attempt_at, created_at) " +
                "SELECT @id, a.id, a.analysis_plan, 'pending', 0, 0, @due, @now FROM agents a WHERE a.id = @agent AND a.analysis_plan IS NOT NULL",
                cancellationToken,
                ("id", callId),
                ("agent", agentId),
                ("due", 0L),
                ("now", now.ToUniversalTime()));

    /// <summary>Takes the most overdue analysis that is due and not held by a live lease, counting the attempt; null when none.</summary>
    public async Task<ClaimedAnalysis?> ClaimAsync(TimeSpan lease, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText =
            "UPDATE call_analyses SET attempts = attempts + 1, lease_until = @lease WHERE call_id = (" +
            "SELECT call_id FROM call_analyses WHERE status = 'pending' AND next_attempt_at <= @now AND (lease_until IS NULL OR lease_until <= @now) " +
            "ORDER BY next_attempt_at LIMIT 1" + (database.Kind == DatabaseKind.Postgres ? " FOR UPDATE SKIP LOCKED" : string.Empty) + ") " +
            // A row taken by another instance between the two reads fails this again, and is left to it.
            "AND status = 'pending' AND (lease_until IS NULL OR lease_until <= @now) " +
            $"RETURNING {ClaimedColumns}";
        Database.AddParameter(command, "now", now);
        Database.AddParameter(command, "lease", now + (long)lease.TotalMilliseconds);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new ClaimedAnalysis(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3), reader.GetInt32(4))
            : null;
    }

    /// <summary>When the next pending analysis falls due (its lease's end if one holds it); null when none is pending.</summary>
    public async Task<DateTimeOffset?> NextDueAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText =
            "SELECT MIN(CASE WHEN lease_until IS NOT NULL AND lease_until > next_attempt_at THEN lease_until ELSE next_attempt_at END) " +
            "FROM call_analyses WHERE status = 'pending'";
        return await command.ExecuteScalarAsync(cancellationToken) is { } value and not DBNull
            ? DateTimeOffset.FromUnixTimeMilliseconds(Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture))
            : null;
    }

    public Task CompleteAsync(string callId, string resultJson, bool? passed, CancellationToken cancellationToken) =>
        ExecuteAsync(
            "UPDATE call_analyses SET status = 'completed', result_json = @result, passed = @passed, lease_until = NULL, last_error = NULL, completed_at = @now WHERE call_id = @id",
            cancellationToken,
            ("id", callId),
            ("result", resultJson),
            ("passed", passed),
            ("now", timeProvider.GetUtcNow()));

    /// <summary>Gives the analysis back to the queue, due at <paramref name="nextAttemptAt"/>, with why this attempt failed.</summary>
    public Task RetryLaterAsync(string callId, DateTimeOffset nextAttemptAt, string error, int invalidAnswers, CancellationToken cancellationToken) =>
        ExecuteAsync(
            "UPDATE call_analyses SET next_attempt_at = @due, lease_until = NULL, last_error = @error, invalid_answers = @invalid WHERE call_id = @id",
            cancellationToken,
            ("id", callId),
            ("due", nextAttemptAt.ToUnixTimeMilliseconds()),
            ("error", error),
            ("invalid", invalidAnswers));

    /// <summary>Stores the analysis as an error, with the reason: it is not tried again unless an admin queues it again.</summary>
    public Task FailAsync(string callId, string error, int invalidAnswers, CancellationToken cancellationToken) =>
        ExecuteAsync(
            "UPDATE call_analyses SET status = 'error', lease_until = NULL, last_error = @error, invalid_answers = @invalid, completed_at = @now WHERE call_id = @id",
            cancellationToken,
            ("id", callId),
            ("error", error),
            ("invalid", invalidAnswers),
            ("now", timeProvider.GetUtcNow()));

    /// <summary>An attempt cut short by shutdown: not counted, and due again at once (for this instance's successor or another).</summary>
    public Task ReleaseAsync(string callId, CancellationToken cancellationToken) =>
        ExecuteAsync(
            "UPDATE call_analyses SET attempts = attempts - 1, lease_until = NULL WHERE call_id = @id AND status = 'pending'",
            cancellationToken,
            ("id", callId));

    /// <summary>The stored record's JSON of a call; null when it is gone.</summary>
    public async Task<string?> RecordJsonAsync(string callId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT record_json FROM call_records WHERE call_id = @id";
        Database.AddParameter(command, "id", callId);
        return (string?)await command.ExecuteScalarAsync(cancellationToken);
    }

    /// <summary>
    /// Queues a call's analysis again from the start, with its agent's current plan (or the one it had, if the agent
    /// has none now); or queues a first one for a record stored before its agent had a plan.
    /// </summary>
    public async Task<(RequeueOutcome Outcome, StoredAnalysis? Queued)> RequeueAsync(string callId, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var status = await ScalarAsync(connection, transaction, "SELECT status FROM call_analyses WHERE call_id = @id", callId, cancellationToken);
        RequeueOutcome outcome;
        if (status is AnalysisStatus.Pending)
        {
            outcome = RequeueOutcome.AlreadyPending;
        }
        else if (status is not null)
        {
            await AgentStore.ExecuteAsync(
                connection,
                transaction,
                "UPDATE call_analyses SET status = 'pending', attempts = 0, invalid_answers = 0, next_attempt_at = @due, lease_until = NULL, last_error = NULL, " +
                "result_json = NULL, passed = NULL, completed_at = NULL, " +
                "plan_json = COALESCE((SELECT analysis_plan FROM agents WHERE agents.id = call_analyses.agent_id), plan_json) WHERE call_id = @id",
                cancellationToken,
                ("id", callId),
                ("due", 0L));
            outcome = RequeueOutcome.Queued;
        }
        else if (await ScalarAsync(connection, transaction, "SELECT agent_id FROM call_records WHERE call_id = @id", callId, cancellationToken) is not { } agentId)
        {
            outcome = await ScalarAsync(connection, transaction, "SELECT call_id FROM call_records WHERE call_id = @id", callId, cancellationToken) is null
                ? RequeueOutcome.NoRecord
                : RequeueOutcome.NoPlan;
        }
        else
        {
            outcome = await EnqueueAsync(connection, transaction, callId, agentId, now, cancellationToken) > 0 ? RequeueOutcome.Queued : RequeueOutcome.NoPlan;
        }

        // Read back in the same transaction: once it commits the worker may claim the row (counting an attempt) or
        // even finish it, and the answer is about what was queued.
        var queued = outcome is RequeueOutcome.Queued ? await ReadAsync(connection, transaction, callId, cancellationToken) : null;
        await transaction.CommitAsync(cancellationToken);
        return (outcome, queued);
    }

    /// <summary>A call's analysis; null when it has none.</summary>
    private static async Task<StoredAnalysis?> ReadAsync(DbConnection connection, DbTransaction? transaction, string callId, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"SELECT {ViewColumns("a")} FROM call_analyses a WHERE a.call_id = @id";
        Database.AddParameter(command, "id", callId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadView(reader, 0) : null;
    }

    /// <summary>The columns <see cref="ReadView"/> reads, of the table aliased <paramref name="alias"/>.</summary>
    public static string ViewColumns(string alias) =>
        string.Join(", ", s_viewColumns.Select(c => $"{alias}.{c}"));

    /// <summary>A listing's condition for <paramref name="filter"/>, on the table aliased <paramref name="alias"/> (left-joined: no row matches none).</summary>
    public static string Condition(AnalysisFilter filter, string alias) => filter switch
    {
        AnalysisFilter.Passed => $"{alias}.status = 'completed' AND {alias}.passed = @passed",
        AnalysisFilter.Failed => $"{alias}.status = 'completed' AND {alias}.passed = @failed",
        AnalysisFilter.Pending => $"{alias}.status = 'pending'",
        AnalysisFilter.Error => $"{alias}.status = 'error'",
        _ => throw new ArgumentOutOfRangeException(nameof(filter), filter, null),
    };

    /// <summary>The parameters <see cref="Condition"/> names.</summary>
    public static void AddConditionParameters(DbCommand command, AnalysisFilter filter)
    {
        if (filter == AnalysisFilter.Passed)
        {
            Database.AddParameter(command, "passed", true);
        }
        else if (filter == AnalysisFilter.Failed)
        {
            Database.AddParameter(command, "failed", false);
        }
    }

    /// <summary>The analysis in the columns from <paramref name="first"/> on (<see cref="ViewColumns"/>); null for a call without one.</summary>
    public static StoredAnalysis? ReadView(DbDataReader reader, int first) =>
        reader.IsDBNull(first)
            ? null
            : new StoredAnalysis(
                reader.GetString(first),
                reader.GetInt32(first + 1),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(first + 2)),
                reader.IsDBNull(first + 3) ? null : reader.GetString(first + 3),
                reader.IsDBNull(first + 4) ? null : reader.GetString(first + 4),
                reader.IsDBNull(first + 5) ? null : reader.GetBoolean(first + 5),
                AgentStore.ReadTime(reader, first + 6),
                reader.IsDBNull(first + 7) ? null : AgentStore.ReadTime(reader, first + 7));

    private static async Task<string?> ScalarAsync(DbConnection connection, DbTransaction transaction, string sql, string callId, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        Database.AddParameter(command, "id", callId);
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    private async Task ExecuteAsync(string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await AgentStore.ExecuteAsync(connection, null, sql, cancellationToken, parameters);
    }
}

/// <summary>An analysis a worker has taken: its plan as stored with it, and the attempt this is (1 for the first).</summary>
internal sealed record ClaimedAnalysis(string CallId, string AgentId, string PlanJson, int Attempt, int InvalidAnswers);

/// <summary>What <c>POST /api/calls/{callId}/analysis</c> found.</summary>
internal enum RequeueOutcome
{
    Queued,
    AlreadyPending,
    NoRecord,
    NoPlan,
}
