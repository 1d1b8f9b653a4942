using System.Net;
using System.Text.Json.Nodes;

namespace VoiceServer.Tests.MainApp;

/// <summary>
/// <c>/api/vonage/answer</c> and <c>/api/vonage/events</c>: a Vonage number's call gets the agreed NCCO (a websocket
/// connect to the voice server's Vonage path, the call's ids in its headers, the configuration signed for the call's
/// uuid in its Authorization); any other number a spoken apology; events a 204.
/// </summary>
public sealed class VonageWebhookTests
{
    internal const string Number = "+15557004000";

    internal static async Task<SystemHarness> StartAsync(string backend = "sqlite", Dictionary<string, string?>? extra = null)
    {
        var settings = extra ?? [];
        settings.TryAdd("VONAGE_SIGNATURE_SECRET", FakeVonageWebhook.Secret);
        return await SystemHarness.StartAsync(backend, settings);
    }

    internal static Uri AnswerUrl(SystemHarness system) => new(system.BaseAddress, "/api/vonage/answer");

    internal static Uri EventsUrl(SystemHarness system) => new(system.BaseAddress, "/api/vonage/events");

    internal static async Task<(HttpStatusCode Status, JsonNode? Ncco, string Body)> SendAsync(SystemHarness system, HttpRequestMessage request)
    {
        using var response = await system.Anonymous.SendAsync(request, system.Token);
        var body = await response.Content.ReadAsStringAsync(system.Token);
        return (response.StatusCode, response.StatusCode == HttpStatusCode.OK ? JsonNode.Parse(body) : null, body);
    }

    [Theory]
    [MemberData(nameof(SystemHarness.Backends), MemberType = typeof(SystemHarness))]
    public async Task VonageNumber_GetAnswer_TheAgreedNcco_ConfigurationSignedForTheUuid(string backend)
    {
        await using var system = await StartAsync(backend);
        await system.CreateAgentAsync("bakery", Number, TelnyxVoiceWebhookTests.Agent(), provider: "vonage");
        var uuid = Guid.NewGuid().ToString();

        using var request = FakeVonageWebhook.Get(AnswerUrl(system), FakeVonageWebhook.IncomingCall(Number[1..], uuid), FakeVonageWebhook.Token());
        var (status, ncco, body) = await SendAsync(system, request);

        Assert.Equal(HttpStatusCode.OK, status);
        var connect = Assert.Single(ncco!.AsArray())!;
        Assert.Equal("connect", (string?)connect["action"]);
        Assert.Equal(new Uri(system.BaseAddress, "/api/vonage/events").AbsoluteUri, (string?)Assert.Single(connect["eventUrl"]!.AsArray()));
        var endpoint = Assert.Single(connect["endpoint"]!.AsArray())!;
        Assert.Equal(("websocket", $"ws://{system.Voice.Server.BaseAddress.Authority}/api/vonage/media-stream", "audio/l16;rate=16000"), ((string?)endpoint["type"], (string?)endpoint["uri"], (string?)endpoint["content-type"]));
        Assert.Equal($$"""{"CallSid":"{{uuid}}","From":"15550001111","To":"{{Number[1..]}}"}""", endpoint["headers"]!.ToJsonString());
        Assert.Equal("custom", (string?)endpoint["authorization"]!["type"]);
        var value = (string)endpoint["authorization"]!["value"]!;
        Assert.StartsWith("Bearer ", value, StringComparison.Ordinal);
        var claims = await WebhookConfig.ClaimsAsync(value["Bearer ".Length..]);
        Assert.Equal((uuid, "bakery"), ((string?)claims["callSid"], (string?)claims["agentId"]));
        Assert.DoesNotContain("Rosa", body, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-agent", body, StringComparison.Ordinal);
        Assert.DoesNotContain("\\u002B", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VonageNumber_PostAnswer_WithPayloadHash_Routed()
    {
        await using var system = await StartAsync();
        await system.CreateAgentAsync("bakery", Number, TelnyxVoiceWebhookTests.Agent(), provider: "vonage");
        var uuid = Guid.NewGuid().ToString();

        using var request = FakeVonageWebhook.Post(AnswerUrl(system), FakeVonageWebhook.IncomingCall(Number, uuid).ToJsonString());
        var (status, ncco, _) = await SendAsync(system, request);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(uuid, (string?)ncco![0]!["endpoint"]![0]!["headers"]!["CallSid"]);
    }

    [Fact]
    public async Task PlainMode_ConfigurationInTheHeaders_VonageSignsTheUpgrade_NeverTheKey()
    {
        await using var system = await StartAsync(extra: new() { ["CONFIG_SIGNING_KEY"] = null });
        await system.CreateAgentAsync("bakery", Number, TelnyxVoiceWebhookTests.Agent(), provider: "vonage");
        var uuid = Guid.NewGuid().ToString();

        using var request = FakeVonageWebhook.Get(AnswerUrl(system), FakeVonageWebhook.IncomingCall(Number, uuid), FakeVonageWebhook.Token());
        var (_, ncco, body) = await SendAsync(system, request);

        var endpoint = ncco![0]!["endpoint"]![0]!;
        Assert.Equal("""{"type":"vonage"}""", endpoint["authorization"]!.ToJsonString());
        var headers = endpoint["headers"]!.AsObject();
        Assert.Equal((uuid, "bakery", "You are the front desk of Rosa's Bakery."), ((string?)headers["CallSid"], (string?)headers["agentId"], (string?)headers["prompt"]));
        Assert.False(headers.ContainsKey("openAIKey"));
        Assert.DoesNotContain("sk-agent", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PlainMode_WithoutASecret_InDevelopment_NoAuthorization()
    {
        await using var system = await SystemHarness.StartAsync("sqlite", new Dictionary<string, string?> { ["CONFIG_SIGNING_KEY"] = null, ["ALLOW_UNAUTHENTICATED"] = "true" });
        await system.CreateAgentAsync("bakery", Number, TelnyxVoiceWebhookTests.Agent(), provider: "vonage");

        using var request = FakeVonageWebhook.Get(AnswerUrl(system), FakeVonageWebhook.IncomingCall(Number, Guid.NewGuid().ToString()), token: null);
        var (status, ncco, _) = await SendAsync(system, request);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.False(ncco![0]!["endpoint"]![0]!.AsObject().ContainsKey("authorization"));
    }

    [Theory]
    [MemberData(nameof(SystemHarness.Backends), MemberType = typeof(SystemHarness))]
    public async Task UnknownNumber_SpokenApology(string backend)
    {
        await using var system = await StartAsync(backend);

        using var request = FakeVonageWebhook.Get(AnswerUrl(system), FakeVonageWebhook.IncomingCall("15559999999", Guid.NewGuid().ToString()), FakeVonageWebhook.Token());
        var (status, _, body) = await SendAsync(system, request);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("""[{"action":"talk","text":"Sorry, this number is not in service right now. Goodbye."}]""", body);
        Assert.Contains(system.Logs.Entries, e => e.EventName == "AgentNotFound");
    }

    [Theory]
    [InlineData("twilio")]
    [InlineData("telnyx")]
    [InlineData("plivo")]
    public async Task NumberOfAnotherProvider_NotInService_NeverRouted(string provider)
    {
        await using var system = await StartAsync();
        await system.CreateAgentAsync("bakery", Number, TelnyxVoiceWebhookTests.Agent(), provider);

        using var request = FakeVonageWebhook.Get(AnswerUrl(system), FakeVonageWebhook.IncomingCall(Number, Guid.NewGuid().ToString()), FakeVonageWebhook.Token());
        var (_, ncco, _) = await SendAsync(system, request);

        Assert.Equal("talk", (string?)Assert.Single(ncco!.AsArray())!["action"]);
    }

    // Vonage's signature secrets may be shorter than HS256's 256 bits: the check is done by hand, as on the voice
    // server, so every length the dashboard offers verifies.
    [Theory]
    [InlineData("0123456789abcdef")]
    [InlineData("0123456789abcdef0123456789abcdef")]
    [InlineData("a-signature-secret-of-sixty-four-characters-0123456789abcdefghij")]
    public async Task SignatureSecretOfAnyLength_Verifies(string secret)
    {
        await using var system = await StartAsync(extra: new() { ["VONAGE_SIGNATURE_SECRET"] = secret });
        await system.CreateAgentAsync("bakery", Number, TelnyxVoiceWebhookTests.Agent(), provider: "vonage");

        using var request = FakeVonageWebhook.Get(AnswerUrl(system), FakeVonageWebhook.IncomingCall(Number, Guid.NewGuid().ToString()), FakeVonageWebhook.Token(secret));

        Assert.Equal(HttpStatusCode.OK, (await SendAsync(system, request)).Status);
    }

    [Fact]
    public async Task Events_Signed_204()
    {
        await using var system = await StartAsync();
        var status = new JsonObject { ["uuid"] = Guid.NewGuid().ToString(), ["status"] = "answered", ["direction"] = "inbound" }.ToJsonString();

        using var post = FakeVonageWebhook.Post(EventsUrl(system), status);
        using var get = FakeVonageWebhook.Get(EventsUrl(system), new JsonObject { ["status"] = "completed" }, FakeVonageWebhook.Token());

        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(system, post)).Status);
        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(system, get)).Status);
    }
}
