using VoiceServer.Conversation;
using VoiceServer.Diagnostics;
using VoiceServer.Records;

namespace VoiceServer.Calls;

/// <summary>
/// What the call's record counts as the call goes (tokens billed, barge-ins, replaced model sessions, response
/// latencies), and the record itself once the call has ended. Not thread-safe: the session calls it one event at a time.
/// </summary>
internal sealed class CallRecordBuilder(TimeProvider time)
{
    private readonly List<long> _responseLatenciesMs = [];
    private DateTimeOffset _startedAt;
    private long _speechStoppedAt;

    public ModelUsage Usage { get; private set; }

    public int BargeIns { get; private set; }

    public int ModelReconnects { get; private set; }

    public IReadOnlyList<long> ResponseLatenciesMs => _responseLatenciesMs;

    /// <summary>The answering-machine verdict the call received, if it awaited one.</summary>
    public string? AnsweredBy { get; set; }

    public void OnCallStarted() => _startedAt = time.GetUtcNow();

    /// <summary>The model's <c>speech_stopped</c>: the response-latency clock starts.</summary>
    public void OnCallerStoppedSpeaking() => _speechStoppedAt = time.GetTimestamp();

    /// <summary>
    /// Per agent audio frame: the first one after the caller stopped speaking stops the clock and gives its latency.
    /// </summary>
    public bool TryStopResponseClock(out TimeSpan latency)
    {
        if (_speechStoppedAt == 0)
        {
            latency = default;
            return false;
        }

        latency = time.GetElapsedTime(_speechStoppedAt);
        _responseLatenciesMs.Add((long)latency.TotalMilliseconds);
        _speechStoppedAt = 0;
        return true;
    }

    /// <summary>The model session was replaced: speech it heard will never get its answer.</summary>
    public void OnModelReplaced()
    {
        _speechStoppedAt = 0;
        ModelReconnects++;
    }

    /// <summary>Returns the count so far.</summary>
    public int OnBargeIn() => ++BargeIns;

    /// <summary>Every session's usage is billed, a replaced one's included.</summary>
    public void OnUsage(ModelUsage usage) => Usage += usage;

    public CallRecord Build(
        CallLogScope call,
        CallConfiguration? configuration,
        IReadOnlyList<TranscriptTurn> turns,
        CallEndReason reason,
        string detail,
        TimeSpan duration) => new()
        {
            CallId = call.CallId,
            CallSid = call.CallSid,
            StreamSid = call.StreamSid,
            AgentId = call.AgentId,
            Model = configuration?.Model,
            CallbackUrl = configuration?.CallbackUrl,
            StartedAt = _startedAt,
            EndedAt = _startedAt + duration,
            DurationMs = (long)duration.TotalMilliseconds,
            EndReason = reason.ToName(),
            EndDetail = detail,
            Turns = [.. turns.Select(static turn => new CallRecordTurn(turn.Speaker, turn.Text, turn.StartedAt, turn.Interrupted, turn.IsKeypad))],
            Usage = Usage,
            BargeIns = BargeIns,
            ModelReconnects = ModelReconnects,
            ResponseLatenciesMs = [.. _responseLatenciesMs],
            AnsweredBy = AnsweredBy,
        };
}
