using Microsoft.Extensions.Time.Testing;
using VoiceServer.Calls;
using VoiceServer.Conversation;
using VoiceServer.Diagnostics;
using VoiceServer.Records;

namespace VoiceServer.Core.Tests.Calls;

public sealed class CallRecordBuilderTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));
    private readonly CallRecordBuilder _builder;

    public CallRecordBuilderTests() => _builder = new CallRecordBuilder(_time);

    [Fact]
    public void ResponseClock_RunsFromSpeechStoppedToTheFirstAgentAudioOnly()
    {
        Assert.False(_builder.TryStopResponseClock(out _));

        _builder.OnCallerStoppedSpeaking();
        _time.Advance(TimeSpan.FromMilliseconds(420));
        Assert.True(_builder.TryStopResponseClock(out var latency));
        Assert.Equal(TimeSpan.FromMilliseconds(420), latency);
        Assert.False(_builder.TryStopResponseClock(out _));

        Assert.Equal([420L], _builder.ResponseLatenciesMs);
    }

    [Fact]
    public void ModelReplaced_SpeechBeforeItGetsNoLatency()
    {
        _builder.OnCallerStoppedSpeaking();
        _builder.OnModelReplaced();

        Assert.False(_builder.TryStopResponseClock(out _));
        Assert.Equal(1, _builder.ModelReconnects);
    }

    [Fact]
    public void Build_CarriesTheCountsTheCallAndTheTurns()
    {
        _builder.OnCallStarted();
        var transcript = new Transcript(_time);
        transcript.OnCallerText("item_1", "hello");
        _builder.OnUsage(new ModelUsage(1, 2, 3, 4, 5, 6));
        _builder.OnUsage(new ModelUsage(1, 2, 3, 4, 5, 6));
        Assert.Equal(1, _builder.OnBargeIn());
        Assert.Equal(2, _builder.OnBargeIn());
        var call = new CallLogScope("call-1") { CallSid = "CA1", StreamSid = "MZ1", AgentId = "agent" };

        var record = _builder.Build(call, configuration: null, transcript.Turns, CallEndReason.CallerStopped, "bye", TimeSpan.FromSeconds(30));

        Assert.Equal("call-1", record.CallId);
        Assert.Equal("CA1", record.CallSid);
        Assert.Equal("MZ1", record.StreamSid);
        Assert.Equal("agent", record.AgentId);
        Assert.Equal(_time.GetUtcNow(), record.StartedAt);
        Assert.Equal(_time.GetUtcNow().AddSeconds(30), record.EndedAt);
        Assert.Equal(30_000, record.DurationMs);
        Assert.Equal("caller_stopped", record.EndReason);
        Assert.Equal("bye", record.EndDetail);
        Assert.Equal(new ModelUsage(2, 4, 6, 8, 10, 12), record.Usage);
        Assert.Equal(2, record.BargeIns);
        var turn = Assert.Single(record.Turns);
        Assert.Equal(Speaker.Caller, turn.Speaker);
        Assert.Equal("hello", turn.Text);
    }
}
