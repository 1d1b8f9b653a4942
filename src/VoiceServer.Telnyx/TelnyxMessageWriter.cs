namespace VoiceServer.Telnyx;

/// <summary>
/// The three outbound shapes (telnyx-media-streaming §4), exactly, with no extra fields. Unlike Twilio's they name
/// no stream, so every part is fixed: a media message is prefix + payload (unchanged) + suffix.
/// </summary>
internal static class TelnyxMessageWriter
{
    public static ReadOnlySpan<byte> MediaPrefix => "{\"event\":\"media\",\"media\":{\"payload\":\""u8;

    public static ReadOnlySpan<byte> MarkPrefix => "{\"event\":\"mark\",\"mark\":{\"name\":\""u8;

    public static ReadOnlySpan<byte> Clear => "{\"event\":\"clear\"}"u8;

    /// <summary>Closes both the media and the mark message.</summary>
    public static ReadOnlySpan<byte> ObjectSuffix => "\"}}"u8;
}
