using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Npgsql;

namespace VoiceServer.MainApp.Data;

/// <summary>
/// One data-access layer over both backends: plain ADO.NET with portable SQL (named parameters, <c>ON CONFLICT</c>
/// upserts), and each backend's own migration scripts, applied in order at start-up.
/// </summary>
internal sealed partial class Database(IOptions<DatabaseOptions> options, ILogger<Database> logger) : IAsyncDisposable
{
    private readonly DatabaseOptions _options = options.Value;

    // PostgreSQL connections come from a pool owned by this instance, so stopping the app closes its idle connections
    // instead of leaving them open on the server until they age out.
    private readonly NpgsqlDataSource? _postgres = options.Value.Kind == DatabaseKind.Postgres
        ? NpgsqlDataSource.Create(options.Value.ConnectionString)
        : null;

    public DatabaseKind Kind => _options.Kind;

    public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        DbConnection connection = _postgres is not null
            ? _postgres.CreateConnection()
            : new SqliteConnection(_options.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        if (connection is SqliteConnection)
        {
            // SQLite leaves foreign keys off unless asked, per connection.
            await ExecuteAsync(connection, "PRAGMA foreign_keys = ON", cancellationToken);
        }

        return connection;
    }

    /// <summary>Applies the migrations of this backend not yet applied (<c>Migrations/&lt;backend&gt;/NNNN_name.sql</c>).</summary>
    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        if (_options.Kind == DatabaseKind.Postgres)
        {
            // Instances starting together migrate one at a time.
            await ExecuteAsync(connection, "SELECT pg_advisory_lock(7310457)", cancellationToken);
        }

        try
        {
            await ExecuteAsync(connection, "CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY)", cancellationToken);
            var assembly = typeof(Database).Assembly;
            var prefix = $"{assembly.GetName().Name}.Migrations.{(_options.Kind == DatabaseKind.Postgres ? "postgres" : "sqlite")}.";
            foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
            {
                var name = resource[prefix.Length..];
                await using var check = connection.CreateCommand();
                check.CommandText = "SELECT COUNT(*) FROM schema_migrations WHERE name = @name";
                AddParameter(check, "name", name);
                if (Convert.ToInt64(await check.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture) > 0)
                {
                    continue;
                }

                using var reader = new StreamReader(assembly.GetManifestResourceStream(resource)!);
                var script = await reader.ReadToEndAsync(cancellationToken);
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                await using (var apply = connection.CreateCommand())
                {
                    apply.Transaction = transaction;
                    apply.CommandText = script;
                    await apply.ExecuteNonQueryAsync(cancellationToken);
                }

                await using (var record = connection.CreateCommand())
                {
                    record.Transaction = transaction;
                    record.CommandText = "INSERT INTO schema_migrations (name) VALUES (@name)";
                    AddParameter(record, "name", name);
                    await record.ExecuteNonQueryAsync(cancellationToken);
                }

                await transaction.CommitAsync(cancellationToken);
                Log.MigrationApplied(logger, name, _options.Kind.ToString());
            }
        }
        finally
        {
            if (_options.Kind == DatabaseKind.Postgres)
            {
                // Session-level: a pooled connection keeps its session, so the lock is given back by hand.
                await ExecuteAsync(connection, "SELECT pg_advisory_unlock(7310457)", CancellationToken.None);
            }
        }
    }

    public static void AddParameter(DbCommand command, string name, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
    }

    private static async Task ExecuteAsync(DbConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public ValueTask DisposeAsync() => _postgres?.DisposeAsync() ?? ValueTask.CompletedTask;

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Migration {Name} applied ({Kind}).")]
        public static partial void MigrationApplied(ILogger logger, string name, string kind);
    }
}
