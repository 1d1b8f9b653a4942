using VoiceServer.MainApp.Data;

namespace VoiceServer.MainApp.Recordings;

/// <summary>
/// The recordings of calls, keyed by CallSid, apart from the call records: a record never changes once stored, while
/// a recording's status moves on (requested, completed, deleted), and either may arrive first. The listing joins them.
/// </summary>
internal sealed class CallRecordingStore(Database database, TimeProvider timeProvider)
{
    private const string Columns = "call_sid, agent_id, recording_sid, status, duration_seconds, channels, provider, media_url";

    /// <summary>
    /// The app asked <paramref name="provider"/> to record <paramref name="callSid"/>: only such a call's callbacks, from
    /// that provider, are taken. <paramref name="conversationId"/> is the Vonage conversation its callback names instead.
    /// </summary>
    public async Task RequestedAsync(string callSid, string agentId, PhoneProvider provider, CancellationToken cancellationToken, string? conversationId = null)
    {
        var now = timeProvider.GetUtcNow();
        // No conflict target: a repeated call or conversation id leaves the first row as it was.
        await ExecuteAsync(
            "INSERT INTO call_recordings (call_sid, agent_id, status, provider, conversation_id, requested_at, updated_at) VALUES (@sid, @agent, @status, @provider, @conversation, @now, @now) ON CONFLICT DO NOTHING",
            cancellationToken,
            ("sid", callSid),
            ("agent", agentId),
            ("provider", provider.Name()),
            ("conversation", conversationId),
            ("status", CallRecordingStatuses.Requested),
            ("now", now));
    }

    /// <summary>
    /// What <paramref name="provider"/>'s status callback says about a call the app asked it to record. False, and
    /// nothing changes, for any other call (or another provider's), for a recording already deleted, or for another
    /// recording of a call whose recording is known.
    /// </summary>
    public async Task<bool> UpdateAsync(PhoneProvider provider, string callSid, string recordingSid, string status, int? durationSeconds, int? channels, CancellationToken cancellationToken) =>
        await ExecuteAsync(
            "UPDATE call_recordings SET recording_sid = @recording, status = @status, duration_seconds = @duration, channels = @channels, updated_at = @now " +
            "WHERE call_sid = @sid AND provider = @provider AND status <> @deleted AND (recording_sid IS NULL OR recording_sid = @recording)",
            cancellationToken,
            ("provider", provider.Name()),
            ("recording", recordingSid),
            ("status", status),
            ("duration", durationSeconds),
            ("channels", channels),
            ("now", timeProvider.GetUtcNow()),
            ("sid", callSid),
            ("deleted", CallRecordingStatuses.Deleted)) > 0;

    /// <summary>
    /// What Vonage's recording callback says about the conversation of a call the app asked it to record: the same rules
    /// as <see cref="UpdateAsync"/>, the row found by its conversation, and the file's checked URL kept with it.
    /// </summary>
    public async Task<bool> UpdateVonageAsync(string conversationId, string recordingSid, Uri? mediaUrl, string status, int? durationSeconds, CancellationToken cancellationToken) =>
        await ExecuteAsync(
            "UPDATE call_recordings SET recording_sid = @recording, media_url = @media, status = @status, duration_seconds = @duration, channels = @channels, updated_at = @now " +
            "WHERE conversation_id = @conversation AND provider = @provider AND status <> @deleted AND recording_sid IS NULL",
            cancellationToken,
            ("provider", PhoneProvider.Vonage.Name()),
            ("recording", recordingSid),
            ("media", mediaUrl?.AbsoluteUri),
            ("status", status),
            ("duration", durationSeconds),
            ("channels", 2),
            ("now", timeProvider.GetUtcNow()),
            ("conversation", conversationId),
            ("deleted", CallRecordingStatuses.Deleted)) > 0;

    /// <summary>Marks the recording deleted; its sid stays, so a late callback cannot bring it back.</summary>
    public async Task MarkDeletedAsync(string callSid, CancellationToken cancellationToken) =>
        await ExecuteAsync(
            "UPDATE call_recordings SET status = @deleted, updated_at = @now WHERE call_sid = @sid",
            cancellationToken,
            ("deleted", CallRecordingStatuses.Deleted),
            ("now", timeProvider.GetUtcNow()),
            ("sid", callSid));

    public async Task<CallRecording?> GetAsync(string callSid, CancellationToken cancellationToken) =>
        (await ForCallsAsync([callSid], cancellationToken)).GetValueOrDefault(callSid);

    /// <summary>The recordings of these calls, by CallSid (calls without one are left out).</summary>
    public async Task<IReadOnlyDictionary<string, CallRecording>> ForCallsAsync(IReadOnlyCollection<string> callSids, CancellationToken cancellationToken)
    {
        var recordings = new Dictionary<string, CallRecording>(StringComparer.Ordinal);
        if (callSids.Count == 0)
        {
            return recordings;
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        var names = new List<string>();
        foreach (var (callSid, index) in callSids.Distinct(StringComparer.Ordinal).Select(static (sid, index) => (sid, index)))
        {
            var name = $"sid{index}";
            names.Add("@" + name);
            Database.AddParameter(command, name, callSid);
        }

        command.CommandText = $"SELECT {Columns} FROM call_recordings WHERE call_sid IN ({string.Join(", ", names)})";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var recording = new CallRecording(
                reader.GetString(0),
                reader.GetString(1),
                reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetInt32(4),
                reader.IsDBNull(5) ? null : reader.GetInt32(5),
                PhoneProviderNames.TryParse(reader.GetString(6), out var provider) ? provider.Value : throw new InvalidDataException($"call_recordings.provider is not a provider: {reader.GetString(6)}"),
                reader.IsDBNull(7) ? null : new Uri(reader.GetString(7), UriKind.Absolute));
            recordings[recording.CallSid] = recording;
        }

        return recordings;
    }

    private async Task<int> ExecuteAsync(string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            Database.AddParameter(command, name, value);
        }

        return await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
