using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using VoiceServer.MainApp.Data;
using VoiceServer.MainApp.Webhooks;
using VoiceServer.Tests.Infrastructure;

namespace VoiceServer.Tests.MainApp;

/// <summary>
/// A signed webhook's key is let in once while its timestamp would still pass, by every instance on the database, and
/// only then forgotten; it is stored hashed; expired keys are swept; a database that does not answer accepts nothing.
/// On a migrated database of each backend, each <see cref="ReplayGuard"/> standing for one instance.
/// </summary>
public sealed class ReplayGuardTests
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(5);
    private static readonly DateTimeOffset s_start = DateTimeOffset.Parse("2026-11-24T09:00:00Z", CultureInfo.InvariantCulture);

    [Theory]
    [MemberData(nameof(SystemHarness.Backends), MemberType = typeof(SystemHarness))]
    public async Task SameKey_WithinTheWindow_RefusedOnEveryInstance_UntilItPasses(string backend)
    {
        await using var database = await TestDatabase.CreateAsync(backend);
        var time = new FakeTimeProvider(s_start);
        var first = database.Guard(time);
        var second = database.Guard(time);

        Assert.Equal(ReplayCheck.Accepted, await first.TryAcceptAsync("telnyx:sig-a", Window, database.Token));
        Assert.Equal(ReplayCheck.Replayed, await first.TryAcceptAsync("telnyx:sig-a", Window, database.Token));
        Assert.Equal(ReplayCheck.Replayed, await second.TryAcceptAsync("telnyx:sig-a", Window, database.Token));
        Assert.Equal(ReplayCheck.Accepted, await second.TryAcceptAsync("telnyx:sig-b", Window, database.Token));

        time.Advance(Window - TimeSpan.FromMilliseconds(1));
        Assert.Equal(ReplayCheck.Replayed, await second.TryAcceptAsync("telnyx:sig-a", Window, database.Token));

        // By now the signature's timestamp is refused as stale anyway: the key may be taken afresh, once.
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(ReplayCheck.Accepted, await second.TryAcceptAsync("telnyx:sig-a", Window, database.Token));
        Assert.Equal(ReplayCheck.Replayed, await first.TryAcceptAsync("telnyx:sig-a", Window, database.Token));
    }

    [Theory]
    [MemberData(nameof(SystemHarness.Backends), MemberType = typeof(SystemHarness))]
    public async Task TwoInstances_OfferingOneKeyAtOnce_ExactlyOneAccepts(string backend)
    {
        await using var database = await TestDatabase.CreateAsync(backend);
        var guards = new[] { database.Guard(TimeProvider.System), database.Guard(TimeProvider.System) };

        for (var round = 0; round < 5; round++)
        {
            var key = "vonage:" + Guid.NewGuid();
            using var start = new ManualResetEventSlim();
            var offers = Enumerable.Range(0, 16)
                .Select(i => Task.Run(() => { start.Wait(database.Token); return guards[i % 2].TryAcceptAsync(key, Window, database.Token); }, database.Token))
                .ToArray();
            start.Set();

            var checks = await Task.WhenAll(offers);

            Assert.Equal(1, checks.Count(static check => check == ReplayCheck.Accepted));
            Assert.Equal(15, checks.Count(static check => check == ReplayCheck.Replayed));
        }
    }

    [Theory]
    [MemberData(nameof(SystemHarness.Backends), MemberType = typeof(SystemHarness))]
    public async Task Key_StoredAsItsSha256_NeverAsWritten(string backend)
    {
        await using var database = await TestDatabase.CreateAsync(backend);
        const string Key = "handoff:t=1700000000,v2=0123456789abcdef";

        Assert.Equal(ReplayCheck.Accepted, await database.Guard(TimeProvider.System).TryAcceptAsync(Key, Window, database.Token));

        var stored = Assert.Single(await database.StoredHashesAsync());
        Assert.Equal(64, stored.Length);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Key))), stored);
    }

    [Theory]
    [MemberData(nameof(SystemHarness.Backends), MemberType = typeof(SystemHarness))]
    public async Task ExpiredKeys_Swept_OnTheFirstCheckAfterTheInterval_LiveOnesKept(string backend)
    {
        await using var database = await TestDatabase.CreateAsync(backend);
        var time = new FakeTimeProvider(s_start);
        var guard = database.Guard(time);
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(ReplayCheck.Accepted, await guard.TryAcceptAsync("old-" + i.ToString(CultureInfo.InvariantCulture), Window, database.Token));
        }

        Assert.Equal(ReplayCheck.Accepted, await guard.TryAcceptAsync("live", ReplayGuard.SweepInterval * 2, database.Token));

        // Expired, but the interval has not passed: the rows stay until it has.
        time.Advance(Window);
        Assert.Equal(ReplayCheck.Accepted, await guard.TryAcceptAsync("soon", Window, database.Token));
        Assert.Equal(22, (await database.StoredHashesAsync()).Count);

        time.Advance(ReplayGuard.SweepInterval - Window);
        Assert.Equal(ReplayCheck.Accepted, await guard.TryAcceptAsync("new", Window, database.Token));

        Assert.Equal(
            new[] { "live", "new" }.Select(ReplayGuard.Hash).Order(StringComparer.Ordinal),
            (await database.StoredHashesAsync()).Order(StringComparer.Ordinal));
        Assert.Equal(ReplayCheck.Replayed, await guard.TryAcceptAsync("live", Window, database.Token));
    }

    [Theory]
    [MemberData(nameof(SystemHarness.Backends), MemberType = typeof(SystemHarness))]
    public async Task TableGone_Unavailable_NeverAccepted_AndNothingStored(string backend)
    {
        await using var database = await TestDatabase.CreateAsync(backend);
        var logs = new CapturedLogs();
        var guard = database.Guard(TimeProvider.System, logs);
        await database.ExecuteAsync("ALTER TABLE used_replay_keys RENAME TO used_replay_keys_away");

        Assert.Equal(ReplayCheck.Unavailable, await guard.TryAcceptAsync("plivo:123", Window, database.Token));
        Assert.Equal(ReplayCheck.Unavailable, await guard.TryAcceptAsync("plivo:123", Window, database.Token));
        Assert.Contains(logs.Entries, e => e.EventName == "Unavailable" && e.Level == LogLevel.Error);

        // Back: the key refused while the database was away was never stored, so it is let in now (a retry).
        await database.ExecuteAsync("ALTER TABLE used_replay_keys_away RENAME TO used_replay_keys");
        Assert.Equal(ReplayCheck.Accepted, await guard.TryAcceptAsync("plivo:123", Window, database.Token));
    }

    [Theory]
    [InlineData("sqlite", "Data Source=/nonexistent-directory/main-app.db")]
    [InlineData("postgres", "Host=127.0.0.1;Port=1;Username=nobody;Password=secret-password-0123;Database=none;Timeout=2")]
    public async Task DatabaseUnreachable_Unavailable_ItsSettingsInNoLogLine(string backend, string connectionString)
    {
        var logs = new CapturedLogs();
        await using var database = new Database(Options.Create(new DatabaseOptions { Kind = backend == "postgres" ? DatabaseKind.Postgres : DatabaseKind.Sqlite, ConnectionString = connectionString }), NullLogger<Database>.Instance);
        var guard = new ReplayGuard(database, TimeProvider.System, LoggerOf(logs));
        using var timeout = TestTimeout.Create(30);

        Assert.Equal(ReplayCheck.Unavailable, await guard.TryAcceptAsync("telnyx:sig", Window, timeout.Token));
        var line = Assert.Single(logs.Entries, static e => e.EventName == "Unavailable");
        Assert.DoesNotContain("secret-password", line.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("nonexistent-directory", line.Message, StringComparison.Ordinal);
    }

    private static Logger<ReplayGuard> LoggerOf(CapturedLogs logs) => new Logger<ReplayGuard>(new LoggerFactory([logs]));

    /// <summary>A migrated main-app database: SQLite in a temp file, or PostgreSQL in a schema of its own.</summary>
    private sealed class TestDatabase : IAsyncDisposable
    {
        private readonly string? _sqliteFile;
        private readonly string? _schema;
        private readonly CancellationTokenSource _timeout = TestTimeout.Create(60);

        private TestDatabase(Database database, string? sqliteFile, string? schema)
        {
            Database = database;
            _sqliteFile = sqliteFile;
            _schema = schema;
        }

        public Database Database { get; }

        public CancellationToken Token => _timeout.Token;

        public static async Task<TestDatabase> CreateAsync(string backend)
        {
            TestDatabase created;
            if (backend == "postgres")
            {
                var server = Environment.GetEnvironmentVariable(SystemHarness.PostgresVariable)
                    ?? throw new InvalidOperationException($"{SystemHarness.PostgresVariable} is not set: run the tests with scripts/test.sh, which starts PostgreSQL.");
                var schema = "t_" + Guid.NewGuid().ToString("N");
                await using (var connection = new NpgsqlConnection(server))
                {
                    await connection.OpenAsync();
                    await using var create = new NpgsqlCommand($"CREATE SCHEMA {schema}", connection);
                    await create.ExecuteNonQueryAsync();
                }

                created = new TestDatabase(Open(DatabaseKind.Postgres, $"{server};Search Path={schema}"), null, schema);
            }
            else
            {
                var file = Path.Combine(Path.GetTempPath(), $"main-app-{Guid.NewGuid():N}.db");
                created = new TestDatabase(Open(DatabaseKind.Sqlite, $"Data Source={file};Pooling=False"), file, null);
            }

            await created.Database.MigrateAsync(created.Token);
            return created;
        }

        /// <summary>One instance's guard on this database.</summary>
        public ReplayGuard Guard(TimeProvider time, CapturedLogs? logs = null) =>
            new(Database, time, logs is null ? NullLogger<ReplayGuard>.Instance : LoggerOf(logs));

        public async Task<List<string>> StoredHashesAsync()
        {
            await using var connection = await Database.OpenAsync(Token);
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT key_hash FROM used_replay_keys";
            await using var reader = await command.ExecuteReaderAsync(Token);
            var hashes = new List<string>();
            while (await reader.ReadAsync(Token))
            {
                hashes.Add(reader.GetString(0));
            }

            return hashes;
        }

        public async Task ExecuteAsync(string sql)
        {
            await using var connection = await Database.OpenAsync(Token);
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            await command.ExecuteNonQueryAsync(Token);
        }

        public async ValueTask DisposeAsync()
        {
            await Database.DisposeAsync();
            if (_sqliteFile is not null)
            {
                File.Delete(_sqliteFile);
            }

            if (_schema is not null && Environment.GetEnvironmentVariable(SystemHarness.PostgresVariable) is { } server)
            {
                await using var connection = new NpgsqlConnection(server);
                await connection.OpenAsync();
                await using var drop = new NpgsqlCommand($"DROP SCHEMA {_schema} CASCADE", connection);
                await drop.ExecuteNonQueryAsync();
            }

            _timeout.Dispose();
        }

        private static Database Open(DatabaseKind kind, string connectionString) =>
            new(Options.Create(new DatabaseOptions { Kind = kind, ConnectionString = connectionString }), NullLogger<Database>.Instance);
    }
}
