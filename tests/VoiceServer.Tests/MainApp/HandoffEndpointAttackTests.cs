using System.Net;
using System.Text.Json.Nodes;
using VoiceServer.TwilioEmulator;

namespace VoiceServer.Tests.MainApp;

/// <summary>
/// <c>POST /api/handoffs</c> answers with another agent's configuration, key included: nothing but a fresh request the
/// voice server signed, for a destination the origin agent lists, gets one.
/// </summary>
public sealed class HandoffEndpointAttackTests
{
    public static TheoryData<string> Spellings => ["/API/HANDOFFS", "/Api/Handoffs", "/api/handoffs/", "/api/%68andoffs", "//api/handoffs", "/api/x/../handoffs", "/api/x/%2e%2e/handoffs"];

    [Theory]
    [MemberData(nameof(Spellings))]
    public async Task Unsigned_InAnySpelling_NoConfiguration(string path)
    {
        await using var system = await SystemHarness.StartAsync("sqlite");
        await HandoffEndpointTests.CreateChainAsync(system);

        using var response = await HandoffRequests.PostAsync(system, AsWritten(system, path), HandoffRequests.Body(TwilioIds.NewCallSid(), "front", "billing"), "t=1700000000,v2=00");

        Assert.Contains(response.StatusCode, new[] { HttpStatusCode.Unauthorized, HttpStatusCode.NotFound });
        Assert.DoesNotContain("config", await response.Content.ReadAsStringAsync(system.Token), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Spellings))]
    public async Task ASignedRequest_SentAgainUnderAnotherSpelling_NoSecondConfiguration(string path)
    {
        await using var system = await SystemHarness.StartAsync("sqlite");
        await HandoffEndpointTests.CreateChainAsync(system);
        var url = new Uri(system.BaseAddress, "/api/handoffs");
        var body = HandoffRequests.Body(TwilioIds.NewCallSid(), "front", "billing");
        var signature = HandoffRequests.Signature(url, body);
        using var genuine = await HandoffRequests.PostAsync(system, url, body, signature);
        Assert.Equal(HttpStatusCode.OK, genuine.StatusCode);

        // Spellings the server normalises to the same path meet the replay check; the others fail the signature.
        using var again = await HandoffRequests.PostAsync(system, AsWritten(system, path), body, signature);

        Assert.Contains(again.StatusCode, new[] { HttpStatusCode.Unauthorized, HttpStatusCode.NotFound });
        Assert.DoesNotContain("config", await again.Content.ReadAsStringAsync(system.Token), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unsigned_Forged_Stale_OrReplayed_401()
    {
        await using var system = await SystemHarness.StartAsync("sqlite");
        await HandoffEndpointTests.CreateChainAsync(system);
        var url = new Uri(system.BaseAddress, "/api/handoffs");
        var body = HandoffRequests.Body(TwilioIds.NewCallSid(), "front", "billing");

        using var unsigned = await HandoffRequests.PostAsync(system, url, body, signature: null);
        using var forged = await HandoffRequests.PostAsync(system, url, body, HandoffRequests.Signature(url, body, configKey: "another-config-signing-key-0123456789"));
        using var stale = await HandoffRequests.PostAsync(system, url, body, HandoffRequests.Signature(url, body, at: DateTimeOffset.UtcNow.AddMinutes(-5)));
        // The key that signs call records is not the key that fetches agents.
        using var recordKey = await HandoffRequests.PostAsync(system, url, body, HandoffRequests.Signature(url, body, configKey: SystemHarness.EventsKey));
        var signature = HandoffRequests.Signature(url, body);
        using var genuine = await HandoffRequests.PostAsync(system, url, body, signature);
        using var replayed = await HandoffRequests.PostAsync(system, url, body, signature);

        Assert.Equal(
            [HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.OK, HttpStatusCode.Unauthorized],
            new[] { unsigned, forged, stale, recordKey, genuine, replayed }.Select(static response => response.StatusCode));
    }

    [Fact]
    public async Task AnotherCallsId_InASignedBody_FailsItsSignature()
    {
        await using var system = await SystemHarness.StartAsync("sqlite");
        await HandoffEndpointTests.CreateChainAsync(system);
        var url = new Uri(system.BaseAddress, "/api/handoffs");
        var signed = HandoffRequests.Body(TwilioIds.NewCallSid(), "front", "billing");

        using var response = await HandoffRequests.PostAsync(system, url, HandoffRequests.Body(TwilioIds.NewCallSid(), "front", "billing"), HandoffRequests.Signature(url, signed));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Theory]
    [InlineData("front", "sales")] // exists, not listed by front
    [InlineData("front", "nobody")]
    [InlineData("billing", "front")] // the way back is not listed
    [InlineData("nobody", "billing")]
    [InlineData("front", "front")]
    public async Task ADestinationTheOriginDoesNotList_404_NoConfiguration(string from, string to)
    {
        await using var system = await SystemHarness.StartAsync("sqlite");
        await HandoffEndpointTests.CreateChainAsync(system);
        await system.CreateAgentAsync("sales", "+15557004003", new JsonObject { ["name"] = "Sales" });

        using var response = await HandoffRequests.PostSignedAsync(system, TwilioIds.NewCallSid(), from, to);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("unknown_destination", await response.Content.ReadAsStringAsync(system.Token), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ADisabledDestination_404()
    {
        await using var system = await SystemHarness.StartAsync("sqlite");
        await HandoffEndpointTests.CreateChainAsync(system);
        using var disabled = await system.Admin.PutAsync("/api/agents/billing", System.Net.Http.Json.JsonContent.Create(new JsonObject { ["name"] = "Billing", ["enabled"] = false }), system.Token);
        Assert.Equal(HttpStatusCode.OK, disabled.StatusCode);

        using var response = await HandoffRequests.PostSignedAsync(system, TwilioIds.NewCallSid(), "front", "billing");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Theory]
    [InlineData("""{"callSid":"CA 1","fromAgentId":"front","toAgentId":"billing"}""")]
    [InlineData("""{"fromAgentId":"front","toAgentId":"billing"}""")]
    [InlineData("""not json""")]
    public async Task ASignedButMalformedBody_400(string body)
    {
        await using var system = await SystemHarness.StartAsync("sqlite");
        await HandoffEndpointTests.CreateChainAsync(system);
        var url = new Uri(system.BaseAddress, "/api/handoffs");

        using var response = await HandoffRequests.PostAsync(system, url, body, HandoffRequests.Signature(url, body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task MainAppWithoutConfigSigningKey_404()
    {
        await using var system = await SystemHarness.StartAsync("sqlite", new Dictionary<string, string?> { ["CONFIG_SIGNING_KEY"] = null });
        await HandoffEndpointTests.CreateChainAsync(system);

        using var response = await HandoffRequests.PostSignedAsync(system, TwilioIds.NewCallSid(), "front", "billing");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    /// <summary>The path exactly as written: no dot-segment removal or unescaping on the client's side.</summary>
    private static Uri AsWritten(SystemHarness system, string path) =>
        new(system.BaseAddress.GetLeftPart(UriPartial.Authority) + path, new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });
}
