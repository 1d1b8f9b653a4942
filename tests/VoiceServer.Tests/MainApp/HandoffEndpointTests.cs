using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using VoiceServer.TwilioEmulator;

namespace VoiceServer.Tests.MainApp;

/// <summary>
/// <c>POST /api/handoffs</c>: the voice server fetches a handoff destination's configuration, signed and bound to the
/// call, and only one the origin agent lists. The attacks on it are in <see cref="HandoffEndpointAttackTests"/>.
/// </summary>
public sealed class HandoffEndpointTests
{
    internal static async Task CreateChainAsync(SystemHarness system)
    {
        await system.CreateAgentAsync("billing", "+15557004002", new JsonObject { ["name"] = "Billing", ["voice"] = "cedar", ["prompt"] = "You are billing.", ["openAIKey"] = "sk-billing-own-key" });
        await system.CreateAgentAsync("front", "+15557004001", new JsonObject
        {
            ["name"] = "Front desk",
            ["handoffs"] = new JsonArray(new JsonObject { ["agentId"] = "billing", ["description"] = "Invoices and payments.", ["context"] = "last_turns", ["lastTurns"] = 4 }),
        });
    }

    [Theory]
    [MemberData(nameof(SystemHarness.Backends), MemberType = typeof(SystemHarness))]
    public async Task ListedDestination_ItsSignedConfiguration_BoundToTheCall(string backend)
    {
        await using var system = await SystemHarness.StartAsync(backend);
        await CreateChainAsync(system);
        var callSid = TwilioIds.NewCallSid();

        using var response = await HandoffRequests.PostSignedAsync(system, callSid, "front", "billing");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = (await response.Content.ReadFromJsonAsync<JsonObject>(system.Token))!;
        Assert.Equal(("last_turns", 4), ((string)answer["context"]!, (int)answer["lastTurns"]!));
        var claims = await WebhookConfig.ClaimsAsync((string)answer["config"]!);
        Assert.Equal(("billing", "cedar", "You are billing.", "sk-billing-own-key", callSid), ((string)claims["agentId"]!, (string)claims["voice"]!, (string)claims["prompt"]!, (string)claims["openAIKey"]!, (string)claims["callSid"]!));
        Assert.DoesNotContain(system.Logs.Entries, entry => entry.Message.Contains("sk-billing-own-key", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TheFetchedToken_OnAnotherCallsStream_Refused_NothingUpstream()
    {
        await using var system = await SystemHarness.StartAsync("sqlite");
        await CreateChainAsync(system);
        var callSid = TwilioIds.NewCallSid();
        using var response = await HandoffRequests.PostSignedAsync(system, callSid, "front", "billing");
        var token = (string)(await response.Content.ReadFromJsonAsync<JsonObject>(system.Token))!["config"]!;
        var parameters = new Dictionary<string, string> { ["config"] = token };

        // Another call's id: the voice server refuses the token before any model is contacted.
        await using (var other = await FakeTwilioCaller.ConnectAsync(system.Voice.Server.MediaStreamUrl(), new FakeTwilioCallerOptions { CallSid = TwilioIds.NewCallSid() }, system.Token))
        {
            await other.SendConnectedAsync(system.Token);
            await other.SendStartAsync(parameters, cancellationToken: system.Token);
            var (status, _) = await other.WaitForCloseAsync(system.Token);
            Assert.Equal(System.Net.WebSockets.WebSocketCloseStatus.PolicyViolation, status);
        }

        Assert.Equal(0, system.Voice.Realtime.ConnectionCount);
    }
}
