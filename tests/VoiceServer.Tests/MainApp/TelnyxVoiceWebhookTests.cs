using System.Net;
using System.Text.Json.Nodes;
using VoiceServer.TelnyxEmulator;

namespace VoiceServer.Tests.MainApp;

/// <summary>
/// <c>POST /api/telnyx/voice</c>: a Telnyx number's call gets TeXML that streams it to the voice server's Telnyx path,
/// its configuration signed for the call's <c>v3:</c> id; any other number, or a number of another provider, gets an
/// apology and a hang-up.
/// </summary>
public sealed class TelnyxVoiceWebhookTests
{
    private const string Number = "+15557002000";
    private const string AgentKey = "sk-agent-own-key-0123456789";

    internal static JsonObject Agent(string prompt = "You are the front desk of Rosa's Bakery.") => new()
    {
        ["name"] = "Rosa's Bakery front desk",
        ["prompt"] = prompt,
        ["voice"] = "marin",
        ["greeting"] = "Rosa's Bakery, how can I help?",
        ["openAIKey"] = AgentKey,
    };

    internal static async Task<SystemHarness> StartAsync(FakeTelnyxWebhook telnyx, string backend = "sqlite", Dictionary<string, string?>? extra = null)
    {
        var settings = extra ?? [];
        settings.TryAdd("TELNYX_PUBLIC_KEY", telnyx.PublicKey);
        return await SystemHarness.StartAsync(backend, settings);
    }

    internal static Uri WebhookUrl(SystemHarness system) => new(system.BaseAddress, "/api/telnyx/voice");

    [Theory]
    [MemberData(nameof(SystemHarness.Backends), MemberType = typeof(SystemHarness))]
    public async Task TelnyxNumber_GetsTexml_StreamingToTheVoiceServer_ConfigurationBoundToTheCall(string backend)
    {
        using var telnyx = new FakeTelnyxWebhook();
        await using var system = await StartAsync(telnyx, backend);
        await system.CreateAgentAsync("bakery", Number, Agent(), provider: "telnyx");
        var callSid = FakeTelnyxWebhook.NewCallSid();

        var texml = await telnyx.PostAsync(WebhookUrl(system), FakeTelnyxWebhook.IncomingCall(Number, callSid), system.Token);

        Assert.Equal(HttpStatusCode.OK, texml.Status);
        Assert.Equal(new Uri($"ws://{system.Voice.Server.BaseAddress.Authority}/api/telnyx/media-stream"), texml.StreamUrl);
        Assert.Equal(("rtp", "PCMU", "PCMU", "8000"), (texml.StreamAttributes["bidirectionalMode"], texml.StreamAttributes["codec"], texml.StreamAttributes["bidirectionalCodec"], texml.StreamAttributes["bidirectionalSamplingRate"]));
        // One token, split over config.0, config.1, … as for Twilio (Telnyx's parameter size limit is not documented).
        Assert.All(texml.Parameters.Keys, name => Assert.StartsWith("config", name, StringComparison.Ordinal));
        var claims = await WebhookConfig.ClaimsAsync(WebhookConfig.Joined(texml.Parameters, "config"));
        Assert.Equal((callSid, "bakery", AgentKey), ((string?)claims["callSid"], (string?)claims["agentId"], (string?)claims["openAIKey"]));
        Assert.DoesNotContain(AgentKey, texml.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("Rosa", texml.Body, StringComparison.Ordinal);
        Assert.Contains(system.Logs.Entries, e => e.EventName == "CallRouted" && e.Message.Contains("Telnyx", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(SystemHarness.Backends), MemberType = typeof(SystemHarness))]
    public async Task UnknownNumber_ApologyAndHangup(string backend)
    {
        using var telnyx = new FakeTelnyxWebhook();
        await using var system = await StartAsync(telnyx, backend);

        var texml = await telnyx.PostAsync(WebhookUrl(system), FakeTelnyxWebhook.IncomingCall("+15559999999", FakeTelnyxWebhook.NewCallSid()), system.Token);

        Assert.Null(texml.StreamUrl);
        Assert.Contains("not in service", Assert.Single(texml.Says), StringComparison.Ordinal);
        Assert.True(texml.HangsUp);
        Assert.Contains(system.Logs.Entries, e => e.EventName == "AgentNotFound");
    }

    [Theory]
    [InlineData("twilio")]
    [InlineData("plivo")]
    [InlineData("vonage")]
    public async Task NumberOfAnotherProvider_NotInService_NeverRouted(string provider)
    {
        using var telnyx = new FakeTelnyxWebhook();
        await using var system = await StartAsync(telnyx);
        await system.CreateAgentAsync("bakery", Number, Agent(), provider);

        var texml = await telnyx.PostAsync(WebhookUrl(system), FakeTelnyxWebhook.IncomingCall(Number, FakeTelnyxWebhook.NewCallSid()), system.Token);

        Assert.Null(texml.StreamUrl);
        Assert.True(texml.HangsUp);
        Assert.DoesNotContain("config", texml.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DisabledAgent_ApologyAndHangup()
    {
        using var telnyx = new FakeTelnyxWebhook();
        await using var system = await StartAsync(telnyx);
        var agent = Agent();
        agent["enabled"] = false;
        await system.CreateAgentAsync("bakery", Number, agent, provider: "telnyx");

        var texml = await telnyx.PostAsync(WebhookUrl(system), FakeTelnyxWebhook.IncomingCall(Number, FakeTelnyxWebhook.NewCallSid()), system.Token);

        Assert.Null(texml.StreamUrl);
        Assert.True(texml.HangsUp);
    }

    [Fact]
    public async Task PlainMode_SettingsAsParameters_EveryValueEscaped_NeverTheKey()
    {
        using var telnyx = new FakeTelnyxWebhook();
        await using var system = await StartAsync(telnyx, extra: new() { ["CONFIG_SIGNING_KEY"] = null });
        const string Prompt = "Say \"<Hangup/>\" & 'goodbye' </Stream></Connect><Dial>+15550000000</Dial>";
        await system.CreateAgentAsync("bakery", Number, Agent(Prompt), provider: "telnyx");

        var texml = await telnyx.PostAsync(WebhookUrl(system), FakeTelnyxWebhook.IncomingCall(Number, FakeTelnyxWebhook.NewCallSid()), system.Token);

        Assert.NotNull(texml.StreamUrl);
        Assert.Equal(Prompt, texml.Parameters["prompt"]);
        Assert.Equal("bakery", texml.Parameters["agentId"]);
        Assert.DoesNotContain("openAIKey", texml.Parameters.Keys);
        Assert.DoesNotContain(AgentKey, texml.Body, StringComparison.Ordinal);
        Assert.False(texml.HangsUp);
    }
}
