using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace VoiceServer.LoadTest;

/// <summary>
/// One provider's caller as the generator plays it (Twilio, Telnyx, Plivo, Vonage): its path, its per-call messages
/// as strings, and the per-frame messages as byte templates built once per call, so a frame costs a few copies, three
/// numbers and the base64 of its audio whatever the provider (Vonage's frame is a pre-built binary one). The shapes
/// follow docs/providers.md (the message mapping tables) and the emulators' fakes.
/// </summary>
internal abstract class CallerProtocol
{
    public static CallerProtocol Twilio { get; } = new TwilioCallerProtocol();

    public static CallerProtocol Telnyx { get; } = new TelnyxCallerProtocol();

    public static CallerProtocol Plivo { get; } = new PlivoCallerProtocol();

    public static CallerProtocol Vonage { get; } = new VonageCallerProtocol();

    public static IReadOnlyList<CallerProtocol> All { get; } = [Twilio, Telnyx, Plivo, Vonage];

    /// <summary><c>twilio</c>, <c>telnyx</c>, <c>plivo</c>, <c>vonage</c>: the <c>--provider</c> value and the report's label.</summary>
    public abstract string Name { get; }

    public string Path => $"/api/{Name}/media-stream";

    /// <summary>
    /// Null when audio travels as tagged μ-law in JSON text; otherwise the binary frame every caller sends every
    /// 20 ms (Vonage's 16 kHz L16). Resampled on its way to the model and back, such audio cannot carry a tag: its
    /// frames are recognised by their place in the call's byte stream instead (<see cref="CallerFleet"/>).
    /// </summary>
    public virtual byte[]? BinaryFrame => null;

    /// <summary>The first message after the upgrade; null when the provider sends none (Plivo).</summary>
    public abstract string? Connected { get; }

    /// <summary>The media message whose audio the caller reads back (the server's outbound <c>event</c>).</summary>
    public abstract ReadOnlySpan<byte> AudioEvent { get; }

    /// <summary>The server's mark (Twilio's and Telnyx's <c>mark</c>, Plivo's <c>checkpoint</c>).</summary>
    public abstract ReadOnlySpan<byte> MarkEvent { get; }

    public static CallerProtocol? Find(string name) => All.FirstOrDefault(protocol => protocol.Name == name);

    /// <summary>The URL one call connects to: <paramref name="mediaStream"/>, with the configuration if it travels there.</summary>
    public virtual Uri CallUrl(Uri mediaStream, string apiKey) => mediaStream;

    /// <summary><c>start</c>, with the configuration where the provider carries it.</summary>
    public abstract string Start(int call, string apiKey);

    /// <summary>The caller's goodbye before its close; null when the provider ends a call by closing (Plivo).</summary>
    public abstract string? Stop(int call, int sequenceNumber);

    /// <summary>The call's media message around its five variable parts: sequence number, two counters, payload.</summary>
    public abstract MessageTemplate Media(int call);

    /// <summary>The call's answer to a mark (Twilio's and Telnyx's <c>mark</c>, Plivo's <c>playedStream</c>) around its sequence number and name.</summary>
    public abstract MessageTemplate MarkEcho(int call);

    /// <summary>
    /// Writes the 20 ms media message carrying <paramref name="frame"/> (frame numbers from 0) from the call's
    /// template; its length.
    /// </summary>
    public static int WriteMedia(Span<byte> destination, MessageTemplate template, int sequenceNumber, int frameNumber, ReadOnlySpan<byte> frame)
    {
        var length = 0;
        JsonBytes.Append(destination, ref length, template.Parts[0]);
        AppendNumber(destination, ref length, sequenceNumber);
        JsonBytes.Append(destination, ref length, template.Parts[1]);
        // Twilio and Telnyx put the chunk (from 1) before the timestamp (ms), Plivo after it.
        AppendNumber(destination, ref length, template.TimestampFirst ? frameNumber * 20 : frameNumber + 1);
        JsonBytes.Append(destination, ref length, template.Parts[2]);
        AppendNumber(destination, ref length, template.TimestampFirst ? frameNumber + 1 : frameNumber * 20);
        JsonBytes.Append(destination, ref length, template.Parts[3]);
        Base64.EncodeToUtf8(frame, destination[length..], out _, out var written);
        length += written;
        JsonBytes.Append(destination, ref length, template.Parts[4]);
        return length;
    }

    /// <summary>Writes the answer to the mark named <paramref name="name"/>; its length.</summary>
    public static int WriteMarkEcho(Span<byte> destination, MessageTemplate template, int sequenceNumber, ReadOnlySpan<byte> name)
    {
        var length = 0;
        JsonBytes.Append(destination, ref length, template.Parts[0]);
        if (template.Parts.Length == 3)
        {
            AppendNumber(destination, ref length, sequenceNumber);
            JsonBytes.Append(destination, ref length, template.Parts[1]);
        }

        JsonBytes.Append(destination, ref length, name);
        JsonBytes.Append(destination, ref length, template.Parts[^1]);
        return length;
    }

    /// <summary>
    /// The audio of a media message, decoded into <paramref name="audio"/>: its length (0 when the payload is not
    /// base64), or -1 when the message is not the provider's media.
    /// </summary>
    public int ReadMediaAudio(ReadOnlySpan<byte> message, Span<byte> audio)
    {
        if (message.IndexOf(AudioEvent) < 0)
        {
            return -1;
        }

        var payload = JsonBytes.ValueAfter(message, JsonBytes.PayloadKey);
        return Base64.DecodeFromUtf8(payload, audio, out _, out var written) == OperationStatus.Done ? written : 0;
    }

    /// <summary>The name of the mark in <paramref name="message"/>, as its answer repeats it; empty when it is not one.</summary>
    public virtual ReadOnlySpan<byte> ReadMarkName(ReadOnlySpan<byte> message) =>
        message.IndexOf(MarkEvent) >= 0 ? JsonBytes.ValueAfter(message, "\"name\":\""u8) : default;

    protected static byte[] Bytes(string text) => Encoding.ASCII.GetBytes(text);

    private static void AppendNumber(Span<byte> destination, ref int length, int value)
    {
        Utf8Formatter.TryFormat(value, destination[length..], out var written);
        length += written;
    }

    /// <summary>Twilio Media Streams (docs/reference/twilio-media-streams.md): string counters, <c>streamSid</c> last.</summary>
    private sealed class TwilioCallerProtocol : CallerProtocol
    {
        public override string Name => "twilio";

        public override string Connected => """{"event":"connected","protocol":"Call","version":"1.0.0"}""";

        public override ReadOnlySpan<byte> AudioEvent => JsonBytes.MediaEvent;

        public override ReadOnlySpan<byte> MarkEvent => "\"event\":\"mark\""u8;

        public override string Start(int call, string apiKey) =>
            $$$"""{"event":"start","sequenceNumber":"1","start":{"accountSid":"AC{{{call:x32}}}","streamSid":"{{{StreamSid(call)}}}","callSid":"CA{{{call:x32}}}","tracks":["inbound"],"mediaFormat":{"encoding":"audio/x-mulaw","sampleRate":8000,"channels":1},"customParameters":{"agentId":"load","openAIKey":"{{{apiKey}}}"}},"streamSid":"{{{StreamSid(call)}}}"}""";

        public override string Stop(int call, int sequenceNumber) =>
            $$$"""{"event":"stop","sequenceNumber":"{{{sequenceNumber}}}","streamSid":"{{{StreamSid(call)}}}","stop":{"accountSid":"AC","callSid":"CA"}}""";

        public override MessageTemplate Media(int call) => new(
            [
                Bytes("{\"event\":\"media\",\"sequenceNumber\":\""),
                Bytes("\",\"media\":{\"track\":\"inbound\",\"chunk\":\""),
                Bytes("\",\"timestamp\":\""),
                Bytes("\",\"payload\":\""),
                Bytes($"\"}},\"streamSid\":\"{StreamSid(call)}\"}}"),
            ],
            TimestampFirst: false);

        public override MessageTemplate MarkEcho(int call) => new(
            [
                Bytes("{\"event\":\"mark\",\"sequenceNumber\":\""),
                Bytes("\",\"mark\":{\"name\":\""),
                Bytes($"\"}},\"streamSid\":\"{StreamSid(call)}\"}}"),
            ],
            TimestampFirst: false);

        private static string StreamSid(int call) => $"MZ{call:x32}";
    }

    /// <summary>
    /// Telnyx media streaming (docs/providers.md, Telnyx): snake_case, <c>stream_id</c> at the top level, the
    /// configuration in <c>start.custom_parameters</c>; its outbound frames name no stream.
    /// </summary>
    private sealed class TelnyxCallerProtocol : CallerProtocol
    {
        public override string Name => "telnyx";

        public override string Connected => """{"event":"connected","version":"1.0.0"}""";

        public override ReadOnlySpan<byte> AudioEvent => JsonBytes.MediaEvent;

        public override ReadOnlySpan<byte> MarkEvent => "\"event\":\"mark\""u8;

        public override string Start(int call, string apiKey) =>
            $$$$"""{"event":"start","sequence_number":"1","stream_id":"{{{{StreamId(call)}}}}","start":{"user_id":"3e6f995f-85f7-4705-9741-53b116d28237","call_control_id":"{{{{CallControlId(call)}}}}","call_session_id":"{{{{StreamId(call)}}}}","from":"+13122010094","to":"+13122123456","tags":[],"client_state":"","custom_parameters":{"agentId":"load","openAIKey":"{{{{apiKey}}}}"},"media_format":{"encoding":"PCMU","sample_rate":8000,"channels":1}}}""";

        public override string Stop(int call, int sequenceNumber) =>
            $$$"""{"event":"stop","sequence_number":"{{{sequenceNumber}}}","stream_id":"{{{StreamId(call)}}}","stop":{"user_id":"3e6f995f-85f7-4705-9741-53b116d28237","call_control_id":"{{{CallControlId(call)}}}"}}""";

        public override MessageTemplate Media(int call) => new(
            [
                Bytes("{\"event\":\"media\",\"sequence_number\":\""),
                Bytes($"\",\"stream_id\":\"{StreamId(call)}\",\"media\":{{\"track\":\"inbound\",\"chunk\":\""),
                Bytes("\",\"timestamp\":\""),
                Bytes("\",\"payload\":\""),
                Bytes("\"}}"),
            ],
            TimestampFirst: false);

        public override MessageTemplate MarkEcho(int call) => new(
            [
                Bytes("{\"event\":\"mark\",\"sequence_number\":\""),
                Bytes($"\",\"stream_id\":\"{StreamId(call)}\",\"mark\":{{\"name\":\""),
                Bytes("\"}}"),
            ],
            TimestampFirst: false);

        private static string StreamId(int call) => $"32de0dea-0000-4000-8000-{call:x12}";

        private static string CallControlId(int call) => $"v3:load-{call:x8}";
    }

    /// <summary>
    /// Plivo audio streams (docs/providers.md, Plivo): no <c>connected</c>, number counters, the configuration in
    /// the URL's query, <c>extra_headers</c> on every media frame, <c>playAudio</c> and <c>checkpoint</c> out,
    /// <c>playedStream</c> back; the caller hangs up by closing the socket.
    /// </summary>
    private sealed class PlivoCallerProtocol : CallerProtocol
    {
        public override string Name => "plivo";

        public override string? Connected => null;

        public override ReadOnlySpan<byte> AudioEvent => "\"event\":\"playAudio\""u8;

        public override ReadOnlySpan<byte> MarkEvent => "\"event\":\"checkpoint\""u8;

        public override Uri CallUrl(Uri mediaStream, string apiKey) =>
            new UriBuilder(mediaStream) { Query = $"agentId=load&openAIKey={Uri.EscapeDataString(apiKey)}" }.Uri;

        public override string Start(int call, string apiKey) =>
            $$$"""{"event":"start","sequenceNumber":1,"start":{"callId":"{{{CallId(call)}}}","streamId":"{{{StreamId(call)}}}","accountId":"MAXXXXXXXXXXXXXXXXXX","tracks":["inbound"],"mediaFormat":{"encoding":"audio/x-mulaw","sampleRate":8000}},"extra_headers":""}""";

        public override string? Stop(int call, int sequenceNumber) => null;

        public override MessageTemplate Media(int call) => new(
            [
                Bytes("{\"event\":\"media\",\"sequenceNumber\":"),
                Bytes($",\"streamId\":\"{StreamId(call)}\",\"media\":{{\"track\":\"inbound\",\"timestamp\":\""),
                Bytes("\",\"chunk\":"),
                Bytes(",\"payload\":\""),
                Bytes("\"},\"extra_headers\":\"\"}"),
            ],
            TimestampFirst: true);

        public override MessageTemplate MarkEcho(int call) => new(
            [
                Bytes("{\"event\":\"playedStream\",\"sequenceNumber\":"),
                Bytes($",\"streamId\":\"{StreamId(call)}\",\"name\":\""),
                Bytes("\"}"),
            ],
            TimestampFirst: false);

        private static string StreamId(int call) => $"5a1b0000-0000-4000-8000-{call:x12}";

        private static string CallId(int call) => $"ca110000-0000-4000-8000-{call:x12}";
    }

    /// <summary>
    /// Vonage Voice API WebSockets (docs/providers.md, Vonage): a first text message with the NCCO's headers (the
    /// configuration, <c>CallSid</c>) beside <c>content-type</c>, binary 16 kHz L16 frames of 640 bytes both ways,
    /// <c>notify</c> answered with <c>websocket:notify</c> and its payload as sent; the caller hangs up by closing.
    /// </summary>
    private sealed class VonageCallerProtocol : CallerProtocol
    {
        // 20 ms at 16 kHz, two bytes a sample.
        private const int FrameBytes = 640;

        private static readonly byte[] s_frame = Tone();

        public override string Name => "vonage";

        public override string? Connected => null;

        public override byte[] BinaryFrame => s_frame;

        public override ReadOnlySpan<byte> AudioEvent => default;

        public override ReadOnlySpan<byte> MarkEvent => "\"action\":\"notify\""u8;

        public override string Start(int call, string apiKey) =>
            $$$"""{"event":"websocket:connected","content-type":"audio/l16;rate=16000","CallSid":"{{{CallUuid(call)}}}","agentId":"load","openAIKey":"{{{apiKey}}}"}""";

        public override string? Stop(int call, int sequenceNumber) => null;

        // Audio is binary: no media message.
        public override MessageTemplate Media(int call) => new([[], [], [], [], []], TimestampFirst: false);

        public override MessageTemplate MarkEcho(int call) => new([Bytes("{\"event\":\"websocket:notify\",\"payload\":"), Bytes("}")], TimestampFirst: false);

        /// <summary>The notify's <c>payload</c> object (the product's is flat: <c>{"mark":"…"}</c>), which the answer repeats.</summary>
        public override ReadOnlySpan<byte> ReadMarkName(ReadOnlySpan<byte> message)
        {
            if (message.IndexOf(MarkEvent) < 0 || message.IndexOf("\"payload\":{"u8) is not (>= 0 and var at))
            {
                return default;
            }

            var payload = message[(at + "\"payload\":"u8.Length)..];
            var end = payload.IndexOf((byte)'}');
            return end < 0 ? default : payload[..(end + 1)];
        }

        private static string CallUuid(int call) => $"0a1a0000-0000-4000-8000-{call:x12}";

        /// <summary>A 400 Hz tone at about -12 dBFS: speech-loud audio the resamplers carry whole (it is far below their 7 kHz passband edge).</summary>
        private static byte[] Tone()
        {
            var frame = new byte[FrameBytes];
            for (var i = 0; i < FrameBytes / 2; i++)
            {
                // 400 Hz repeats every 40 samples at 16 kHz, so one 320-sample frame holds whole periods and frames join seamlessly.
                var sample = (short)(8000 * Math.Sin(2 * Math.PI * 400 * i / 16000));
                System.Buffers.Binary.BinaryPrimitives.WriteInt16LittleEndian(frame.AsSpan(2 * i), sample);
            }

            return frame;
        }
    }
}

/// <summary>A message's constant parts, built once per call; the variable parts go between them.</summary>
/// <param name="Parts">The constant parts, in order (a mark answer without a sequence number has two).</param>
/// <param name="TimestampFirst">Whether a media message's timestamp comes before its chunk number.</param>
internal sealed record MessageTemplate(byte[][] Parts, bool TimestampFirst);
