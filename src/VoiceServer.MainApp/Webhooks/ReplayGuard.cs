using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using VoiceServer.MainApp.Data;

namespace VoiceServer.MainApp.Webhooks;

/// <summary>How a replay check ended: only <see cref="Accepted"/> lets the request in.</summary>
internal enum ReplayCheck
{
    /// <summary>The first time the key is offered within its window: the request goes on.</summary>
    Accepted,

    /// <summary>The key was already let in and its window has not passed: a replay.</summary>
    Replayed,

    /// <summary>The database did not answer: the request is refused, never let in unchecked.</summary>
    Unavailable,
}

/// <summary>
/// Remembers the signatures (or token ids, or nonces) of the signed webhooks already let in, for as long as their
/// timestamp would still pass, so a captured request cannot be sent again within its freshness window. The keys are
/// kept in the database (<c>used_replay_keys</c>), as SHA-256 hashes, so every instance on it refuses a request any
/// of them let in. Fails closed: when the database cannot answer, nothing is accepted.
/// </summary>
internal sealed partial class ReplayGuard(Database database, TimeProvider timeProvider, ILogger<ReplayGuard> logger)
{
    /// <summary>How often, at most, an instance deletes the expired keys (on the first check after it has passed).</summary>
    public static readonly TimeSpan SweepInterval = TimeSpan.FromMinutes(10);

    // One statement, atomic on both backends: a new key is inserted; a key already there is taken afresh only when
    // its window has passed. Two instances offering one key at once: the database orders them, and one row changes.
    private const string AcceptSql =
        "INSERT INTO used_replay_keys (key_hash, expires_at) VALUES (@key, @expires) " +
        "ON CONFLICT (key_hash) DO UPDATE SET expires_at = excluded.expires_at WHERE used_replay_keys.expires_at <= @now";

    private const string SweepSql = "DELETE FROM used_replay_keys WHERE expires_at <= @now";

    /// <summary>Unix milliseconds of this instance's next sweep (0: at the first check).</summary>
    private long _nextSweep;

    /// <summary>
    /// <see cref="ReplayCheck.Accepted"/> the first time <paramref name="key"/> is offered within
    /// <paramref name="window"/> (on any instance), <see cref="ReplayCheck.Replayed"/> for a replay, and
    /// <see cref="ReplayCheck.Unavailable"/> when the database does not answer.
    /// </summary>
    public async Task<ReplayCheck> TryAcceptAsync(string key, TimeSpan window, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        try
        {
            await using var connection = await database.OpenAsync(cancellationToken);
            await SweepIfDueAsync(connection, now, cancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = AcceptSql;
            Database.AddParameter(command, "key", Hash(key));
            Database.AddParameter(command, "expires", now + (long)window.TotalMilliseconds);
            Database.AddParameter(command, "now", now);
            return await command.ExecuteNonQueryAsync(cancellationToken) == 1 ? ReplayCheck.Accepted : ReplayCheck.Replayed;
        }
        catch (Exception ex) when ((ex is DbException or InvalidOperationException or TimeoutException) && !cancellationToken.IsCancellationRequested)
        {
            // The exception's type only: a driver's message may quote the connection's settings.
            Log.Unavailable(logger, ex.GetType().Name);
            return ReplayCheck.Unavailable;
        }
    }

    /// <summary>The stored form of a key: its hex SHA-256, fixed in size, from which no signature or token can be read back.</summary>
    internal static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>
    /// Deletes the expired keys, at most once per <see cref="SweepInterval"/> on this instance, so the table holds
    /// about one window's worth of requests. A key swept is one its request's timestamp no longer passes.
    /// </summary>
    private async Task SweepIfDueAsync(DbConnection connection, long now, CancellationToken cancellationToken)
    {
        var due = Interlocked.Read(ref _nextSweep);
        // Concurrent checks: the one that moves the time on sweeps; the others go straight to their key.
        if (now < due || Interlocked.CompareExchange(ref _nextSweep, now + (long)SweepInterval.TotalMilliseconds, due) != due)
        {
            return;
        }

        await using var command = connection.CreateCommand();
        command.CommandText = SweepSql;
        Database.AddParameter(command, "now", now);
        var swept = await command.ExecuteNonQueryAsync(cancellationToken);
        Log.Swept(logger, swept);
    }

    private static partial class Log
    {
        [LoggerMessage(90, LogLevel.Error, "Replay check failed: the database did not answer ({Error}); the signed request is refused.")]
        public static partial void Unavailable(ILogger logger, string error);

        [LoggerMessage(91, LogLevel.Debug, "Replay check: {Count} expired keys swept.")]
        public static partial void Swept(ILogger logger, int count);
    }
}
