using VoiceServer.Legs;

namespace VoiceServer.Twilio;

/// <summary>
/// One inbound message, read in place: <see cref="Payload"/> and <see cref="MarkName"/> point into the received
/// bytes (or the scratch buffer when JSON escapes had to be undone), so a media frame costs no allocation.
/// </summary>
internal ref struct TwilioInboundMessage
{
    public TwilioEvent Event;
    public ReadOnlySpan<byte> Payload;

    /// <summary><c>media.timestamp</c>: milliseconds since the stream started; -1 when absent.</summary>
    public long MediaTimestampMs;
    public ReadOnlySpan<byte> MarkName;
    public string? Digit;
    public CallerStart? Start;
}
