using System.Buffers;
using System.Buffers.Text;

namespace VoiceServer.LoadTest;

/// <summary>
/// What a simulated Twilio caller sends and reads back, for the fleet and the set-up probes alike: the per-call
/// messages as strings, the per-frame <c>media</c> message written in place and its audio read back (no allocation).
/// </summary>
internal static class CallerMessages
{
    public const string Connected = """{"event":"connected","protocol":"Call","version":"1.0.0"}""";

    private static ReadOnlySpan<byte> MediaSequence => "{\"event\":\"media\",\"sequenceNumber\":\""u8;

    private static ReadOnlySpan<byte> MediaChunk => "\",\"media\":{\"track\":\"inbound\",\"chunk\":\""u8;

    private static ReadOnlySpan<byte> MediaTimestamp => "\",\"timestamp\":\""u8;

    private static ReadOnlySpan<byte> MediaPayload => "\",\"payload\":\""u8;

    private static ReadOnlySpan<byte> StreamSidKey => "\"},\"streamSid\":\""u8;

    public static string StreamSid(int call) => $"MZ{call:x32}";

    /// <summary>The <c>start</c>, with the configuration as custom parameters (all Twilio delivers).</summary>
    public static string Start(int call, string apiKey) =>
        $$$"""{"event":"start","sequenceNumber":"1","start":{"accountSid":"AC{{{call:x32}}}","streamSid":"{{{StreamSid(call)}}}","callSid":"CA{{{call:x32}}}","tracks":["inbound"],"mediaFormat":{"encoding":"audio/x-mulaw","sampleRate":8000,"channels":1},"customParameters":{"agentId":"load","openAIKey":"{{{apiKey}}}"}},"streamSid":"{{{StreamSid(call)}}}"}""";

    public static string Stop(int call, int sequenceNumber) =>
        $$$"""{"event":"stop","sequenceNumber":"{{{sequenceNumber}}}","streamSid":"{{{StreamSid(call)}}}","stop":{"accountSid":"AC","callSid":"CA"}}""";

    /// <summary>Writes the 20 ms <c>media</c> message carrying <paramref name="frame"/> (frame numbers from 0); its length.</summary>
    public static int WriteMedia(Span<byte> destination, int sequenceNumber, int frameNumber, ReadOnlySpan<byte> frame, ReadOnlySpan<byte> streamSid)
    {
        var length = 0;
        JsonBytes.Append(destination, ref length, MediaSequence);
        Utf8Formatter.TryFormat(sequenceNumber, destination[length..], out var written);
        length += written;
        JsonBytes.Append(destination, ref length, MediaChunk);
        Utf8Formatter.TryFormat(frameNumber + 1, destination[length..], out written);
        length += written;
        JsonBytes.Append(destination, ref length, MediaTimestamp);
        Utf8Formatter.TryFormat(frameNumber * 20, destination[length..], out written);
        length += written;
        JsonBytes.Append(destination, ref length, MediaPayload);
        Base64.EncodeToUtf8(frame, destination[length..], out _, out written);
        length += written;
        JsonBytes.Append(destination, ref length, StreamSidKey);
        JsonBytes.Append(destination, ref length, streamSid);
        destination[length++] = (byte)'"';
        destination[length++] = (byte)'}';
        return length;
    }

    /// <summary>
    /// The audio of a <c>media</c> message, decoded into <paramref name="audio"/>: its length (0 when the payload is
    /// not base64), or -1 when the message is not <c>media</c>.
    /// </summary>
    public static int ReadMediaAudio(ReadOnlySpan<byte> message, Span<byte> audio)
    {
        if (message.IndexOf(JsonBytes.MediaEvent) < 0)
        {
            return -1;
        }

        var payload = JsonBytes.ValueAfter(message, JsonBytes.PayloadKey);
        return Base64.DecodeFromUtf8(payload, audio, out _, out var written) == OperationStatus.Done ? written : 0;
    }
}
