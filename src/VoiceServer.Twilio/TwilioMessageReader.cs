using System.Text.Json;
using VoiceServer.Json;
using VoiceServer.Legs;

namespace VoiceServer.Twilio;

/// <summary>Reads Twilio's inbound JSON with <see cref="Utf8JsonReader"/>, dispatching on <c>event</c>.</summary>
internal static class TwilioMessageReader
{
    /// <summary>
    /// Reads one message. <paramref name="scratch"/> must be at least as long as <paramref name="json"/>; it is
    /// used only when a string value carries JSON escapes. False with a reason when the message is malformed.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> json, Span<byte> scratch, out TwilioInboundMessage message, out string? problem)
    {
        message = default;
        message.MediaTimestampMs = -1;
        problem = null;
        var scratchUsed = 0;
        var startStart = -1;
        var startLength = 0;
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
                    if (!JsonMedia.TryRead(json, ref reader, scratch, ref scratchUsed, numberTimestampAllowed: false, out message.Payload, out message.MediaTimestampMs))
                    {
                        problem = "media is not an object";
                        return false;
                    }
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
                    if (reader.TokenType == JsonTokenType.StartObject)
                    {
                        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                        {
                            if (reader.ValueTextEquals("digit"u8) && reader.Read() && reader.TokenType == JsonTokenType.String)
                            {
                                message.Digit = reader.GetString();
                            }
                            else
                            {
                                reader.Skip();
                            }
                        }
                    }
                    else
                    {
                        reader.Skip();
                    }
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
            case TwilioEvent.Media when message.Payload.IsEmpty:
                problem = "media without a payload";
                return false;
            case TwilioEvent.Mark when message.MarkName.IsEmpty:
                problem = "mark without a name";
                return false;
            case TwilioEvent.Start:
                if (startStart < 0)
                {
                    problem = "start without a start object";
                    return false;
                }

                message.Start = ReadStart(json.Slice(startStart, startLength), out problem);
                return message.Start is not null;
            default:
                return true;
        }
    }

    private static TwilioEvent ReadEvent(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            return TwilioEvent.Unknown;
        }

        // Most frequent first: media is 50 a second.
        if (reader.ValueTextEquals("media"u8))
        {
            return TwilioEvent.Media;
        }

        if (reader.ValueTextEquals("mark"u8))
        {
            return TwilioEvent.Mark;
        }

        if (reader.ValueTextEquals("start"u8))
        {
            return TwilioEvent.Start;
        }

        if (reader.ValueTextEquals("connected"u8))
        {
            return TwilioEvent.Connected;
        }

        if (reader.ValueTextEquals("dtmf"u8))
        {
            return TwilioEvent.Dtmf;
        }

        return reader.ValueTextEquals("stop"u8) ? TwilioEvent.Stop : TwilioEvent.Unknown;
    }

    private static CallerStart? ReadStart(ReadOnlySpan<byte> json, out string? problem)
    {
        TwilioStartBody? body;
        try
        {
            body = JsonSerializer.Deserialize(json, TwilioJsonContext.Default.TwilioStartBody);
        }
        catch (JsonException)
        {
            problem = "start is malformed (customParameters must map names to strings)";
            return null;
        }

        if (body?.StreamSid is not { Length: > 0 } streamSid)
        {
            problem = "start without a streamSid";
            return null;
        }

        problem = null;
        return new CallerStart(
            streamSid,
            body.CallSid,
            body.AccountSid,
            body.MediaFormat?.Encoding,
            body.MediaFormat?.SampleRate,
            body.MediaFormat?.Channels,
            body.CustomParameters ?? []);
    }
}
