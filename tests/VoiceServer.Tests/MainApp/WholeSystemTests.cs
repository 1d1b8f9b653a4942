using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using VoiceServer.Fakes;
using VoiceServer.Tests.Infrastructure;

namespace VoiceServer.Tests.MainApp;

/// <summary>
/// The whole system, on both databases: Twilio's webhook to the main app, its TwiML followed to the voice server
/// (custom parameters only, like real Twilio), a conversation with the fake Realtime server, and the call record
/// landing in the main app's database.
/// </summary>
public sealed class WholeSystemTests
{
    private const string Number = "+15557001234";
    private const string AgentKey = "sk-agent-own-key-0123456789";

    private static JsonObject Bakery(bool enabled = true, string? prompt = null) => new()
    {
        ["name"] = "Rosa's Bakery front desk",
        ["prompt"] = prompt ?? "You are the front desk of Rosa's Bakery.",
        ["voice"] = "marin",
        ["greeting"] = "Rosa's Bakery, how can I help?",
        ["openAIKey"] = AgentKey,
        ["enabled"] = enabled,
    };

    [Theory]
    [MemberData(nameof(SystemHarness.Backends), MemberType = typeof(SystemHarness))]
    public async Task IncomingCall_ReachesTheAgent_AndItsRecordLandsInTheDatabase(string backend)
    {
        await using var system = await SystemHarness.StartAsync(backend);
        await system.CreateAgentAsync("bakery", Number, Bakery());
        var callSid = TwilioIds.NewCallSid();

        var twiml = await system.CallAsync(Number, callSid);

        Assert.Equal(HttpStatusCode.OK, twiml.Status);
        Assert.Equal(new Uri(system.Voice.Server.MediaStreamUrl().ToString()), twiml.StreamUrl);
        Assert.Equal("bakery", twiml.Parameters["agentId"]);
        Assert.Equal("marin", twiml.Parameters["voice"]);
        Assert.Equal(AgentKey, twiml.Parameters["openAIKey"]);
        Assert.Equal((Number, callSid), (twiml.Parameters["To"], twiml.Parameters["CallSid"]));
        Assert.Equal(new Uri(system.BaseAddress, "/api/calls/events").ToString(), twiml.Parameters["callbackUrl"]);

        // Twilio opens the Stream URL as written (no query string) and hands the parameters over in start.
        await using var caller = await FakeTwilioCaller.ConnectAsync(twiml.StreamUrl!, new FakeTwilioCallerOptions { CallSid = callSid, MarkMode = MarkMode.Immediate }, system.Token);
        await caller.SendConnectedAsync(system.Token);
        await caller.SendStartAsync(twiml.Parameters, cancellationToken: system.Token);
        var model = await system.Voice.Realtime.WaitForConnectionAsync(0, system.Token);
        Assert.Equal($"Bearer {AgentKey}", model.Headers["Authorization"]);
        await model.WaitForEventAsync("session.update", system.Token);
        Assert.Equal("You are the front desk of Rosa's Bakery.", (string?)model.SessionUpdates[0]["session"]!["instructions"]);
        await model.WaitForEventAsync("response.create", system.Token); // the greeting
        await model.SendAudioResponseAsync("resp_1", "item_1", AudioFixtures.Tone(200), cancellationToken: system.Token);
        await caller.WaitForAudioBytesAsync(1600, system.Token);
        await caller.SendStopAsync(system.Token);

        await system.Logs.WaitForAsync(e => e.EventName == "Stored", system.Token);
        var calls = await system.Admin.GetFromJsonAsync<JsonArray>("/api/calls?agentId=bakery", system.Token);
        var record = Assert.Single(calls!)!;
        Assert.Equal(callSid, (string?)record["callSid"]);
        Assert.Equal("caller_stopped", (string?)record["endReason"]);
        Assert.Equal("bakery", (string?)record["record"]!["agentId"]);

        // The agent's key is stored encrypted, never in the clear.
        var stored = await system.Store.GetAsync("bakery", system.Token);
        Assert.StartsWith("v1:", stored!.OpenAIKeyEncrypted, StringComparison.Ordinal);
        Assert.DoesNotContain(AgentKey, stored.OpenAIKeyEncrypted, StringComparison.Ordinal);
        Assert.DoesNotContain(system.Logs.Entries, e => e.Message.Contains(AgentKey, StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(SystemHarness.Backends), MemberType = typeof(SystemHarness))]
    public async Task UnknownNumber_ApologyAndHangup(string backend)
    {
        await using var system = await SystemHarness.StartAsync(backend);

        var twiml = await system.CallAsync("+15559999999", TwilioIds.NewCallSid());

        Assert.Null(twiml.StreamUrl);
        Assert.Contains("not in service", Assert.Single(twiml.Says), StringComparison.Ordinal);
        Assert.True(twiml.HangsUp);
        Assert.Contains(system.Logs.Entries, e => e.EventName == "AgentNotFound");
    }

    [Theory]
    [MemberData(nameof(SystemHarness.Backends), MemberType = typeof(SystemHarness))]
    public async Task DisabledAgent_ApologyAndHangup(string backend)
    {
        await using var system = await SystemHarness.StartAsync(backend);
        await system.CreateAgentAsync("bakery", Number, Bakery(enabled: false));

        var twiml = await system.CallAsync(Number, TwilioIds.NewCallSid());

        Assert.Null(twiml.StreamUrl);
        Assert.True(twiml.HangsUp);
    }

    [Fact]
    public async Task WithoutTwilioAuthToken_AgentKeysStayOutOfTwiml()
    {
        await using var system = await SystemHarness.StartAsync("sqlite", new Dictionary<string, string?> { ["TWILIO_AUTH_TOKEN"] = null, ["ALLOW_UNAUTHENTICATED"] = "true" });
        await system.CreateAgentAsync("bakery", Number, Bakery());

        var twiml = await system.CallAsync(Number, TwilioIds.NewCallSid(), authToken: null);

        Assert.NotNull(twiml.StreamUrl);
        Assert.DoesNotContain("openAIKey", twiml.Parameters.Keys);
        Assert.DoesNotContain(AgentKey, twiml.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EmojiAcrossAParameterSplit_StaysWhole()
    {
        await using var system = await SystemHarness.StartAsync("sqlite");
        var prompt = new string('a', 478) + "😀" + new string('b', 600);
        await system.CreateAgentAsync("bakery", Number, Bakery(prompt: prompt));

        var twiml = await system.CallAsync(Number, TwilioIds.NewCallSid());

        Assert.Equal(HttpStatusCode.OK, twiml.Status);
        Assert.Equal(prompt, string.Concat(twiml.Parameters.Where(p => p.Key.StartsWith("prompt.", StringComparison.Ordinal)).OrderBy(p => int.Parse(p.Key[7..], System.Globalization.CultureInfo.InvariantCulture)).Select(p => p.Value)));
    }

    [Fact]
    public async Task BadSignature_Refused403()
    {
        await using var system = await SystemHarness.StartAsync("sqlite");
        await system.CreateAgentAsync("bakery", Number, Bakery());

        var twiml = await system.CallAsync(Number, TwilioIds.NewCallSid(), authToken: "not-the-auth-token");

        Assert.Equal(HttpStatusCode.Forbidden, twiml.Status);
        Assert.Contains("invalid_signature", twiml.Body, StringComparison.Ordinal);
        Assert.Contains(system.Logs.Entries, e => e.EventName == "SignatureRefused");
    }

    [Fact]
    public async Task LongPrompt_SplitOverParameters_ReachesTheModelWhole()
    {
        await using var system = await SystemHarness.StartAsync("sqlite");
        var prompt = string.Concat(Enumerable.Repeat("You are the front desk of Rosa's Bakery; answer briefly and kindly. ", 25));
        await system.CreateAgentAsync("bakery", Number, Bakery(prompt: prompt));

        var twiml = await system.CallAsync(Number, TwilioIds.NewCallSid());
        Assert.All(twiml.Parameters, p => Assert.True(p.Key.Length + p.Value.Length < 500, p.Key));
        Assert.Contains("prompt.0", twiml.Parameters.Keys);

        await using var caller = await FakeTwilioCaller.ConnectAsync(twiml.StreamUrl!, cancellationToken: system.Token);
        await caller.SendStartAsync(twiml.Parameters, cancellationToken: system.Token);
        var model = await system.Voice.Realtime.WaitForConnectionAsync(0, system.Token);
        await model.WaitForEventAsync("session.update", system.Token);
        Assert.Equal(prompt, (string?)model.SessionUpdates[0]["session"]!["instructions"]);
    }

    [Fact]
    public async Task SignedConfigMode_OneTokenNoKey_CallWorks()
    {
        const string signingKey = "config-signing-key-for-tests-0123456789";
        await using var system = await SystemHarness.StartAsync("sqlite", new Dictionary<string, string?> { ["CONFIG_SIGNING_KEY"] = signingKey });
        await using var voice = await CallHarness.StartAsync(settings: new Dictionary<string, string?> { ["CONFIG_SIGNING_KEY"] = signingKey, ["OPENAI_API_KEY"] = "sk-server-key-0123456789" });
        await system.CreateAgentAsync("bakery", Number, Bakery());

        var twiml = await system.CallAsync(Number, TwilioIds.NewCallSid());

        Assert.Contains(twiml.Parameters.Keys, k => k.StartsWith("config", StringComparison.Ordinal));
        Assert.DoesNotContain("openAIKey", twiml.Parameters.Keys);
        Assert.DoesNotContain(AgentKey, twiml.Body, StringComparison.Ordinal);
        // The token is accepted by a voice server with the same key.
        await using var caller = await FakeTwilioCaller.ConnectAsync(voice.Server.MediaStreamUrl(), new FakeTwilioCallerOptions { CallSid = twiml.Parameters["CallSid"] }, system.Token);
        await caller.SendStartAsync(twiml.Parameters, cancellationToken: system.Token);
        var model = await voice.Realtime.WaitForConnectionAsync(0, system.Token);
        await model.WaitForEventAsync("session.update", system.Token);
        Assert.Equal("Bearer sk-server-key-0123456789", model.Headers["Authorization"]);
    }
}
