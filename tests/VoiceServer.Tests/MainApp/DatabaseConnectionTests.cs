using Npgsql;
using VoiceServer.Tests.Infrastructure;

namespace VoiceServer.Tests.MainApp;

/// <summary>
/// A main app that stops closes its PostgreSQL connections: a deployment's instances come and go, and idle
/// connections left open by each would add up to the server's connection limit.
/// </summary>
public sealed class DatabaseConnectionTests
{
    [Fact]
    public async Task Postgres_AStoppedMainApp_LeavesNoConnectionOpen()
    {
        var server = Environment.GetEnvironmentVariable(SystemHarness.PostgresVariable)
            ?? throw new InvalidOperationException($"{SystemHarness.PostgresVariable} is not set: run the tests with scripts/test.sh, which starts PostgreSQL.");
        var system = await SystemHarness.StartAsync("postgres");
        var applicationName = system.PostgresSchema!;
        using var timeout = TestTimeout.Create(60);
        await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            using var listed = await system.Admin.GetAsync("/api/agents", timeout.Token);
            listed.EnsureSuccessStatusCode();
        }));
        Assert.True(await OpenConnectionsAsync(server, applicationName, timeout.Token) > 0);

        await system.DisposeAsync();

        // The server ends a session once its client has said goodbye; this waits for that, not for a set time.
        while (await OpenConnectionsAsync(server, applicationName, timeout.Token) > 0)
        {
            await Task.Delay(50, timeout.Token);
        }
    }

    private static async Task<long> OpenConnectionsAsync(string server, string applicationName, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(server);
        await connection.OpenAsync(cancellationToken);
        await using var count = new NpgsqlCommand("SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = @name", connection);
        count.Parameters.AddWithValue("name", applicationName);
        return (long)(await count.ExecuteScalarAsync(cancellationToken))!;
    }
}
