using System.Buffers;
using System.Text.Json;
using VoiceServer.Json;
using VoiceServer.Legs;

namespace VoiceServer.Plivo;

/// <summary>The inbound Plivo events (plivo-audio-streams §3).</summary>
internal enum PlivoEvent
{
    Unknown,
    Start,
    Media,

    /// <summary><c>playedStream</c> (or <c>played</c>, the name one support article uses): a checkpoint played.</summary>
    PlayedStream,

    /// <summary>The answer to <c>clearAudio</c>; nothing to do.</summary>
    ClearedAudio,
    Dtmf,

    /// <summary>Not in Plivo's list, but mapped by its Java stream SDK (§3.7): an early notice of the close.</summary>
    Stop,
}

/// <summary>
/// One inbound message, read in place: <see cref="Payload"/> and <see cref="CheckpointName"/> point into the
/// received bytes (or the scratch buffer when JSON escapes had to be undone), so a media frame costs no allocation.
/// </summary>
internal ref struct PlivoInboundMessage
{
    public PlivoEvent Event;
    public ReadOnlySpan<byte> Payload;

    /// <summary><c>media.timestamp</c> in milliseconds; -1 when absent.</summary>
    public long MediaTimestampMs;

    /// <summary>A <c>playedStream</c>'s top-level <c>name</c>: the checkpoint's name.</summary>
    public ReadOnlySpan<byte> CheckpointName;
    public string? Digit;
    public CallerStart? Start;
}

/// <summary>
/// Reads Plivo's inbound JSON with <see cref="Utf8JsonReader"/>, dispatching on <c>event</c>. The names are
/// camelCase but <c>extra_headers</c>, the stream id of <c>start</c> is inside <c>start</c>, and numbers are numbers
/// (§8, pitfall 4): this is why it is not Twilio's reader.
/// </summary>
internal static class PlivoMessageReader
{
    /// <summary>Plivo's name for μ-law, which is also the name the session knows it by.</summary>
    public const string MuLawEncoding = "audio/x-mulaw";

    /// <summary><c>extraHeaders</c> is at most 512 bytes (§2.2); more is not Plivo's.</summary>
    public const int MaxExtraHeadersBytes = 512;

    /// <summary>
    /// Ids go back out in <c>checkpoint</c> and <c>clearAudio</c> and into REST URLs: only what a UUID is made of,
    /// and no longer than an id needs.
    /// </summary>
    public const int MaxIdLength = 64;

    private static readonly SearchValues<char> s_idCharacters =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-");

    /// <summary>True for a stream or call id Plivo could have issued (a UUID's characters).</summary>
    public static bool IsValidId(string? id) =>
        id is { Length: > 0 and <= MaxIdLength } && !id.AsSpan().ContainsAnyExcept(s_idCharacters);

    /// <summary>
    /// Reads one message. <paramref name="scratch"/> must be at least as long as <paramref name="json"/>; it is
    /// used only when a string value carries JSON escapes. False with a reason when the message is malformed.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> json, Span<byte> scratch, out PlivoInboundMessage message, out string? problem)
    {
        message = default;
        message.MediaTimestampMs = -1;
        problem = null;
        var scratchUsed = 0;
        var startStart = -1;
        var startLength = 0;
        ReadOnlySpan<byte> extraHeaders = default;
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
                else if (reader.ValueTextEquals("name"u8))
                {
                    reader.Read();
                    message.CheckpointName = JsonStrings.Read(json, ref reader, scratch, ref scratchUsed);
                }
                else if (reader.ValueTextEquals("extra_headers"u8))
                {
                    // Kept as a slice: only start turns it into parameters (it repeats on every media frame).
                    reader.Read();
                    extraHeaders = JsonStrings.Read(json, ref reader, scratch, ref scratchUsed);
                }
                else if (reader.ValueTextEquals("dtmf"u8))
                {
                    reader.Read();
                    message.Digit = ReadDigit(ref reader);
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
            case PlivoEvent.Media when message.Payload.IsEmpty:
                problem = "media without a payload";
                return false;
            case PlivoEvent.PlayedStream when message.CheckpointName.IsEmpty:
                problem = "playedStream without a name";
                return false;
            case PlivoEvent.Start:
                if (startStart < 0 || json[startStart] != (byte)'{')
                {
                    problem = "start without a start object";
                    return false;
                }

                if (extraHeaders.Length > MaxExtraHeadersBytes)
                {
                    problem = "extra_headers longer than Plivo allows";
                    return false;
                }

                message.Start = ReadStart(json.Slice(startStart, startLength), extraHeaders, out problem);
                return message.Start is not null;
            default:
                return true;
        }
    }

    /// <summary>
    /// <c>extraHeaders</c> as name/value pairs. Plivo's XML example separates pairs with <c>,</c> and its
    /// <c>start</c> example with <c>;</c> (§2.3): both are accepted. A pair without <c>=</c> is ignored; the
    /// first of a repeated name wins.
    /// </summary>
    public static Dictionary<string, string> ParseExtraHeaders(ReadOnlySpan<char> text)
    {
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var range in text.SplitAny(",;"))
        {
            var pair = text[range].Trim();
            var equals = pair.IndexOf('=');
            if (equals <= 0)
            {
                continue;
            }

            parameters.TryAdd(pair[..equals].Trim().ToString(), pair[(equals + 1)..].Trim().ToString());
        }

        return parameters;
    }

    /// <summary><c>dtmf.digit</c> (a string; a number is accepted too); null when absent. Off the per-frame path.</summary>
    private static string? ReadDigit(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return null;
        }

        string? digit = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var wanted = reader.ValueTextEquals("digit"u8);
            reader.Read();
            if (wanted)
            {
                digit = reader.TokenType switch
                {
                    JsonTokenType.String => reader.GetString(),
                    JsonTokenType.Number => System.Text.Encoding.UTF8.GetString(reader.ValueSpan),
                    _ => null,
                };
            }

            reader.Skip();
        }

        return digit;
    }

    private static PlivoEvent ReadEvent(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            return PlivoEvent.Unknown;
        }

        // Most frequent first: media is 50 a second.
        if (reader.ValueTextEquals("media"u8))
        {
            return PlivoEvent.Media;
        }

        if (reader.ValueTextEquals("playedStream"u8) || reader.ValueTextEquals("played"u8))
        {
            return PlivoEvent.PlayedStream;
        }

        if (reader.ValueTextEquals("clearedAudio"u8))
        {
            return PlivoEvent.ClearedAudio;
        }

        if (reader.ValueTextEquals("start"u8))
        {
            return PlivoEvent.Start;
        }

        if (reader.ValueTextEquals("dtmf"u8))
        {
            return PlivoEvent.Dtmf;
        }

        return reader.ValueTextEquals("stop"u8) ? PlivoEvent.Stop : PlivoEvent.Unknown;
    }

    private static CallerStart? ReadStart(ReadOnlySpan<byte> json, ReadOnlySpan<byte> extraHeaders, out string? problem)
    {
        PlivoStartBody? body;
        try
        {
            body = JsonSerializer.Deserialize(json, PlivoJsonContext.Default.PlivoStartBody);
        }
        catch (JsonException)
        {
            problem = "start is malformed";
            return null;
        }

        if (body is null)
        {
            problem = "start without a start object";
            return null;
        }

        if (!IsValidId(body.StreamId))
        {
            problem = "start without a valid streamId";
            return null;
        }

        if (body.CallId is not null && !IsValidId(body.CallId))
        {
            problem = "start with an invalid callId";
            return null;
        }

        problem = null;
        return new CallerStart(
            body.StreamId!,
            body.CallId,
            body.AccountId,
            body.MediaFormat?.Encoding,
            body.MediaFormat?.SampleRate,
            // Plivo names no channel count: with audioTrack="inbound" the stream is the caller's track alone (§2.2).
            Channels: 1,
            ParseExtraHeaders(System.Text.Encoding.UTF8.GetString(extraHeaders)));
    }
}
