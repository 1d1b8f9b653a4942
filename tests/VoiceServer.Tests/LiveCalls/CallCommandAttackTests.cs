using System.Net;
using System.Net.WebSockets;
using VoiceServer.Fakes;
using VoiceServer.Tests.Infrastructure;
using VoiceServer.TwilioEmulator;

namespace VoiceServer.Tests.LiveCalls;

/// <summary>
/// Every way to abuse the voice server's command endpoint: no, wrong or misused signatures, stale and replayed
/// commands, another call's command, hostile sizes, numbers and ids, other spellings of the path. Each leaves the call
/// as it was and the telephony API untouched.
/// </summary>
public sealed class CallCommandAttackTests : IAsyncLifetime
{
    private FakeHttpReceiver _twilio = null!;
    private CallHarness _harness = null!;
    private FakeTwilioCaller _caller = null!;
    private FakeRealtimeConnection _model = null!;

    public async Task InitializeAsync()
    {
        _twilio = await FakeHttpReceiver.StartAsync();
        _harness = await CommandedCalls.StartServerAsync(_twilio);
        (_caller, _model) = await StartBoundCallAsync();
    }

    public async Task DisposeAsync()
    {
        await _harness.DisposeAsync();
        await _twilio.DisposeAsync();
    }

    private Task<(FakeTwilioCaller Caller, FakeRealtimeConnection Model)> StartBoundCallAsync() => CommandedCalls.StartBoundCallAsync(_harness);

    private Task<HttpResponseMessage> PostAsync(string body, string? signature = null, bool signed = true, string? path = null, string? callSid = null) =>
        SignedCommands.PostAsync(_harness.Server, callSid ?? _caller.CallSid, body, _harness.Token, signature, signed, path);

    private string HangUp() => SignedCommands.Command(_caller.CallSid, "hangup").ToJsonString();

    /// <summary>The call is as it was: open, no API request, no command carried out.</summary>
    private void AssertUntouched()
    {
        Assert.Equal(WebSocketState.Open, _caller.State);
        Assert.Empty(_twilio.Requests);
        Assert.DoesNotContain(_harness.Server.Logs.Entries, e => e.EventName == "OperatorCommand");
        Assert.DoesNotContain(_model.Received, e => (string?)e["type"] == "response.create");
    }

    [Fact]
    public async Task Unsigned_401()
    {
        using var response = await PostAsync(HangUp(), signed: false);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        AssertUntouched();
    }

    [Theory]
    [InlineData("")]
    [InlineData("v1=")]
    [InlineData("v1=0000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("t=1,v2=abc")]
    public async Task GarbageSignature_401(string signature)
    {
        using var response = await PostAsync(HangUp(), signature: signature.Length == 0 ? " " : signature);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        AssertUntouched();
    }

    [Fact]
    public async Task SignedWithAnotherKey_401()
    {
        var body = HangUp();
        using var response = await PostAsync(body, signature: SignedCommands.Sign(body, "another-signing-key-0123456789abcdef01234"));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        AssertUntouched();
    }

    [Fact]
    public async Task SignatureOfAnotherBody_401()
    {
        var signedSay = SignedCommands.Command(_caller.CallSid, "say", text: "hello").ToJsonString();
        using var response = await PostAsync(HangUp(), signature: SignedCommands.Sign(signedSay));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        AssertUntouched();
    }

    [Fact]
    public async Task AnAcknowledgementsSignature_DoesNotPassForACommand_401()
    {
        var body = HangUp();
        using var response = await PostAsync(body, signature: SignedCommands.Sign(body, purpose: "ack"));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        AssertUntouched();
    }

    [Fact]
    public async Task TheRawConfigurationKeysMac_DoesNotPass_401()
    {
        // The key is derived for commands: an HMAC under CONFIG_SIGNING_KEY itself (a JWT's HS256 key) is no signature.
        var body = HangUp();
        var mac = System.Security.Cryptography.HMACSHA256.HashData(System.Text.Encoding.UTF8.GetBytes(ConfigTokens.SigningKey), System.Text.Encoding.UTF8.GetBytes("command." + body));
        using var response = await PostAsync(body, signature: "v1=" + Convert.ToHexStringLower(mac));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        AssertUntouched();
    }

    [Theory]
    [InlineData(-120)]
    [InlineData(120)]
    public async Task Stale_OrFromTheFuture_401(int secondsFromNow)
    {
        var body = SignedCommands.Command(_caller.CallSid, "hangup", issuedAt: DateTimeOffset.UtcNow.AddSeconds(secondsFromNow)).ToJsonString();
        using var response = await PostAsync(body);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("stale", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        AssertUntouched();
    }

    [Fact]
    public async Task Replayed_SecondUseRefused_401()
    {
        var meters = _harness.Server.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        using var commands = new Microsoft.Extensions.Diagnostics.Metrics.Testing.MetricCollector<long>(meters, VoiceServer.Diagnostics.VoiceServerMetrics.MeterName, "voice_server.call_commands");
        var body = SignedCommands.Command(_caller.CallSid, "say", text: "Once only.").ToJsonString();
        using var first = await PostAsync(body);
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        await _model.WaitForEventAsync("response.create", _harness.Token);

        using var second = await PostAsync(body);

        Assert.Equal(HttpStatusCode.Unauthorized, second.StatusCode);
        Assert.Contains("already used", await second.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Single(_model.Received, e => (string?)e["type"] == "response.create");
        // Counted by action and outcome; a refused command's action is not trusted, so it is "unknown".
        Assert.Equal(
            [("say", "accepted"), ("unknown", "refused")],
            commands.GetMeasurementSnapshot().Select(m => ((string)m.Tags["voice_server.command.action"]!, (string)m.Tags["voice_server.command.outcome"]!)));
    }

    [Fact]
    public async Task AnotherCallsCommand_OnThisCallsPath_400_NeitherCallTouched()
    {
        var (other, _) = await StartBoundCallAsync();
        var forOther = SignedCommands.Command(other.CallSid, "hangup").ToJsonString();

        using var response = await PostAsync(forOther, callSid: _caller.CallSid);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("another call", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        AssertUntouched();
        Assert.Equal(WebSocketState.Open, other.State);
    }

    [Fact]
    public async Task OversizedBody_413()
    {
        var body = SignedCommands.Command(_caller.CallSid, "say", text: new string('a', 9000)).ToJsonString();
        using var response = await PostAsync(body);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        AssertUntouched();
    }

    [Fact]
    public async Task OversizedText_400()
    {
        using var response = await PostAsync(SignedCommands.Command(_caller.CallSid, "say", text: new string('a', 1001)).ToJsonString());
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("text", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        AssertUntouched();
    }

    [Theory]
    [InlineData("+1555</Number><Hangup/>")]
    [InlineData("sip:attacker@example.com")]
    [InlineData("+0123456789")]
    [InlineData("15557654321")]
    [InlineData("+1555765432100000000")]
    [InlineData("")]
    public async Task HostileTransferNumber_400_NoRequest(string to)
    {
        using var response = await PostAsync(SignedCommands.Command(_caller.CallSid, "transfer", to: to).ToJsonString());
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        AssertUntouched();
    }

    [Theory]
    [InlineData("format")]
    [InlineData("HANGUP")]
    [InlineData("")]
    public async Task UnknownAction_400(string action)
    {
        using var response = await PostAsync(SignedCommands.Command(_caller.CallSid, action).ToJsonString());
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        AssertUntouched();
    }

    [Theory]
    [InlineData("CA*")]
    [InlineData("CA%3F")]
    [InlineData("CA%0Aevil")]
    public async Task HostileCallSidInThePath_400(string callSid)
    {
        var body = SignedCommands.Command(Uri.UnescapeDataString(callSid), "hangup").ToJsonString();
        using var response = await PostAsync(body, path: $"/api/calls/{callSid}/commands");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        AssertUntouched();
    }

    [Fact]
    public async Task OverlongCallSid_400()
    {
        var callSid = new string('C', 129);
        using var response = await PostAsync(SignedCommands.Command(callSid, "hangup").ToJsonString(), callSid: callSid);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        AssertUntouched();
    }

    [Theory]
    [InlineData("/API/CALLS/{0}/COMMANDS")]
    [InlineData("/api/calls/{0}/commands/")]
    [InlineData("/api/%63alls/{0}/commands")]
    [InlineData("/api//calls/{0}/commands")]
    [InlineData("/api/x/../calls/{0}/commands")]
    public async Task OtherSpellingsOfThePath_Unsigned_NeverAct(string pathFormat)
    {
        using var response = await PostAsync(HangUp(), signed: false, path: string.Format(System.Globalization.CultureInfo.InvariantCulture, pathFormat, _caller.CallSid));
        Assert.True(response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed, $"got {response.StatusCode}");
        AssertUntouched();
    }

    [Fact]
    public async Task SigningKeyAndSignatures_NeverLogged()
    {
        var body = SignedCommands.Command(_caller.CallSid, "say", text: "Logged?").ToJsonString();
        var signature = SignedCommands.Sign(body);
        using (await PostAsync(body, signature: signature))
        {
        }

        using (await PostAsync(HangUp(), signature: SignedCommands.Sign(HangUp(), "another-signing-key-0123456789abcdef01234")))
        {
        }

        TestRedis.AssertNeverLogged(_harness.Server.Logs, ConfigTokens.SigningKey);
        TestRedis.AssertNeverLogged(_harness.Server.Logs, signature[3..]);
    }

    [Fact]
    public async Task WithoutConfigSigningKey_EveryCommandRefused_401()
    {
        await using var plain = await CallHarness.StartAsync();
        var callSid = TwilioIds.NewCallSid();
        var body = SignedCommands.Command(callSid, "hangup").ToJsonString();

        using var response = await SignedCommands.PostAsync(plain.Server, callSid, body, plain.Token);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("CONFIG_SIGNING_KEY", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
