using System.Text.Json;
using VoiceServer.Json;
using VoiceServer.Legs;

namespace VoiceServer.Telnyx;

/// <summary>The inbound Telnyx events (telnyx-media-streaming §3).</summary>
internal enum TelnyxEvent
{
    Unknown,
    Connected,
    Start,
    Media,
    Mark,
    Dtmf,
    Error,
    Stop,
}

/// <summary>
/// One inbound message, read in place: <see cref="Payload"/> and <see cref="MarkName"/> point into the received
/// bytes (or the scratch buffer when JSON escapes had to be undone), so a media frame costs no allocation.
/// </summary>
internal ref struct TelnyxInboundMessage
{
    public TelnyxEvent Event;
    public ReadOnlySpan<byte> Payload;

    /// <summary><c>media.timestamp</c>: milliseconds since the stream started; -1 when absent.</summary>
    public long MediaTimestampMs;
    public ReadOnlySpan<byte> MarkName;
    public string? Digit;
    public TelnyxStart? Start;

    /// <summary>An <c>error</c> frame's <c>payload.code</c> and <c>payload.title</c>, when present.</summary>
    public string? ErrorCode;
    public string? ErrorTitle;
}

/// <summary>What Telnyx's <c>start</c> says: the call's facts, in the session's terms, plus the caller's numbers.</summary>
internal sealed record TelnyxStart(CallerStart Caller, string? From, string? To);

/// <summary>
/// Reads Telnyx's inbound JSON with <see cref="Utf8JsonReader"/>, dispatching on <c>event</c>. The names are
/// snake_case and <c>stream_id</c> sits at the top level (telnyx-media-streaming §8, pitfalls 2 and 3), which is why
/// this is not Twilio's reader.
/// </summary>
internal static class TelnyxMessageReader
{
    /// <summary>The encoding name the session knows μ-law 8 kHz by (Twilio's); Telnyx says <c>PCMU</c>.</summary>
    public const string MuLawEncoding = "audio/x-mulaw";

    /// <summary>
    /// Reads one message. <paramref name="scratch"/> must be at least as long as <paramref name="json"/>; it is
    /// used only when a string value carries JSON escapes. False with a reason when the message is malformed.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> json, Span<byte> scratch, out TelnyxInboundMessage message, out string? problem)
    {
        message = default;
        message.MediaTimestampMs = -1;
        problem = null;
        var scratchUsed = 0;
        var startStart = -1;
        var startLength = 0;
        ReadOnlySpan<byte> streamId = default;
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 8 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                problem = "not a JSON object";
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("event"u8))
                {
                    reader.Read();
                    message.Event = ReadEvent(ref reader);
                }
                else if (reader.ValueTextEquals("media"u8))
                {
                    reader.Read();
                    if (!JsonMedia.TryRead(json, ref reader, scratch, ref scratchUsed, numberTimestampAllowed: true, out message.Payload, out message.MediaTimestampMs))
                    {
                        problem = "media is not an object";
                        return false;
                    }
                }
                else if (reader.ValueTextEquals("stream_id"u8))
                {
                    // Kept as a slice: only start turns it into a string.
                    reader.Read();
                    streamId = JsonStrings.Read(json, ref reader, scratch, ref scratchUsed);
                }
                else if (reader.ValueTextEquals("mark"u8))
                {
                    reader.Read();
                    if (!JsonStrings.TryReadObjectString(json, ref reader, "name"u8, scratch, ref scratchUsed, out message.MarkName))
                    {
                        problem = "mark is not an object";
                        return false;
                    }
                }
                else if (reader.ValueTextEquals("dtmf"u8))
                {
                    reader.Read();
                    message.Digit = ReadObjectText(ref reader, "digit"u8, out _);
                }
                else if (reader.ValueTextEquals("payload"u8))
                {
                    // An error frame's details (§3.5); the layout is unconfirmed, so anything else is ignored.
                    reader.Read();
                    message.ErrorCode = ReadObjectText(ref reader, "code"u8, out message.ErrorTitle);
                }
                else if (reader.ValueTextEquals("start"u8))
                {
                    reader.Read();
                    startStart = (int)reader.TokenStartIndex;
                    reader.Skip();
                    startLength = (int)reader.BytesConsumed - startStart;
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
        }
        catch (JsonException)
        {
            problem = "malformed JSON";
            return false;
        }

        switch (message.Event)
        {
            case TelnyxEvent.Media when message.Payload.IsEmpty:
                problem = "media without a payload";
                return false;
            case TelnyxEvent.Mark when message.MarkName.IsEmpty:
                problem = "mark without a name";
                return false;
            case TelnyxEvent.Start:
                if (startStart < 0 || (startLength > 0 && json[startStart] != (byte)'{'))
                {
                    problem = "start without a start object";
                    return false;
                }

                if (streamId.IsEmpty)
                {
                    problem = "start without a stream_id";
                    return false;
                }

                message.Start = ReadStart(json.Slice(startStart, startLength), System.Text.Encoding.UTF8.GetString(streamId), out problem);
                return message.Start is not null;
            default:
                return true;
        }
    }

    /// <summary>
    /// The value of <paramref name="name"/> in the object at the reader, as text whether it is a string or a number,
    /// and the object's <c>title</c> when there is one; null when absent or not an object. Off the per-frame path.
    /// </summary>
    private static string? ReadObjectText(ref Utf8JsonReader reader, ReadOnlySpan<byte> name, out string? title)
    {
        title = null;
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return null;
        }

        string? value = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var wanted = reader.ValueTextEquals(name);
            var isTitle = reader.ValueTextEquals("title"u8);
            reader.Read();
            if (wanted || isTitle)
            {
                var text = reader.TokenType switch
                {
                    JsonTokenType.String => reader.GetString(),
                    JsonTokenType.Number => System.Text.Encoding.UTF8.GetString(reader.ValueSpan),
                    _ => null,
                };
                if (wanted)
                {
                    value = text;
                }
                else
                {
                    title = text;
                }
            }

            reader.Skip();
        }

        return value;
    }

    private static TelnyxEvent ReadEvent(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            return TelnyxEvent.Unknown;
        }

        // Most frequent first: media is 50 a second.
        if (reader.ValueTextEquals("media"u8))
        {
            return TelnyxEvent.Media;
        }

        if (reader.ValueTextEquals("mark"u8))
        {
            return TelnyxEvent.Mark;
        }

        if (reader.ValueTextEquals("start"u8))
        {
            return TelnyxEvent.Start;
        }

        if (reader.ValueTextEquals("connected"u8))
        {
            return TelnyxEvent.Connected;
        }

        if (reader.ValueTextEquals("dtmf"u8))
        {
            return TelnyxEvent.Dtmf;
        }

        if (reader.ValueTextEquals("error"u8))
        {
            return TelnyxEvent.Error;
        }

        return reader.ValueTextEquals("stop"u8) ? TelnyxEvent.Stop : TelnyxEvent.Unknown;
    }

    private static TelnyxStart? ReadStart(ReadOnlySpan<byte> json, string streamId, out string? problem)
    {
        TelnyxStartBody? body;
        try
        {
            body = JsonSerializer.Deserialize(json, TelnyxJsonContext.Default.TelnyxStartBody);
        }
        catch (JsonException)
        {
            problem = "start is malformed (custom_parameters must map names to strings)";
            return null;
        }

        if (body is null)
        {
            problem = "start without a start object";
            return null;
        }

        problem = null;
        // The session speaks of μ-law by Twilio's name; any other encoding passes through as Telnyx wrote it and is
        // refused there, naming it.
        var encoding = string.Equals(body.MediaFormat?.Encoding, "PCMU", StringComparison.Ordinal) ? MuLawEncoding : body.MediaFormat?.Encoding;
        var caller = new CallerStart(
            streamId,
            body.CallControlId,
            AccountSid: null,
            encoding,
            body.MediaFormat?.SampleRate,
            body.MediaFormat?.Channels,
            body.CustomParameters ?? []);
        return new TelnyxStart(caller, body.From, body.To);
    }
}
