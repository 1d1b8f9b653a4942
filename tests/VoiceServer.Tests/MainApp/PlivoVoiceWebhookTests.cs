using System.Net;
using System.Web;
using VoiceServer.PlivoEmulator;

namespace VoiceServer.Tests.MainApp;

/// <summary>
/// <c>POST /api/plivo/voice</c> and <c>/api/plivo/transfer</c>: a Plivo number's call gets Plivo XML that streams it to
/// the voice server's Plivo path with the configuration, signed for the call's CallUUID, in the stream URL's query;
/// any other number, or a number of another provider, an apology and a hang-up; a transfer a <c>&lt;Dial&gt;</c>.
/// </summary>
public sealed class PlivoVoiceWebhookTests
{
    internal const string Number = "+15557003000";
    internal const string AuthToken = "plivo-auth-token-for-tests-0123";

    internal static async Task<SystemHarness> StartAsync(string backend = "sqlite", Dictionary<string, string?>? extra = null)
    {
        var settings = extra ?? [];
        settings.TryAdd("PLIVO_AUTH_TOKEN", AuthToken);
        return await SystemHarness.StartAsync(backend, settings);
    }

    internal static Uri AnswerUrl(SystemHarness system) => new(system.BaseAddress, "/api/plivo/voice");

    internal static Uri TransferUrl(SystemHarness system, string to) => new(system.BaseAddress, "/api/plivo/transfer?to=" + Uri.EscapeDataString(to));

    [Theory]
    [MemberData(nameof(SystemHarness.Backends), MemberType = typeof(SystemHarness))]
    public async Task PlivoNumber_GetsAStream_ConfigurationInItsQuery_BoundToTheCallUuid(string backend)
    {
        await using var system = await StartAsync(backend);
        await system.CreateAgentAsync("bakery", Number, TelnyxVoiceWebhookTests.Agent(), provider: "plivo");
        var callUuid = Guid.NewGuid().ToString();

        var xml = await FakePlivoWebhook.PostAsync(AnswerUrl(system), FakePlivoWebhook.IncomingCall(Number, callUuid), AuthToken, system.Token);

        Assert.Equal(HttpStatusCode.OK, xml.Status);
        Assert.Equal($"ws://{system.Voice.Server.BaseAddress.Authority}/api/plivo/media-stream", xml.StreamUrl!.GetLeftPart(UriPartial.Path));
        Assert.Equal(("true", "true", "audio/x-mulaw;rate=8000"), (xml.StreamAttributes["bidirectional"], xml.StreamAttributes["keepCallAlive"], xml.StreamAttributes["contentType"]));
        var query = HttpUtility.ParseQueryString(xml.StreamUrl.Query);
        Assert.Equal("config", Assert.Single(query.AllKeys));
        var claims = await WebhookConfig.ClaimsAsync(query["config"]!);
        Assert.Equal((callUuid, "bakery"), ((string?)claims["callSid"], (string?)claims["agentId"]));
        Assert.DoesNotContain("Rosa", xml.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-agent", xml.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NumberWithoutItsPlus_AsPlivoWritesIt_StillFound()
    {
        await using var system = await StartAsync();
        await system.CreateAgentAsync("bakery", Number, TelnyxVoiceWebhookTests.Agent(), provider: "plivo");

        var xml = await FakePlivoWebhook.PostAsync(AnswerUrl(system), FakePlivoWebhook.IncomingCall(Number[1..], Guid.NewGuid().ToString()), AuthToken, system.Token);

        Assert.NotNull(xml.StreamUrl);
    }

    [Theory]
    [MemberData(nameof(SystemHarness.Backends), MemberType = typeof(SystemHarness))]
    public async Task UnknownNumber_ApologyAndHangup(string backend)
    {
        await using var system = await StartAsync(backend);

        var xml = await FakePlivoWebhook.PostAsync(AnswerUrl(system), FakePlivoWebhook.IncomingCall("+15559999999", Guid.NewGuid().ToString()), AuthToken, system.Token);

        Assert.Null(xml.StreamUrl);
        Assert.Contains("not in service", Assert.Single(xml.Speaks), StringComparison.Ordinal);
        Assert.True(xml.HangsUp);
        Assert.Contains(system.Logs.Entries, e => e.EventName == "AgentNotFound");
    }

    [Theory]
    [InlineData("twilio")]
    [InlineData("telnyx")]
    [InlineData("vonage")]
    public async Task NumberOfAnotherProvider_NotInService_NeverRouted(string provider)
    {
        await using var system = await StartAsync();
        await system.CreateAgentAsync("bakery", Number, TelnyxVoiceWebhookTests.Agent(), provider);

        var xml = await FakePlivoWebhook.PostAsync(AnswerUrl(system), FakePlivoWebhook.IncomingCall(Number, Guid.NewGuid().ToString()), AuthToken, system.Token);

        Assert.Null(xml.StreamUrl);
        Assert.True(xml.HangsUp);
    }

    [Fact]
    public async Task PlainMode_SettingsInTheQuery_EveryValueEscaped_NeverTheKey()
    {
        await using var system = await StartAsync(extra: new() { ["CONFIG_SIGNING_KEY"] = null });
        const string Prompt = "Say \"</Stream>\" & 'goodbye'?x=1&openAIKey=sk-injected#frag <Hangup/>";
        await system.CreateAgentAsync("bakery", Number, TelnyxVoiceWebhookTests.Agent(Prompt), provider: "plivo");

        var xml = await FakePlivoWebhook.PostAsync(AnswerUrl(system), FakePlivoWebhook.IncomingCall(Number, Guid.NewGuid().ToString()), AuthToken, system.Token);

        var query = HttpUtility.ParseQueryString(xml.StreamUrl!.Query);
        Assert.Equal(Prompt, query["prompt"]);
        Assert.Equal("bakery", query["agentId"]);
        Assert.Null(query["openAIKey"]);
        Assert.DoesNotContain("sk-agent", xml.Body, StringComparison.Ordinal);
        Assert.False(xml.HangsUp);
    }

    [Fact]
    public async Task AgentWhoseTokenOutgrowsTheVoiceServersRequestLine_StillAnswered_AndTheLikelyFailureLogged()
    {
        await using var system = await StartAsync();
        // Random CJK text: three bytes a character that no compression can shrink; it fits Twilio's TwiML, not a URL.
        var random = new Random(7);
        var prompt = new string([.. Enumerable.Range(0, 6_000).Select(_ => (char)random.Next(0x4E00, 0x9FFF))]);
        await system.CreateAgentAsync("bakery", Number, TelnyxVoiceWebhookTests.Agent(prompt), provider: "plivo");

        var xml = await FakePlivoWebhook.PostAsync(AnswerUrl(system), FakePlivoWebhook.IncomingCall(Number, Guid.NewGuid().ToString()), AuthToken, system.Token);

        Assert.NotNull(xml.StreamUrl);
        Assert.Contains(system.Logs.Entries, e => e.EventName == "StreamUrlTooLong" && e.Level == LogLevel.Warning);
    }

    [Fact]
    public async Task ShortAgent_NoLengthWarning()
    {
        await using var system = await StartAsync();
        await system.CreateAgentAsync("bakery", Number, TelnyxVoiceWebhookTests.Agent(), provider: "plivo");

        await FakePlivoWebhook.PostAsync(AnswerUrl(system), FakePlivoWebhook.IncomingCall(Number, Guid.NewGuid().ToString()), AuthToken, system.Token);

        Assert.DoesNotContain(system.Logs.Entries, e => e.EventName == "StreamUrlTooLong");
    }

    [Theory]
    [InlineData("+15557654321")]
    [InlineData("+442071234567")]
    public async Task Transfer_DialsTheNumber(string to)
    {
        await using var system = await StartAsync();

        var xml = await FakePlivoWebhook.PostAsync(TransferUrl(system, to), FakePlivoWebhook.IncomingCall(Number, Guid.NewGuid().ToString()), AuthToken, system.Token);

        Assert.Equal(HttpStatusCode.OK, xml.Status);
        Assert.Equal([to], xml.DialNumbers);
        Assert.Contains(system.Logs.Entries, e => e.EventName == "TransferAnswered");
    }
}
