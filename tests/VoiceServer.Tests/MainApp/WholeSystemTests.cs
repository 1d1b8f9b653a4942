using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using VoiceServer.MainApp.Data;
using VoiceServer.MainApp.Twilio;
using VoiceServer.Tests.Infrastructure;
using VoiceServer.TwilioEmulator;

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
        // One encrypted config token: what Twilio keeps of the TwiML shows neither the key nor the prompt.
        Assert.Equal(["CallSid", "From", "To"], twiml.Parameters.Keys.Where(k => !k.StartsWith("config", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
        Assert.NotEmpty(ConfigToken(twiml));
        Assert.Equal((Number, callSid), (twiml.Parameters["To"], twiml.Parameters["CallSid"]));
        Assert.DoesNotContain(AgentKey, twiml.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("Rosa", twiml.Body, StringComparison.Ordinal);

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
    public async Task PlainParameters_NeverCarryTheAgentsKey_EvenWithTheWebhookAuthenticated()
    {
        await using var system = await SystemHarness.StartAsync("sqlite", new Dictionary<string, string?> { ["CONFIG_SIGNING_KEY"] = null });
        await system.CreateAgentAsync("bakery", Number, Bakery());

        var twiml = await system.CallAsync(Number, TwilioIds.NewCallSid());

        Assert.NotNull(twiml.StreamUrl);
        Assert.Equal("bakery", twiml.Parameters["agentId"]);
        Assert.DoesNotContain("openAIKey", twiml.Parameters.Keys);
        Assert.DoesNotContain(AgentKey, twiml.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EmojiAcrossAParameterSplit_StaysWhole()
    {
        await using var system = await SystemHarness.StartAsync("sqlite", new Dictionary<string, string?> { ["CONFIG_SIGNING_KEY"] = null });
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

        var callSid = TwilioIds.NewCallSid();
        var twiml = await system.CallAsync(Number, callSid);
        Assert.All(twiml.Parameters, p => Assert.True(p.Key.Length + p.Value.Length < 500, p.Key));
        Assert.Contains("config.1", twiml.Parameters.Keys);

        Assert.Equal(prompt, await InstructionsTheModelGetsAsync(system, twiml, callSid));
    }

    [Fact]
    public async Task ConfigToken_IsEncrypted_ForTheVoiceServerAlone()
    {
        await using var system = await SystemHarness.StartAsync("sqlite");
        await system.CreateAgentAsync("bakery", Number, Bakery());

        var twiml = await system.CallAsync(Number, TwilioIds.NewCallSid());

        // A JWE in compact form (five parts), "dir" with AES-256-CBC/HMAC-SHA-512: nothing of the agent readable.
        var token = ConfigToken(twiml);
        var parts = token.Split('.');
        Assert.Equal(5, parts.Length);
        var header = JsonNode.Parse(System.Buffers.Text.Base64Url.DecodeFromChars(parts[0]))!;
        Assert.Equal(("dir", "A256CBC-HS512"), ((string?)header["alg"], (string?)header["enc"]));
        Assert.Empty(parts[1]);
        Assert.DoesNotContain(AgentKey, twiml.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("front desk", twiml.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LongestAllowedPrompt_SignedAndEncrypted_ReachesTheModelWhole()
    {
        await using var system = await SystemHarness.StartAsync("sqlite");
        var sentences = new[] { "You are the front desk of Rosa's Bakery. ", "Answer questions about opening hours, orders and allergies. ", "Be brief and kind; offer to transfer when you cannot help. ", "Café crème, pâtisserie and naïve spellings stay as written. " };
        var prompt = string.Concat(Enumerable.Range(0, 900).Select(i => sentences[i % sentences.Length] + i.ToString(System.Globalization.CultureInfo.InvariantCulture) + " "))[..32_768];
        await system.CreateAgentAsync("bakery", Number, Bakery(prompt: prompt));
        var callSid = TwilioIds.NewCallSid();

        var twiml = await system.CallAsync(Number, callSid);
        Assert.True(twiml.Body.Length <= 64_000, $"TwiML of {twiml.Body.Length} characters");

        Assert.Equal(prompt, await InstructionsTheModelGetsAsync(system, twiml, callSid));
    }

    [Fact]
    public async Task ConfigurationThatCannotFitTwilioOnceEncrypted_RefusedWhenSaved_NothingStored()
    {
        await using var system = await SystemHarness.StartAsync("sqlite");
        // Random CJK text: three bytes a character that no compression can shrink.
        var random = new Random(7);
        var prompt = new string([.. Enumerable.Range(0, 20_000).Select(_ => (char)random.Next(0x4E00, 0x9FFF))]);

        using var response = await system.Admin.PutAsJsonAsync("/api/agents/bakery", Bakery(prompt: prompt), system.Token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await response.Content.ReadFromJsonAsync<JsonObject>(system.Token);
        Assert.Equal("prompt", (string?)error!["field"]);
        Assert.Contains("TwiML", (string?)error["message"], StringComparison.Ordinal);
        Assert.Null(await system.Store.GetAsync("bakery", system.Token));
    }

    [Fact]
    public async Task SizeCheckWhenSaved_CountsTheTraceparentATracedCallCarries_EvenWhenTheSaveIsNotTraced()
    {
        // Plain parameters (no signing key): every length is fixed, where an encrypted token's varies with its random parts.
        await using var system = await SystemHarness.StartAsync("sqlite", new Dictionary<string, string?> { ["CONFIG_SIGNING_KEY"] = null, ["ALLOW_UNAUTHENTICATED"] = "true" });
        var twiml = system.MainAppService<StreamTwiml>();
        // Each '&' is five characters of TwiML once escaped: too long for Twilio, in few enough parts.
        var prompt = new string('&', 14_000);
        var now = DateTimeOffset.UnixEpoch;
        var agent = new Agent("bakery", "Rosa's Bakery", prompt, "marin", null, null, null, null, true, AgentOutbound.Default, now, now, []);
        var callSid = "CA" + new string('0', 32);
        const string LongestNumber = "+123456789012345";

        // Tracing may be turned on after the agent is saved: the check counts what a traced call's TwiML holds.
        Assert.Null(Activity.Current);
        Assert.False(twiml.Fits(agent, out var untracedSave));
        string tracedCall;
        using (var traced = new Activity("voice-webhook").SetIdFormat(ActivityIdFormat.W3C))
        {
            traced.ActivityTraceFlags = ActivityTraceFlags.Recorded;
            traced.Start();
            tracedCall = twiml.Connect(agent, LongestNumber, LongestNumber, callSid, outbound: true);
        }

        Assert.Contains($"({tracedCall.Length} characters,", untracedSave, StringComparison.Ordinal);
        Assert.Null(Activity.Current);
    }

    /// <summary>Follows the TwiML as Twilio does (its Stream URL, the parameters in start) and returns the session's instructions.</summary>
    private static async Task<string?> InstructionsTheModelGetsAsync(SystemHarness system, TwimlAnswer twiml, string callSid)
    {
        await using var caller = await FakeTwilioCaller.ConnectAsync(twiml.StreamUrl!, new FakeTwilioCallerOptions { CallSid = callSid }, system.Token);
        await caller.SendStartAsync(twiml.Parameters, cancellationToken: system.Token);
        var model = await system.Voice.Realtime.WaitForConnectionAsync(0, system.Token);
        await model.WaitForEventAsync("session.update", system.Token);
        return (string?)model.SessionUpdates[0]["session"]!["instructions"];
    }

    /// <summary>The config token, joined again when it was split over <c>config.0</c>, <c>config.1</c>, ….</summary>
    private static string ConfigToken(TwimlAnswer twiml) =>
        twiml.Parameters.TryGetValue("config", out var whole)
            ? whole
            : string.Concat(twiml.Parameters.Where(p => p.Key.StartsWith("config.", StringComparison.Ordinal))
                .OrderBy(p => int.Parse(p.Key[7..], System.Globalization.CultureInfo.InvariantCulture)).Select(p => p.Value));

    [Fact]
    public async Task AgentWithoutAKeyOfItsOwn_UsesTheVoiceServersKey()
    {
        await using var system = await SystemHarness.StartAsync("sqlite");
        await using var voice = await CallHarness.StartAsync(settings: new Dictionary<string, string?> { ["CONFIG_SIGNING_KEY"] = SystemHarness.ConfigKey, ["OPENAI_API_KEY"] = "sk-server-key-0123456789" });
        var agent = Bakery();
        agent.Remove("openAIKey");
        await system.CreateAgentAsync("bakery", Number, agent);
        var callSid = TwilioIds.NewCallSid();

        var twiml = await system.CallAsync(Number, callSid);

        await using var caller = await FakeTwilioCaller.ConnectAsync(voice.Server.MediaStreamUrl(), new FakeTwilioCallerOptions { CallSid = callSid }, system.Token);
        await caller.SendStartAsync(twiml.Parameters, cancellationToken: system.Token);
        var model = await voice.Realtime.WaitForConnectionAsync(0, system.Token);
        await model.WaitForEventAsync("session.update", system.Token);
        Assert.Equal("Bearer sk-server-key-0123456789", model.Headers["Authorization"]);
    }
}
