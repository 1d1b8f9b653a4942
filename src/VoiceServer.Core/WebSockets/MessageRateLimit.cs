namespace VoiceServer.WebSockets;

/// <summary>
/// A token bucket over received messages: <c>burst</c> messages at once, refilled at <c>perSecond</c>. Twilio sends
/// 50 media messages a second plus marks; a peer far above that is flooding. Runs on <see cref="TimeProvider"/>
/// timestamps and allocates nothing per message. Used by one receive loop: not thread-safe.
/// </summary>
public sealed class MessageRateLimit
{
    private readonly TimeProvider _time;
    private readonly double _perSecond;
    private readonly double _burst;
    private double _tokens;
    private long _refilledAt;

    public MessageRateLimit(int perSecond, int burst, TimeProvider timeProvider)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(perSecond, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(burst, 1);
        _time = timeProvider;
        _perSecond = perSecond;
        _burst = burst;
        _tokens = burst;
        _refilledAt = timeProvider.GetTimestamp();
    }

    /// <summary>Takes one message's token; false when the peer is over its rate.</summary>
    public bool TryTake()
    {
        var now = _time.GetTimestamp();
        var elapsed = (now - _refilledAt) / (double)_time.TimestampFrequency;
        _refilledAt = now;
        _tokens = Math.Min(_burst, _tokens + (elapsed * _perSecond));
        if (_tokens < 1)
        {
            return false;
        }

        _tokens--;
        return true;
    }
}
