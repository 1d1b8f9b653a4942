using System.Net;
using VoiceServer.TwilioEmulator;

namespace VoiceServer.Tests.MainApp;

/// <summary>
/// A database that fails a request (here a table taken out of reach under the running app) is answered with a JSON
/// 503 <c>database_error</c>, for the admin API and for Twilio's webhook alike (Twilio then tries its fallback URL),
/// never a bare 500; the log line names the failure without the connection's settings; and the app serves again as
/// soon as the database does, on both backends.
/// </summary>
public sealed class DatabaseFailureTests
{
    private const string Number = "+15557009000";

    [Theory]
    [MemberData(nameof(SystemHarness.Backends), MemberType = typeof(SystemHarness))]
    public async Task TableOutOfReach_AdminApiAndWebhook503Json_NoSettingsLogged_ThenServedAgain(string backend)
    {
        await using var system = await SystemHarness.StartAsync(backend);
        await system.CreateAgentAsync("bakery", Number, TelnyxVoiceWebhookTests.Agent());
        await system.ExecuteSqlAsync("ALTER TABLE agents RENAME TO agents_away");

        using var listed = await system.Admin.GetAsync("/api/agents", system.Token);
        var webhook = await system.CallAsync(Number, TwilioIds.NewCallSid());

        await AssertDatabaseErrorAsync(listed, system.Token);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, webhook.Status);
        Assert.Contains("\"error\":\"database_error\"", webhook.Body, StringComparison.Ordinal);
        Assert.Null(webhook.StreamUrl);
        var failures = system.Logs.Entries.Where(static e => e.EventName == "DatabaseUnavailable").ToList();
        Assert.Equal(2, failures.Count);
        Assert.All(failures, failure =>
        {
            Assert.DoesNotContain("Password", failure.Message, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("Data Source", failure.Message, StringComparison.OrdinalIgnoreCase);
            Assert.Null(failure.Exception);
        });

        await system.ExecuteSqlAsync("ALTER TABLE agents_away RENAME TO agents");
        using var listedAgain = await system.Admin.GetAsync("/api/agents", system.Token);
        var answered = await system.CallAsync(Number, TwilioIds.NewCallSid());
        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (listedAgain.StatusCode, answered.Status));
        Assert.NotNull(answered.StreamUrl);
    }

    private static async Task AssertDatabaseErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("\"error\":\"database_error\"", body, StringComparison.Ordinal);
    }
}
