using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json.Nodes;
using VoiceServer.Fakes;
using VoiceServer.Tests.Infrastructure;
using VoiceServer.TwilioEmulator;

namespace VoiceServer.Tests.MainApp;

/// <summary>
/// Every way to abuse the main app's live-call routes: other spellings with no or wrong keys, another call's id,
/// hostile sizes, numbers and ids, a main app without the signing key, and a voice server whose key differs. Each
/// leaves the live call as it was and the telephony API untouched.
/// </summary>
public sealed class LiveCallApiAttackTests
{
    private static readonly (string Route, string? Body)[] s_routes =
    [
        ("hangup", null),
        ("transfer", """{"to":"+15557654321"}"""),
        ("say", """{"text":"Hello."}"""),
    ];

    private static readonly Func<string, string, string>[] s_spellings =
    [
        (sid, route) => $"/api/calls/{sid}/{route}",
        (sid, route) => $"/API/CALLS/{sid}/{route.ToUpperInvariant()}",
        (sid, route) => $"/Api/Calls/{sid}/{route}",
        (sid, route) => $"/api/calls/{sid}/{route}/",
        (sid, route) => $"/api/%63alls/{sid}/{route}",
        (sid, route) => $"/api/%43alls/{sid}/{route}",
        (sid, route) => $"/api//calls/{sid}/{route}",
        (sid, route) => $"/api/x/../calls/{sid}/{route}",
        (sid, route) => $"/api/x/%2e%2e/calls/{sid}/{route}",
    ];

    /// <summary>One voice server without Redis (commands over HTTP), a fake Twilio REST API, one live call.</summary>
    private static async Task<(FakeHttpReceiver Twilio, SystemHarness System, FakeTwilioCaller Caller)> StartWithACallAsync(
        IReadOnlyDictionary<string, string?>? mainApp = null, IReadOnlyDictionary<string, string?>? voice = null)
    {
        var twilio = await FakeHttpReceiver.StartAsync();
        var voiceSettings = LiveCallControlTests.VoiceSettings(twilio, redis: false);
        foreach (var (name, value) in voice ?? new Dictionary<string, string?>())
        {
            voiceSettings[name] = value;
        }

        var system = await SystemHarness.StartAsync("sqlite", mainApp, voiceSettings);
        await system.CreateAgentAsync("bakery", LiveCallControlTests.Number, LiveCallControlTests.s_agent);
        var (caller, _) = await LiveCallControlTests.CallThroughAsync(system, system.Voice);
        return (twilio, system, caller);
    }

    private static void AssertUntouched(FakeHttpReceiver twilio, SystemHarness system, FakeTwilioCaller caller)
    {
        Assert.Equal(WebSocketState.Open, caller.State);
        Assert.Empty(twilio.Requests);
        Assert.DoesNotContain(system.Voice.Server.Logs.Entries, e => e.EventName == "OperatorCommand");
        Assert.DoesNotContain(system.Voice.Realtime.Connections.SelectMany(c => c.Received), e => (string?)e["type"] == "response.create");
    }

    [Fact]
    public async Task AnySpellingOfTheRoutes_WithoutTheRightKey_NeverSendsACommand()
    {
        var (twilio, system, caller) = await StartWithACallAsync();
        await using var _ = twilio;
        await using var __ = system;

        var failures = new List<string>();
        foreach (var (route, body) in s_routes)
        {
            foreach (var spell in s_spellings)
            {
                foreach (var key in new[] { null, "wrong-key", string.Empty, SystemHarness.AdminKey.ToUpperInvariant() })
                {
                    var path = spell(caller.CallSid, route);
                    using var response = await AdminApiAuthenticationTests.SendRawAsync(system, "POST", path, body, key);
                    var text = await response.Content.ReadAsStringAsync(system.Token);
                    if (response.StatusCode == HttpStatusCode.Unauthorized
                        ? !text.Contains("\"error\":\"unauthorized\"", StringComparison.Ordinal)
                        : response.StatusCode != HttpStatusCode.NotFound)
                    {
                        failures.Add($"POST {path} (key {key ?? "none"}): {(int)response.StatusCode} {text}");
                    }
                }
            }
        }

        Assert.Empty(failures);
        AssertUntouched(twilio, system, caller);
    }

    [Fact]
    public async Task AnotherCallsId_OnlyThatCallIsTouched()
    {
        await using var instances = await LiveCallControlTests.TwoInstances.StartAsync();
        var system = instances.System;
        var (target, _) = await LiveCallControlTests.CallThroughAsync(system, instances.Second);
        var (bystander, _) = await LiveCallControlTests.CallThroughAsync(system, system.Voice);

        using var response = await system.Admin.PostAsync($"/api/calls/{target.CallSid}/hangup", content: null, system.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal($"/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Calls/{target.CallSid}.json", Assert.Single(instances.Twilio.Requests).Path);
        await instances.Second.AssertCallEndedAsync(target, WebSocketCloseStatus.NormalClosure, "admin_hung_up");
        Assert.Equal(WebSocketState.Open, bystander.State);
        Assert.DoesNotContain(system.Voice.Server.Logs.Entries, e => e.EventName == "OperatorCommand");
    }

    [Fact]
    public async Task OversizedText_400_OversizedBody_413()
    {
        var (twilio, system, caller) = await StartWithACallAsync();
        await using var _ = twilio;
        await using var __ = system;

        using var longText = await system.Admin.PostAsJsonAsync($"/api/calls/{caller.CallSid}/say", new JsonObject { ["text"] = new string('a', 1001) }, system.Token);
        Assert.Equal(HttpStatusCode.BadRequest, longText.StatusCode);
        Assert.Equal("text", (string?)(await longText.Content.ReadFromJsonAsync<JsonObject>(system.Token))!["field"]);

        using var huge = await AdminApiAuthenticationTests.SendRawAsync(system, "POST", $"/api/calls/{caller.CallSid}/say", $$"""{"text":"{{new string('a', 20_000)}}"}""", SystemHarness.AdminKey);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, huge.StatusCode);

        foreach (var text in new[] { string.Empty, "   ", "line\nbreak", "bell\u0007" })
        {
            using var bad = await system.Admin.PostAsJsonAsync($"/api/calls/{caller.CallSid}/say", new JsonObject { ["text"] = text }, system.Token);
            Assert.True(bad.StatusCode == HttpStatusCode.BadRequest, $"'{text}': {(int)bad.StatusCode}");
        }

        AssertUntouched(twilio, system, caller);
    }

    [Fact]
    public async Task HostileTransferNumbers_400()
    {
        var (twilio, system, caller) = await StartWithACallAsync();
        await using var _ = twilio;
        await using var __ = system;

        foreach (var to in new[] { "+1555</Number><Hangup/>", "sip:attacker@example.com", "+0123456789", "15557654321", "+1555765432100000000", "", "+1 555 765 4321" })
        {
            using var response = await system.Admin.PostAsJsonAsync($"/api/calls/{caller.CallSid}/transfer", new JsonObject { ["to"] = to }, system.Token);
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"'{to}': {(int)response.StatusCode}");
        }

        using var missing = await system.Admin.PostAsJsonAsync($"/api/calls/{caller.CallSid}/transfer", new JsonObject(), system.Token);
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        AssertUntouched(twilio, system, caller);
    }

    [Fact]
    public async Task HostileCallSids_400()
    {
        var (twilio, system, caller) = await StartWithACallAsync();
        await using var _ = twilio;
        await using var __ = system;

        foreach (var callSid in new[] { "CA*", "CA%3F", "CA%0Aevil", "CA%20x", new string('C', 129), "%2A" })
        {
            using var response = await AdminApiAuthenticationTests.SendRawAsync(system, "POST", $"/api/calls/{callSid}/hangup", body: null, SystemHarness.AdminKey);
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"'{callSid}': {(int)response.StatusCode}");
        }

        AssertUntouched(twilio, system, caller);
    }

    [Fact]
    public async Task MainAppWithoutConfigSigningKey_409()
    {
        await using var system = await SystemHarness.StartAsync("sqlite", new Dictionary<string, string?> { ["CONFIG_SIGNING_KEY"] = null });

        using var response = await system.Admin.PostAsync($"/api/calls/{TwilioIds.NewCallSid()}/hangup", content: null, system.Token);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("CONFIG_SIGNING_KEY", await response.Content.ReadAsStringAsync(system.Token), StringComparison.Ordinal);
    }

    [Fact]
    public async Task VoiceServerWithAnotherKey_RefusesTheCommand_502_CallUntouched()
    {
        // The call itself needs the main app's key to be configured; a second voice server with another key gets the command.
        var (twilio, system, caller) = await StartWithACallAsync();
        await using var _ = twilio;
        await using var __ = system;
        await using var other = await CallHarness.StartAsync(settings: SystemHarness.VoiceSettings(new Dictionary<string, string?> { ["CONFIG_SIGNING_KEY"] = "another-config-signing-key-0123456789abc" }));
        await using var mainApp = await SystemHarness.StartAsync("sqlite", new Dictionary<string, string?> { ["VOICE_SERVER_URL"] = $"ws://{other.Server.BaseAddress.Authority}" });

        using var response = await mainApp.Admin.PostAsync($"/api/calls/{caller.CallSid}/hangup", content: null, mainApp.Token);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("refused_by_voice_server", (string?)(await response.Content.ReadFromJsonAsync<JsonObject>(mainApp.Token))!["error"]);
        AssertUntouched(twilio, system, caller);
    }

    [Fact]
    public async Task RedisUnreachable_504_NeverA500_PasswordNeverLogged()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var closedPort = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        await using var system = await SystemHarness.StartAsync("sqlite", new Dictionary<string, string?> { ["REDIS_URL"] = TestRedis.UrlAtPort(closedPort) });

        using var response = await system.Admin.PostAsync($"/api/calls/{TwilioIds.NewCallSid()}/hangup", content: null, system.Token);

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Equal("no_acknowledgement", (string?)(await response.Content.ReadFromJsonAsync<JsonObject>(system.Token))!["error"]);
        TestRedis.AssertNeverLogged(system.Logs, TestRedis.Password);
    }

    [Fact]
    public async Task Keys_NeverLogged()
    {
        var (twilio, system, caller) = await StartWithACallAsync();
        await using var _ = twilio;
        await using var __ = system;

        using (await system.Admin.PostAsJsonAsync($"/api/calls/{caller.CallSid}/say", new JsonObject { ["text"] = "Hello." }, system.Token))
        {
        }

        TestRedis.AssertNeverLogged(system.Logs, SystemHarness.ConfigKey);
        TestRedis.AssertNeverLogged(system.Logs, SystemHarness.AdminKey);
        TestRedis.AssertNeverLogged(system.Voice.Server.Logs, SystemHarness.ConfigKey);
    }
}
