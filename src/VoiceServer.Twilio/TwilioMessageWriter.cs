using System.Text.Json;

namespace VoiceServer.Twilio;

/// <summary>
/// The three outbound shapes (twilio-media-streams §4), exactly, with no extra fields. The fixed parts are built
/// once per stream; a media message is then prefix + payload (unchanged) + suffix.
/// </summary>
internal sealed class TwilioMessageWriter
{
    public TwilioMessageWriter(string streamSid)
    {
        var sid = JsonEncodedText.Encode(streamSid).EncodedUtf8Bytes;
        MediaPrefix = [.. "{\"event\":\"media\",\"streamSid\":\""u8, .. sid, .. "\",\"media\":{\"payload\":\""u8];
        MarkPrefix = [.. "{\"event\":\"mark\",\"streamSid\":\""u8, .. sid, .. "\",\"mark\":{\"name\":\""u8];
        Clear = [.. "{\"event\":\"clear\",\"streamSid\":\""u8, .. sid, .. "\"}"u8];
    }

    public byte[] MediaPrefix { get; }

    public byte[] MarkPrefix { get; }

    public byte[] Clear { get; }

    /// <summary>Closes both the media and the mark message.</summary>
    public static ReadOnlySpan<byte> ObjectSuffix => "\"}}"u8;
}
