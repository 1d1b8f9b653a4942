using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using VoiceServer.TwilioEmulator;

namespace VoiceServer.Tests.MainApp;

/// <summary>
/// A production main app authenticates both doors strangers can knock on: it does not start without
/// <c>TWILIO_AUTH_TOKEN</c> and <c>CALL_EVENTS_SIGNING_KEY</c>, unless <c>ALLOW_UNAUTHENTICATED=true</c> says this is
/// development, which it then announces with what it exposes.
/// </summary>
public sealed class StartupRuleTests
{
    [Theory]
    [InlineData("TWILIO_AUTH_TOKEN")]
    [InlineData("CALL_EVENTS_SIGNING_KEY")]
    public async Task WithoutASecret_RefusesToStart_NamingIt(string secret)
    {
        var refused = await Assert.ThrowsAsync<OptionsValidationException>(() => SystemHarness.StartAsync("sqlite", new Dictionary<string, string?> { [secret] = null }));

        Assert.Contains(secret, refused.Message, StringComparison.Ordinal);
        Assert.Contains("ALLOW_UNAUTHENTICATED=true", refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("false")]
    [InlineData("")]
    public async Task AllowUnauthenticatedNotTrue_StillRefusesToStart(string value)
    {
        await Assert.ThrowsAsync<OptionsValidationException>(() => SystemHarness.StartAsync("sqlite", new Dictionary<string, string?> { ["TWILIO_AUTH_TOKEN"] = null, ["ALLOW_UNAUTHENTICATED"] = value }));
    }

    [Fact]
    public async Task AllowUnauthenticatedNotABoolean_RefusesToStart()
    {
        var refused = await Assert.ThrowsAsync<OptionsValidationException>(() => SystemHarness.StartAsync("sqlite", new Dictionary<string, string?> { ["TWILIO_AUTH_TOKEN"] = null, ["ALLOW_UNAUTHENTICATED"] = "yes" }));

        Assert.Contains("ALLOW_UNAUTHENTICATED", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AllowUnauthenticated_StartsWithoutTheSecrets_AndWarnsWhatItExposes()
    {
        await using var system = await SystemHarness.StartAsync(
            "sqlite",
            new Dictionary<string, string?> { ["TWILIO_AUTH_TOKEN"] = null, ["CALL_EVENTS_SIGNING_KEY"] = null, ["ALLOW_UNAUTHENTICATED"] = "true" });
        await system.CreateAgentAsync("bakery", "+15557001234", new JsonObject { ["name"] = "Bakery", ["prompt"] = "You are the front desk." });

        var webhook = Assert.Single(system.Logs.Entries, e => e.EventName == "WebhookUnauthenticated");
        var records = Assert.Single(system.Logs.Entries, e => e.EventName == "RecordsUnsigned");
        Assert.Equal((LogLevel.Warning, LogLevel.Warning), (webhook.Level, records.Level));
        Assert.Contains("prompt", webhook.Message, StringComparison.Ordinal);
        Assert.Contains("forged", records.Message, StringComparison.Ordinal);

        // What the opt-out allows: an unsigned webhook gets its TwiML, an unsigned record is stored.
        var twiml = await system.CallAsync("+15557001234", TwilioIds.NewCallSid(), authToken: null);
        Assert.Equal(HttpStatusCode.OK, twiml.Status);
        Assert.NotNull(twiml.StreamUrl);
        using var stored = await system.PostCallRecordAsync(SystemHarness.CallRecord("unsigned").ToJsonString(), withSignature: false);
        Assert.Equal(HttpStatusCode.OK, stored.StatusCode);
    }

    [Fact]
    public async Task WithBothSecrets_StartsQuietly_AndRefusesTheUnsigned()
    {
        await using var system = await SystemHarness.StartAsync("sqlite");
        await system.CreateAgentAsync("bakery", "+15557001234", new JsonObject { ["name"] = "Bakery" });

        Assert.DoesNotContain(system.Logs.Entries, e => e.EventName is "WebhookUnauthenticated" or "RecordsUnsigned");
        Assert.Equal(HttpStatusCode.Forbidden, (await system.CallAsync("+15557001234", TwilioIds.NewCallSid(), authToken: null)).Status);
        using var unsigned = await system.PostCallRecordAsync(SystemHarness.CallRecord("unsigned").ToJsonString(), withSignature: false);
        Assert.Equal(HttpStatusCode.Unauthorized, unsigned.StatusCode);
    }

    [Fact]
    public async Task WithoutTheOtherProvidersSecrets_StartsServingTwilioOnly_AndSaysSo()
    {
        await using var system = await SystemHarness.StartAsync("sqlite");

        var served = Assert.Single(system.Logs.Entries, e => e.EventName == "ProvidersServed");
        Assert.Contains("served: Twilio.", served.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(system.Logs.Entries, e => e.EventName == "ProviderWebhookUnauthenticated");
    }

    [Fact]
    public async Task WithEveryProvidersSecret_ServesAllFour()
    {
        using var telnyx = new VoiceServer.TelnyxEmulator.FakeTelnyxWebhook();
        await using var system = await SystemHarness.StartAsync("sqlite", new Dictionary<string, string?>
        {
            ["TELNYX_PUBLIC_KEY"] = telnyx.PublicKey,
            ["PLIVO_AUTH_TOKEN"] = PlivoVoiceWebhookTests.AuthToken,
            ["VONAGE_SIGNATURE_SECRET"] = FakeVonageWebhook.Secret,
        });

        Assert.Contains("served: Twilio, Telnyx, Plivo, Vonage.", Assert.Single(system.Logs.Entries, e => e.EventName == "ProvidersServed").Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not base64!")]
    [InlineData("AAAA")]
    [InlineData("-----BEGIN PUBLIC KEY-----")]
    public async Task MalformedTelnyxPublicKey_RefusesToStart_NamingIt(string key)
    {
        var refused = await Assert.ThrowsAsync<OptionsValidationException>(() => SystemHarness.StartAsync("sqlite", new Dictionary<string, string?> { ["TELNYX_PUBLIC_KEY"] = key }));

        Assert.Contains("TELNYX_PUBLIC_KEY", refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("TELNYX_RECORDING_ORIGINS", "s3.amazonaws.com")]
    [InlineData("TELNYX_RECORDING_ORIGINS", "https://s3.amazonaws.com/telephony-recorder-prod")]
    [InlineData("TELNYX_RECORDING_ORIGINS", "https://s3.amazonaws.com?x=1")]
    [InlineData("TELNYX_RECORDING_ORIGINS", "https://user@s3.amazonaws.com")]
    [InlineData("TELNYX_RECORDING_ORIGINS", "https://s3.amazonaws.com,ftp://files.example")]
    [InlineData("TELNYX_API_BASE_URL", "api.telnyx.com/v2")]
    public async Task MalformedTelnyxRecordingSetting_RefusesToStart_NamingIt(string name, string value)
    {
        var refused = await Assert.ThrowsAsync<OptionsValidationException>(() => SystemHarness.StartAsync("sqlite", new Dictionary<string, string?> { [name] = value }));

        Assert.Contains(name, refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("PLIVO_AUTH_ID", "MA../x")]
    [InlineData("PLIVO_AUTH_ID", "MA2025RK4E639VJFZAGV/")]
    [InlineData("PLIVO_API_BASE_URL", "api.plivo.com/v1")]
    [InlineData("PLIVO_MEDIA_BASE_URL", "ftp://media.plivo.com/v1")]
    public async Task MalformedPlivoRecordingSetting_RefusesToStart_NamingIt(string name, string value)
    {
        var refused = await Assert.ThrowsAsync<OptionsValidationException>(() => SystemHarness.StartAsync("sqlite", new Dictionary<string, string?> { [name] = value }));

        Assert.Contains(name, refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AllowUnauthenticated_OpensTheOtherProvidersWebhooksUnsigned_AndWarnsForEach()
    {
        await using var system = await SystemHarness.StartAsync("sqlite", new Dictionary<string, string?> { ["ALLOW_UNAUTHENTICATED"] = "true" });
        await system.CreateAgentAsync("bakery", "+15557002000", new JsonObject { ["name"] = "Bakery" }, provider: "telnyx");

        var warnings = system.Logs.Entries.Where(e => e.EventName == "ProviderWebhookUnauthenticated").Select(e => e.Message).ToList();
        Assert.Equal(3, warnings.Count);
        Assert.All(new[] { "TELNYX_PUBLIC_KEY", "PLIVO_AUTH_TOKEN", "VONAGE_SIGNATURE_SECRET" }, secret => Assert.Contains(warnings, w => w.Contains(secret, StringComparison.Ordinal)));

        using var telnyx = new VoiceServer.TelnyxEmulator.FakeTelnyxWebhook();
        using var unsigned = telnyx.CreateRequest(new Uri(system.BaseAddress, "/api/telnyx/voice"), VoiceServer.TelnyxEmulator.FakeTelnyxWebhook.IncomingCall("+15557002000", VoiceServer.TelnyxEmulator.FakeTelnyxWebhook.NewCallSid()), sign: false);
        using var response = await system.Anonymous.SendAsync(unsigned, system.Token);
        Assert.NotNull((await VoiceServer.TelnyxEmulator.FakeTelnyxWebhook.ReadAsync(response, system.Token)).StreamUrl);
    }

    [Fact]
    public async Task CallerProvidersTelnyxOnly_StartsWithoutTwiliosToken_AndTwiliosWebhookIsNotServed()
    {
        using var telnyx = new VoiceServer.TelnyxEmulator.FakeTelnyxWebhook();
        await using var system = await SystemHarness.StartAsync("sqlite", new Dictionary<string, string?>
        {
            ["CALLER_PROVIDERS"] = "Telnyx",
            ["TWILIO_AUTH_TOKEN"] = null,
            ["TELNYX_PUBLIC_KEY"] = telnyx.PublicKey,
        });
        await system.CreateAgentAsync("bakery", "+15557002000", new JsonObject { ["name"] = "Bakery" }, provider: "telnyx");
        await system.CreateAgentAsync("other", "+15557001234", new JsonObject { ["name"] = "Other" });

        Assert.Contains("served: Telnyx.", Assert.Single(system.Logs.Entries, e => e.EventName == "ProvidersServed").Message, StringComparison.Ordinal);
        Assert.DoesNotContain(system.Logs.Entries, e => e.EventName == "WebhookUnauthenticated");
        var twiml = await system.CallAsync("+15557001234", TwilioIds.NewCallSid(), authToken: null);
        Assert.Equal(HttpStatusCode.NotFound, twiml.Status);
        Assert.Contains("provider_not_served", twiml.Body, StringComparison.Ordinal);
        var texml = await telnyx.PostAsync(new Uri(system.BaseAddress, "/api/telnyx/voice"), VoiceServer.TelnyxEmulator.FakeTelnyxWebhook.IncomingCall("+15557002000", VoiceServer.TelnyxEmulator.FakeTelnyxWebhook.NewCallSid()), system.Token);
        Assert.NotNull(texml.StreamUrl);
    }

    [Theory]
    [InlineData("twilio,plivo", "PLIVO_AUTH_TOKEN")]
    [InlineData("vonage", "VONAGE_SIGNATURE_SECRET")]
    [InlineData("telnyx, twilio", "TELNYX_PUBLIC_KEY")]
    public async Task CallerProvidersNamingAProviderWithoutItsSecret_RefusesToStart_NamingIt(string providers, string secret)
    {
        var refused = await Assert.ThrowsAsync<OptionsValidationException>(() => SystemHarness.StartAsync("sqlite", new Dictionary<string, string?> { ["CALLER_PROVIDERS"] = providers }));

        Assert.Contains(secret, refused.Message, StringComparison.Ordinal);
        Assert.Contains("ALLOW_UNAUTHENTICATED=true", refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("sip")]
    [InlineData("twilio,bandwidth")]
    [InlineData(",")]
    public async Task CallerProvidersUnknown_RefusesToStart_NamingTheSetting(string providers)
    {
        var refused = await Assert.ThrowsAsync<OptionsValidationException>(() => SystemHarness.StartAsync("sqlite", new Dictionary<string, string?> { ["CALLER_PROVIDERS"] = providers }));

        Assert.Contains("CALLER_PROVIDERS", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CallerProvidersTwilioOnly_AnotherProvidersWebhook404_EvenWithItsSecret()
    {
        using var telnyx = new VoiceServer.TelnyxEmulator.FakeTelnyxWebhook();
        await using var system = await SystemHarness.StartAsync("sqlite", new Dictionary<string, string?> { ["CALLER_PROVIDERS"] = "twilio", ["TELNYX_PUBLIC_KEY"] = telnyx.PublicKey });
        await system.CreateAgentAsync("bakery", "+15557002000", new JsonObject { ["name"] = "Bakery" }, provider: "telnyx");

        var texml = await telnyx.PostAsync(new Uri(system.BaseAddress, "/api/telnyx/voice"), VoiceServer.TelnyxEmulator.FakeTelnyxWebhook.IncomingCall("+15557002000", VoiceServer.TelnyxEmulator.FakeTelnyxWebhook.NewCallSid()), system.Token);

        Assert.Equal(HttpStatusCode.NotFound, texml.Status);
        Assert.Contains("provider_not_served", texml.Body, StringComparison.Ordinal);
    }
}
