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
        _builder.OnUsage(new ModelUsage(1, 2, 3, 4, 5, 6), segment: 0);
        _builder.OnUsage(new ModelUsage(1, 2, 3, 4, 5, 6), segment: 0);
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

    [Fact]
    public void Build_WithoutAHandoff_OneSegmentSpanningTheCall_WithTheCallsUsageAndEndReason()
    {
        _builder.OnCallStarted();
        _builder.OnAgentConfigured("bakery", "gpt-realtime-mini");
        _builder.OnUsage(new ModelUsage(10, 20, 0, 0, 30, 40), _builder.CurrentSegment);
        _time.Advance(TimeSpan.FromSeconds(12));

        var record = _builder.Build(new CallLogScope("call-1") { AgentId = "bakery" }, configuration: null, [], CallEndReason.AgentHungUp, "bye", TimeSpan.FromSeconds(12));

        var segment = Assert.Single(record.Segments);
        Assert.Equal(("bakery", "gpt-realtime-mini"), (segment.AgentId, segment.Model));
        Assert.Equal((record.StartedAt, record.EndedAt), (segment.StartedAt, segment.EndedAt));
        Assert.Equal(("agent_hung_up", null, null), (segment.EndReason, segment.HandedTo, segment.HandoffReason));
        Assert.Equal(record.Usage, segment.Usage);
        Assert.Equal("gpt-realtime-mini", record.Model);
    }

    [Fact]
    public void Build_AChainOfHandoffs_OneSegmentPerAgent_ReasonsTimesAndUsageSplit_TotalsTheSum()
    {
        _builder.OnCallStarted();
        var start = _time.GetUtcNow();
        _builder.OnAgentConfigured("front", model: null);
        var front = _builder.CurrentSegment;
        _builder.OnUsage(new ModelUsage(100, 20, 0, 0, 5, 40), front);
        _time.Advance(TimeSpan.FromSeconds(10));
        var billing = _builder.OnHandedOver("billing", "gpt-realtime-mini", "an invoice question");
        _builder.OnUsage(new ModelUsage(200, 30, 50, 0, 7, 60), billing);
        _time.Advance(TimeSpan.FromSeconds(5));
        var refunds = _builder.OnHandedOver("refunds", toModel: null, reason: "  ");
        _builder.OnUsage(new ModelUsage(300, 40, 0, 10, 9, 80), refunds);
        _time.Advance(TimeSpan.FromSeconds(3));

        var record = _builder.Build(new CallLogScope("call-1") { AgentId = "front" }, configuration: null, [], CallEndReason.CallerStopped, "bye", TimeSpan.FromSeconds(18));

        Assert.Equal((0, 1, 2), (front, billing, refunds));
        Assert.Equal(
            [
                ("front", (string?)null, start, start.AddSeconds(10), "handoff", "billing", "an invoice question"),
                ("billing", "gpt-realtime-mini", start.AddSeconds(10), start.AddSeconds(15), "handoff", "refunds", null),
                ("refunds", null, start.AddSeconds(15), start.AddSeconds(18), "caller_stopped", null, null),
            ],
            record.Segments.Select(s => (s.AgentId, s.Model, s.StartedAt, s.EndedAt, s.EndReason, s.HandedTo, s.HandoffReason)));
        Assert.Equal(
            [new ModelUsage(100, 20, 0, 0, 5, 40), new ModelUsage(200, 30, 50, 0, 7, 60), new ModelUsage(300, 40, 0, 10, 9, 80)],
            record.Segments.Select(s => s.Usage));
        Assert.Equal(record.Segments.Aggregate(default(ModelUsage), (sum, s) => sum + s.Usage), record.Usage);
        // The record stays the first agent's.
        Assert.Equal("front", record.AgentId);
        Assert.Null(record.Model);
    }

    [Fact]
    public void ADropInsideASegment_StaysInIt_AndALateResponseOfAReplacedSessionBillsItsOwnAgent()
    {
        _builder.OnCallStarted();
        _builder.OnAgentConfigured("front", model: null);
        var frontSession = _builder.CurrentSegment;
        _builder.OnUsage(new ModelUsage(1, 0, 0, 0, 1, 0), frontSession);
        // The session dropped and was replaced: the same agent, the same segment.
        _builder.OnModelReplaced();
        var frontReplacement = _builder.CurrentSegment;
        _builder.OnUsage(new ModelUsage(2, 0, 0, 0, 2, 0), frontReplacement);
        var billing = _builder.OnHandedOver("billing", toModel: null, reason: "billing");
        // front's old session reports after billing took over; billing's own usage follows.
        _builder.OnUsage(new ModelUsage(4, 0, 0, 0, 4, 0), frontReplacement);
        _builder.OnUsage(new ModelUsage(8, 0, 0, 0, 8, 0), billing);
        _builder.OnModelReplaced();

        var record = _builder.Build(new CallLogScope("call-1"), configuration: null, [], CallEndReason.CallerStopped, "bye", TimeSpan.FromSeconds(1));

        Assert.Equal(frontSession, frontReplacement);
        Assert.Equal(2, record.Segments.Count);
        Assert.Equal((7L, 1), (record.Segments[0].Usage.InputTextTokens, record.Segments[0].ModelReconnects));
        Assert.Equal((8L, 1), (record.Segments[1].Usage.InputTextTokens, record.Segments[1].ModelReconnects));
        Assert.Equal((15L, 2), (record.Usage.InputTextTokens, record.ModelReconnects));
    }

    [Fact]
    public void Turns_CarryTheAgentHoldingTheCallWhenTheyBegan()
    {
        _builder.OnCallStarted();
        var transcript = new Transcript(_time) { AgentId = "front" };
        transcript.OnCallerText("item_c1", "An invoice question.");
        transcript.OnAgentTextDone("item_a1", "Passing you to billing.");
        transcript.AddKeypadInput("1");
        transcript.AgentId = "billing";
        // A turn that began under front and is only finished now stays front's.
        transcript.OnAgentAudio("item_a1", 800);
        transcript.OnCallerTurn("item_c2");
        transcript.OnAgentTextDelta("item_a2", "Billing here."u8);

        var record = _builder.Build(new CallLogScope("call-1"), configuration: null, transcript.Turns, CallEndReason.CallerStopped, "bye", TimeSpan.FromSeconds(1));

        Assert.Equal(
            [(Speaker.Caller, "front"), (Speaker.Agent, "front"), (Speaker.Caller, "front"), (Speaker.Caller, "billing"), (Speaker.Agent, "billing")],
            record.Turns.Select(t => (t.Speaker, t.AgentId)));
    }

    [Fact]
    public void ACallThatEndedBeforeItsConfiguration_HasOneSegmentWithoutAnAgent()
    {
        _builder.OnCallStarted();

        var record = _builder.Build(new CallLogScope("call-1"), configuration: null, [], CallEndReason.StartTimeout, "no start", TimeSpan.FromSeconds(5));

        var segment = Assert.Single(record.Segments);
        Assert.Equal((null, "start_timeout", record.StartedAt, record.EndedAt), (segment.AgentId, segment.EndReason, segment.StartedAt, segment.EndedAt));
    }
}
