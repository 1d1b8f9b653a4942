using System.Data.Common;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using VoiceServer.MainApp.Data;

namespace VoiceServer.Tests.MainApp;

/// <summary>
/// The provider is a property of the phone number (migration 0003): Twilio unless the admin says otherwise, one of
/// four names, listed with the number, and a number reaches its agent only through its own provider's webhook.
/// </summary>
public sealed class PhoneNumberProviderTests
{
    [Theory]
    [MemberData(nameof(SystemHarness.Backends), MemberType = typeof(SystemHarness))]
    public async Task Numbers_ListedWithTheirProvider_TwilioByDefault(string backend)
    {
        await using var system = await SystemHarness.StartAsync(backend);
        await system.CreateAgentAsync("support", "+15557001000", new JsonObject { ["name"] = "Support" });
        foreach (var (number, provider) in new[] { ("+15557001001", "telnyx"), ("+15557001002", "plivo"), ("+15557001003", "vonage"), ("+15557001004", "twilio") })
        {
            using var assigned = await system.Admin.PutAsJsonAsync($"/api/numbers/{Uri.EscapeDataString(number)}", new JsonObject { ["agentId"] = "support", ["provider"] = provider }, system.Token);
            Assert.Equal(HttpStatusCode.NoContent, assigned.StatusCode);
        }

        var agent = await system.Admin.GetFromJsonAsync<JsonObject>("/api/agents/support", system.Token);

        Assert.Equal(
            ["+15557001000:twilio", "+15557001001:telnyx", "+15557001002:plivo", "+15557001003:vonage", "+15557001004:twilio"],
            agent!["phoneNumbers"]!.AsArray().Select(n => $"{(string?)n!["number"]}:{(string?)n["provider"]}"));
        Assert.Equal(5, agent["numbers"]!.AsArray().Count);
    }

    [Theory]
    [MemberData(nameof(SystemHarness.Backends), MemberType = typeof(SystemHarness))]
    public async Task Number_ReachesItsAgent_OnlyThroughItsOwnProvider(string backend)
    {
        await using var system = await SystemHarness.StartAsync(backend);
        await system.CreateAgentAsync("support", "+15557001000", new JsonObject { ["name"] = "Support" }, provider: "plivo");

        Assert.Equal("support", (await system.Store.FindByNumberAsync("+15557001000", PhoneProvider.Plivo, system.Token))?.Id);
        foreach (var other in new[] { PhoneProvider.Twilio, PhoneProvider.Telnyx, PhoneProvider.Vonage })
        {
            Assert.Null(await system.Store.FindByNumberAsync("+15557001000", other, system.Token));
        }

        // Moving the number to another provider moves it whole: the old provider's webhook no longer reaches it.
        using var moved = await system.Admin.PutAsJsonAsync("/api/numbers/%2B15557001000", new JsonObject { ["agentId"] = "support", ["provider"] = "telnyx" }, system.Token);
        Assert.Equal(HttpStatusCode.NoContent, moved.StatusCode);
        Assert.Null(await system.Store.FindByNumberAsync("+15557001000", PhoneProvider.Plivo, system.Token));
        Assert.Equal("support", (await system.Store.FindByNumberAsync("+15557001000", PhoneProvider.Telnyx, system.Token))?.Id);
    }

    [Theory]
    [InlineData("telnyx")]
    [InlineData("plivo")]
    [InlineData("vonage")]
    public async Task NumberOfAnotherProvider_ThroughTwiliosWebhook_NotInService(string provider)
    {
        await using var system = await SystemHarness.StartAsync("sqlite");
        await system.CreateAgentAsync("support", "+15557001000", new JsonObject { ["name"] = "Support", ["prompt"] = "A secret prompt." }, provider);

        var twiml = await system.CallAsync("+15557001000", VoiceServer.TwilioEmulator.TwilioIds.NewCallSid());

        Assert.Null(twiml.StreamUrl);
        Assert.True(twiml.HangsUp);
        Assert.Contains(system.Logs.Entries, e => e.EventName == "AgentNotFound");
    }

    [Theory]
    [InlineData("\"sip\"")]
    [InlineData("\"Twilio\"")]
    [InlineData("\" telnyx\"")]
    [InlineData("\"\"")]
    [InlineData("7")]
    public async Task UnknownProvider_400_NumberNotStored(string provider)
    {
        await using var system = await SystemHarness.StartAsync("sqlite");
        await system.CreateAgentAsync("support", "+15557001000", new JsonObject { ["name"] = "Support" });

        using var response = await system.Admin.PutAsync(
            "/api/numbers/%2B15557001001",
            new StringContent($$"""{"agentId":"support","provider":{{provider}}}""", Encoding.UTF8, "application/json"),
            system.Token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await response.Content.ReadFromJsonAsync<JsonObject>(system.Token);
        Assert.NotNull((string?)error!["error"]);
        Assert.Equal(["+15557001000"], await system.Store.NumbersOfAsync("support", system.Token));
    }

    [Theory]
    [MemberData(nameof(SystemHarness.Backends), MemberType = typeof(SystemHarness))]
    public async Task Schema_RowsWrittenWithoutAProvider_AreTwilios_AndOnlyTheFourNamesFit(string backend)
    {
        await using var system = await SystemHarness.StartAsync(backend);
        await system.CreateAgentAsync("support", "+15557001000", new JsonObject { ["name"] = "Support" });
        await using var connection = await system.Database.OpenAsync(system.Token);

        // A row as an earlier version wrote it: no provider column in the insert.
        await ExecuteAsync(connection, "INSERT INTO phone_numbers (number, agent_id) VALUES ('+15557001009', 'support')", system.Token);
        Assert.Equal("support", (await system.Store.FindByNumberAsync("+15557001009", PhoneProvider.Twilio, system.Token))?.Id);

        await Assert.ThrowsAnyAsync<DbException>(() => ExecuteAsync(connection, "INSERT INTO phone_numbers (number, agent_id, provider) VALUES ('+15557001008', 'support', 'sip')", system.Token));
        await Assert.ThrowsAnyAsync<DbException>(() => ExecuteAsync(connection, "UPDATE phone_numbers SET provider = 'Twilio' WHERE number = '+15557001000'", system.Token));
    }

    private static async Task ExecuteAsync(DbConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
