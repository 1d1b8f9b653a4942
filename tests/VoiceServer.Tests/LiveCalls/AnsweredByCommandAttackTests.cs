using System.Net;
using System.Net.WebSockets;
using VoiceServer.Fakes;
using VoiceServer.Tests.Infrastructure;
using VoiceServer.TwilioEmulator;

namespace VoiceServer.Tests.LiveCalls;

/// <summary>
/// Every way to abuse the answering-machine verdict on the voice server's command endpoint: no, wrong or reused
/// signatures, stale commands, another call's verdict, values Twilio never sends, a call that awaits no verdict,
/// other spellings of the path. Each leaves the call waiting, silent, and the telephony API untouched.
/// </summary>
public sealed class AnsweredByCommandAttackTests : IAsyncLifetime
{
    private FakeHttpReceiver _twilio = null!;
    private CallHarness _harness = null!;
    private FakeTwilioCaller _caller = null!;
    private FakeRealtimeConnection _model = null!;

    public async Task InitializeAsync()
    {
        _twilio = await FakeHttpReceiver.StartAsync();
        _harness = await CommandedCalls.StartServerAsync(_twilio);
        (_caller, _model) = await StartBoundCallAsync(awaitsVerdict: true);
    }

    public async Task DisposeAsync()
    {
        await _harness.DisposeAsync();
        await _twilio.DisposeAsync();
    }

    private Task<(FakeTwilioCaller Caller, FakeRealtimeConnection Model)> StartBoundCallAsync(bool awaitsVerdict) =>
        CommandedCalls.StartBoundCallAsync(_harness, awaitsVerdict);

    private static string Verdict(string callSid, string? answeredBy = "machine_end_beep", DateTimeOffset? issuedAt = null)
    {
        var command = SignedCommands.Command(callSid, "answered_by", issuedAt: issuedAt);
        if (answeredBy is not null)
        {
            command["answeredBy"] = answeredBy;
        }

        return command.ToJsonString();
    }

    private Task<HttpResponseMessage> PostAsync(string body, string? signature = null, bool signed = true, string? path = null, string? callSid = null) =>
        SignedCommands.PostAsync(_harness.Server, callSid ?? _caller.CallSid, body, _harness.Token, signature, signed, path);

    /// <summary>The call still waits for its verdict: open, silent, no API request, no verdict applied.</summary>
    private void AssertStillWaiting()
    {
        Assert.Equal(WebSocketState.Open, _caller.State);
        Assert.Empty(_twilio.Requests);
        Assert.DoesNotContain(_harness.Server.Logs.Entries, e => e.EventName == "AnsweredBy");
        Assert.DoesNotContain(_model.Received, e => (string?)e["type"] == "response.create");
    }

    [Fact]
    public async Task Unsigned_401()
    {
        using var response = await PostAsync(Verdict(_caller.CallSid), signed: false);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        AssertStillWaiting();
    }

    [Fact]
    public async Task SignedWithAnotherKey_401()
    {
        var body = Verdict(_caller.CallSid);
        using var response = await PostAsync(body, signature: SignedCommands.Sign(body, "another-signing-key-0123456789abcdef01234"));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        AssertStillWaiting();
    }

    [Fact]
    public async Task SignatureOfAHumanVerdict_OnAMachineVerdict_401()
    {
        using var response = await PostAsync(Verdict(_caller.CallSid), signature: SignedCommands.Sign(Verdict(_caller.CallSid, "human")));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        AssertStillWaiting();
    }

    [Theory]
    [InlineData(-120)]
    [InlineData(120)]
    public async Task Stale_OrFromTheFuture_401(int secondsFromNow)
    {
        using var response = await PostAsync(Verdict(_caller.CallSid, issuedAt: DateTimeOffset.UtcNow.AddSeconds(secondsFromNow)));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        AssertStillWaiting();
    }

    [Fact]
    public async Task Replayed_401_AndASecondVerdict_409()
    {
        var body = Verdict(_caller.CallSid, "human");
        using var first = await PostAsync(body);
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        await _model.WaitForEventAsync("response.create", _harness.Token);

        using var replayed = await PostAsync(body);
        using var another = await PostAsync(Verdict(_caller.CallSid, "machine_end_beep"));

        Assert.Equal(HttpStatusCode.Unauthorized, replayed.StatusCode);
        Assert.Contains("already used", await replayed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Conflict, another.StatusCode);
        Assert.Empty(_twilio.Requests);
        Assert.Equal(WebSocketState.Open, _caller.State);
        Assert.Single(_model.Received, e => (string?)e["type"] == "response.create");
    }

    [Fact]
    public async Task AnotherCallsVerdict_OnThisCallsPath_400_NeitherCallTouched()
    {
        var (other, _) = await StartBoundCallAsync(awaitsVerdict: true);

        using var response = await PostAsync(Verdict(other.CallSid), callSid: _caller.CallSid);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("another call", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        AssertStillWaiting();
        Assert.Equal(WebSocketState.Open, other.State);
    }

    [Theory]
    [InlineData("MACHINE_END_BEEP")]
    [InlineData("machine")]
    [InlineData("")]
    [InlineData("human\n")]
    [InlineData(null)]
    public async Task AValueTwilioNeverSends_400(string? answeredBy)
    {
        using var response = await PostAsync(Verdict(_caller.CallSid, answeredBy));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("answeredBy", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        AssertStillWaiting();
    }

    [Fact]
    public async Task ACallThatAwaitsNoVerdict_409_TheAgentIsNotHungUp()
    {
        var (inbound, _) = await StartBoundCallAsync(awaitsVerdict: false);

        using var response = await PostAsync(Verdict(inbound.CallSid), callSid: inbound.CallSid);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal(WebSocketState.Open, inbound.State);
        AssertStillWaiting();
    }

    [Fact]
    public async Task SayWhileAwaitingTheVerdict_409_NothingSaidOverAGreeting()
    {
        using var response = await PostAsync(SignedCommands.Command(_caller.CallSid, "say", text: "Hello?").ToJsonString());
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        AssertStillWaiting();
    }

    [Theory]
    [InlineData("/API/CALLS/{0}/COMMANDS")]
    [InlineData("/api/calls/{0}/commands/")]
    [InlineData("/api/%63alls/{0}/commands")]
    [InlineData("/api//calls/{0}/commands")]
    [InlineData("/api/x/../calls/{0}/commands")]
    public async Task OtherSpellingsOfThePath_Unsigned_NeverAct(string pathFormat)
    {
        using var response = await PostAsync(Verdict(_caller.CallSid), signed: false, path: string.Format(System.Globalization.CultureInfo.InvariantCulture, pathFormat, _caller.CallSid));
        Assert.True(response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed, $"got {response.StatusCode}");
        AssertStillWaiting();
    }
}
