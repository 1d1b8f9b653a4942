using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using VoiceServer.TwilioEmulator;

namespace VoiceServer.Tests.MainApp;

/// <summary>An agent's <c>handoffs</c>: the admin API's rules, and what the call's signed configuration carries of them.</summary>
public sealed class AgentHandoffSettingsTests
{
    [Theory]
    [MemberData(nameof(SystemHarness.Backends), MemberType = typeof(SystemHarness))]
    public async Task Handoffs_SetThenReadThenKeptWhenOmitted_ThenRemoved(string backend)
    {
        await using var system = await SystemHarness.StartAsync(backend);
        await system.CreateAgentAsync("billing", "+15557002001", new JsonObject { ["name"] = "Billing" });
        await system.CreateAgentAsync("sales", "+15557002002", new JsonObject { ["name"] = "Sales" });
        await system.CreateAgentAsync("front", "+15557002000", new JsonObject { ["name"] = "Front desk" });

        using var set = await system.Admin.PutAsJsonAsync("/api/agents/front", new JsonObject
        {
            ["name"] = "Front desk",
            ["handoffs"] = new JsonArray(
                new JsonObject { ["agentId"] = "billing", ["description"] = "Questions about an invoice or a payment.", ["context"] = "last_turns", ["lastTurns"] = 6 },
                new JsonObject { ["agentId"] = "sales", ["description"] = "The caller wants to buy something." }),
        }, system.Token);
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        using var rename = await system.Admin.PutAsJsonAsync("/api/agents/front", new JsonObject { ["name"] = "Front desk EN" }, system.Token);
        Assert.Equal(HttpStatusCode.OK, rename.StatusCode);

        var agent = await system.Admin.GetFromJsonAsync<JsonObject>("/api/agents/front", system.Token);
        var handoffs = agent!["handoffs"]!.AsArray();
        Assert.Equal(2, handoffs.Count);
        Assert.Equal(("billing", "Questions about an invoice or a payment.", "last_turns", 6), ((string)handoffs[0]!["agentId"]!, (string)handoffs[0]!["description"]!, (string)handoffs[0]!["context"]!, (int)handoffs[0]!["lastTurns"]!));
        Assert.Equal(("sales", "full", false), ((string)handoffs[1]!["agentId"]!, (string)handoffs[1]!["context"]!, handoffs[1]!.AsObject().ContainsKey("lastTurns")));

        using var removed = await system.Admin.PutAsJsonAsync("/api/agents/front", new JsonObject { ["name"] = "Front desk", ["handoffs"] = new JsonArray() }, system.Token);
        Assert.Equal(HttpStatusCode.OK, removed.StatusCode);
        Assert.Empty((await system.Admin.GetFromJsonAsync<JsonObject>("/api/agents/front", system.Token))!["handoffs"]!.AsArray());
    }

    [Theory]
    [InlineData("""[{"agentId":"front","description":"Myself."}]""", "handoffs[0].agentId")]
    [InlineData("""[{"agentId":"nobody","description":"Not an agent."}]""", "handoffs[0].agentId")]
    [InlineData("""[{"description":"No destination."}]""", "handoffs[0].agentId")]
    [InlineData("""[{"agentId":"billing","description":"Bills."},{"agentId":"billing","description":"Bills again."}]""", "handoffs[1].agentId")]
    [InlineData("""[{"agentId":"billing"}]""", "handoffs[0].description")]
    [InlineData("""[{"agentId":"billing","description":" "}]""", "handoffs[0].description")]
    [InlineData("""[{"agentId":"billing","description":"line\nbreak"}]""", "handoffs[0].description")]
    [InlineData("""[{"agentId":"billing","description":"Bills.","context":"everything"}]""", "handoffs[0].context")]
    [InlineData("""[{"agentId":"billing","description":"Bills.","context":"last_turns"}]""", "handoffs[0].lastTurns")]
    [InlineData("""[{"agentId":"billing","description":"Bills.","context":"last_turns","lastTurns":51}]""", "handoffs[0].lastTurns")]
    [InlineData("""[{"agentId":"billing","description":"Bills.","context":"summary","lastTurns":3}]""", "handoffs[0].lastTurns")]
    public async Task InvalidHandoffs_400NamingTheField_NothingSaved(string handoffs, string field)
    {
        await using var system = await SystemHarness.StartAsync("sqlite");
        await system.CreateAgentAsync("billing", "+15557002001", new JsonObject { ["name"] = "Billing" });

        using var response = await system.Admin.PutAsync("/api/agents/front", new StringContent($$"""{"name":"Front","handoffs":{{handoffs}}}""", Encoding.UTF8, "application/json"), system.Token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(field, (string?)(await response.Content.ReadFromJsonAsync<JsonObject>(system.Token))!["field"]);
        using var gone = await system.Admin.GetAsync("/api/agents/front", system.Token);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task TooManyHandoffs_400()
    {
        await using var system = await SystemHarness.StartAsync("sqlite");
        var handoffs = new JsonArray();
        for (var index = 0; index < 9; index++)
        {
            await system.CreateAgentAsync($"agent-{index}", $"+1555700300{index}", new JsonObject { ["name"] = $"Agent {index}" });
            handoffs.Add(new JsonObject { ["agentId"] = $"agent-{index}", ["description"] = "A destination." });
        }

        using var response = await system.Admin.PutAsJsonAsync("/api/agents/front", new JsonObject { ["name"] = "Front", ["handoffs"] = handoffs }, system.Token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("handoffs", (string?)(await response.Content.ReadFromJsonAsync<JsonObject>(system.Token))!["field"]);
    }

    [Fact]
    public async Task SignedConfiguration_NamesTheDestinations_IdsAndDescriptionsOnly()
    {
        await using var system = await SystemHarness.StartAsync("sqlite");
        await system.CreateAgentAsync("billing", "+15557002001", new JsonObject { ["name"] = "Billing", ["prompt"] = "You are billing.", ["openAIKey"] = "sk-billing-own-key" });
        await system.CreateAgentAsync("front", "+15557002000", new JsonObject
        {
            ["name"] = "Front desk",
            ["handoffs"] = new JsonArray(new JsonObject { ["agentId"] = "billing", ["description"] = "Invoices and payments.", ["context"] = "summary" }),
        });

        var twiml = await system.CallAsync("+15557002000", TwilioIds.NewCallSid());

        var claims = await WebhookConfig.ClaimsAsync(WebhookConfig.Joined(twiml.Parameters, "config"));
        var destinations = JsonNode.Parse((string)claims["handoffs"]!)!.AsArray();
        Assert.Equal("""[{"agentId":"billing","description":"Invoices and payments."}]""", destinations.ToJsonString());
        Assert.Equal(new Uri(system.BaseAddress, "/api/handoffs").AbsoluteUri, (string)claims["handoffUrl"]!);
        Assert.DoesNotContain("You are billing.", claims.ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain("sk-billing-own-key", claims.ToJsonString(), StringComparison.Ordinal);
    }
}
