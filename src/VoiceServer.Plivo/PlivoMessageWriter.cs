using System.Text.Json;

namespace VoiceServer.Plivo;

/// <summary>
/// The three outbound shapes voice-server sends (plivo-audio-streams §4), exactly as Plivo's page and its stream SDKs
/// write them. <c>playAudio</c> names no stream, so its parts are constants; <c>checkpoint</c> and
/// <c>clearAudio</c> must name the stream, so their fixed parts are built once per stream.
/// </summary>
internal sealed class PlivoMessageWriter
{
    public PlivoMessageWriter(string streamId)
    {
        var id = JsonEncodedText.Encode(streamId).EncodedUtf8Bytes;
        CheckpointPrefix = [.. "{\"event\":\"checkpoint\",\"streamId\":\""u8, .. id, .. "\",\"name\":\""u8];
        ClearAudio = [.. "{\"event\":\"clearAudio\",\"streamId\":\""u8, .. id, .. "\"}"u8];
    }

    /// <summary>μ-law 8 kHz is the only format voice-server streams; <c>sampleRate</c> is a JSON number (§4.1).</summary>
    public static ReadOnlySpan<byte> PlayAudioPrefix =>
        "{\"event\":\"playAudio\",\"media\":{\"contentType\":\"audio/x-mulaw\",\"sampleRate\":8000,\"payload\":\""u8;

    /// <summary>Closes a <c>playAudio</c> message.</summary>
    public static ReadOnlySpan<byte> PlayAudioSuffix => "\"}}"u8;

    public byte[] CheckpointPrefix { get; }

    /// <summary>Closes a <c>checkpoint</c> message.</summary>
    public static ReadOnlySpan<byte> CheckpointSuffix => "\"}"u8;

    public byte[] ClearAudio { get; }
}
