using System.Net.WebSockets;
using Microsoft.Extensions.Logging.Abstractions;
using VoiceServer.Audio;
using VoiceServer.Calls;
using VoiceServer.Core.Tests.Diagnostics;
using VoiceServer.Diagnostics;
using VoiceServer.Legs;

namespace VoiceServer.Core.Tests.Calls;

/// <summary>The call state machine with in-memory legs: the endings that real sockets make hard to provoke.</summary>
public sealed class CallSessionTests : IDisposable
{
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(15));
    private readonly InMemoryCallerLeg _caller = new();
    private readonly InMemoryModelConnector _connector = new();
    private readonly CallSession _session;

    public CallSessionTests()
    {
        _session = new CallSession(
            "test-call",
            _caller,
            _connector,
            new CallSessionOptions(),
            TimeProvider.System,
            NullLogger<CallSession>.Instance,
            new VoiceServerMetrics(new TestMeterFactory()));
    }

    public void Dispose() => _timeout.Dispose();

    private Task<(Task<CallOutcome> Run, InMemoryModelLeg Model)> StartAsync() =>
        InMemoryCall.StartUntilReadyAsync(_session, _caller, _connector, _timeout.Token);

    [Fact]
    public async Task SlowCaller_AgentAudioCannotBeQueued_EndsWithSlowPeerAnd1011()
    {
        var (run, model) = await StartAsync();
        _caller.AcceptSends = false;

        model.Push(events => events.OnResponseCreated("resp_1"));
        model.Push(events => events.OnAudioDelta("resp_1", "item_1", 0, "AAAA"u8));

        var outcome = await run.WaitAsync(_timeout.Token);
        Assert.Equal(CallEndReason.SlowPeer, outcome.Reason);
        var (status, _) = await _caller.Closed.WaitAsync(_timeout.Token);
        Assert.Equal(WebSocketCloseStatus.InternalServerError, status);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, await model.Closed.WaitAsync(_timeout.Token));
    }

    [Fact]
    public async Task SlowModel_CallerAudioCannotBeQueued_EndsWithSlowPeer()
    {
        var (run, model) = await StartAsync();
        model.AcceptSends = false;

        _caller.Push(events => events.OnMedia("//8="u8, -1));

        var outcome = await run.WaitAsync(_timeout.Token);
        Assert.Equal(CallEndReason.SlowPeer, outcome.Reason);
        Assert.Equal(WebSocketCloseStatus.InternalServerError, (await _caller.Closed.WaitAsync(_timeout.Token)).Status);
    }

    [Fact]
    public async Task CallerStops_OneReason_ModelClosedNormally()
    {
        var (run, model) = await StartAsync();

        _caller.Push(events => events.OnStop());
        _caller.Push(events => events.OnStop());

        var outcome = await run.WaitAsync(_timeout.Token);
        Assert.Equal(CallEndReason.CallerStopped, outcome.Reason);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, await model.Closed.WaitAsync(_timeout.Token));
    }

    [Fact]
    public async Task HandlerThrows_CallEndsWithInternalError()
    {
        var (run, _) = await StartAsync();

        _caller.Push(_ => throw new InvalidOperationException("a bug"));

        var outcome = await run.WaitAsync(_timeout.Token);
        Assert.Equal(CallEndReason.InternalError, outcome.Reason);
        Assert.Equal(WebSocketCloseStatus.InternalServerError, (await _caller.Closed.WaitAsync(_timeout.Token)).Status);
    }

    [Fact]
    public async Task ConvertingL16Leg_ModelAskedForPcm24_AndMustConfirmIt()
    {
        var run = _session.RunAsync(new Dictionary<string, string>(), new PlainCallConfigurationResolver(new CallResolutionRules()), CancellationToken.None);
        _caller.Push(events => events.OnStart(new CallerStart("MZ1", "CA1", null, "audio/l16", 16000, 1, s_parameters, ModelAudioFormat.Pcm24)));
        var model = await _connector.NextLegAsync(_timeout.Token);
        await model.SessionUpdate.WaitAsync(_timeout.Token);

        Assert.Equal(ModelAudioFormat.Pcm24, model.LastSessionRequest!.AudioFormat);
        // A session confirmed in μ-law cannot carry this call's audio.
        model.ConfirmMuLawSession();
        var outcome = await run.WaitAsync(_timeout.Token);
        Assert.Equal(CallEndReason.ModelSessionRejected, outcome.Reason);
        Assert.Contains("not 16-bit PCM 24 kHz", outcome.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConvertingL16Leg_Pcm24Confirmed_Ready()
    {
        var run = _session.RunAsync(new Dictionary<string, string>(), new PlainCallConfigurationResolver(new CallResolutionRules()), CancellationToken.None);
        _caller.Push(events => events.OnStart(new CallerStart("MZ1", "CA1", null, "audio/l16", 16000, 1, s_parameters, ModelAudioFormat.Pcm24)));
        var model = await _connector.NextLegAsync(_timeout.Token);
        await model.SessionUpdate.WaitAsync(_timeout.Token);

        model.Push(events => events.OnSessionUpdated(new ModelSessionState(false, false, "audio/pcm", "audio/pcm", "alloy", true, InputIsPcm24: true, OutputIsPcm24: true)));

        await _session.Ready.WaitAsync(_timeout.Token);
        _caller.Push(events => events.OnStop());
        Assert.Equal(CallEndReason.CallerStopped, (await run.WaitAsync(_timeout.Token)).Reason);
    }

    [Theory]
    [InlineData("audio/l16", 16000, null)]
    [InlineData("audio/l16", 8000, ModelAudioFormat.Pcm24)]
    [InlineData("audio/x-mulaw", 8000, ModelAudioFormat.Pcm24)]
    public async Task MediaFormatTheLegCannotCarry_RefusedBeforeTheModel(string encoding, int rate, ModelAudioFormat? converted)
    {
        var run = _session.RunAsync(new Dictionary<string, string>(), new PlainCallConfigurationResolver(new CallResolutionRules()), CancellationToken.None);
        _caller.Push(events => events.OnStart(new CallerStart("MZ1", "CA1", null, encoding, rate, 1, s_parameters, converted)));

        var outcome = await run.WaitAsync(_timeout.Token);

        Assert.Equal(CallEndReason.InvalidConfiguration, outcome.Reason);
        Assert.StartsWith("unsupported media format", outcome.Detail, StringComparison.Ordinal);
        Assert.Equal(0, _connector.ConnectCount);
    }

    private static readonly Dictionary<string, string> s_parameters = new() { ["agentId"] = "a", ["openAIKey"] = "sk-test" };
}
