using System.Collections;

namespace VoiceServer.Diagnostics;

/// <summary>
/// The logging scope of one call. Begun before the upgrade, when only our own id is known, and filled in as
/// Twilio's ids and the agent arrive: every line of the call, on any of its loops, carries the values known when
/// the line is written (structured formatters enumerate the scope at that moment).
/// </summary>
public sealed class CallLogScope(string callId) : IReadOnlyList<KeyValuePair<string, object?>>
{
    public string CallId { get; } = callId;

    public string? CallSid { get; set; }

    public string? StreamSid { get; set; }

    public string? AgentId { get; set; }

    public int Count => 4;

    public KeyValuePair<string, object?> this[int index] => index switch
    {
        0 => new("CallId", CallId),
        1 => new("CallSid", CallSid),
        2 => new("StreamSid", StreamSid),
        3 => new("AgentId", AgentId),
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        for (var i = 0; i < Count; i++)
        {
            yield return this[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => $"CallId:{CallId} CallSid:{CallSid} StreamSid:{StreamSid} AgentId:{AgentId}";
}
