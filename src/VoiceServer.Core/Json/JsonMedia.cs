using System.Buffers.Text;
using System.Text.Json;

namespace VoiceServer.Json;

/// <summary>
/// The <c>media</c> object the carriers send 50 times a second (Twilio, Telnyx and Plivo alike): its base64
/// <c>payload</c> in place and its <c>timestamp</c> in milliseconds, read without allocating.
/// </summary>
public static class JsonMedia
{
    /// <summary>
    /// Reads the object at the reader (positioned on its start). <paramref name="timestampMs"/> is -1 when absent or
    /// not a whole number of digits; a JSON number is accepted only where <paramref name="numberTimestampAllowed"/>
    /// (Twilio documents a string). False when the value is not an object.
    /// </summary>
    public static bool TryRead(
        ReadOnlySpan<byte> json,
        scoped ref Utf8JsonReader reader,
        Span<byte> scratch,
        scoped ref int scratchUsed,
        bool numberTimestampAllowed,
        out ReadOnlySpan<byte> payload,
        out long timestampMs)
    {
        payload = default;
        timestampMs = -1;
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("payload"u8))
            {
                reader.Read();
                payload = JsonStrings.Read(json, ref reader, scratch, ref scratchUsed);
            }
            else if (reader.ValueTextEquals("timestamp"u8))
            {
                reader.Read();
                var typed = reader.TokenType == JsonTokenType.String || (numberTimestampAllowed && reader.TokenType == JsonTokenType.Number);
                if (typed && !reader.ValueIsEscaped &&
                    Utf8Parser.TryParse(reader.ValueSpan, out long timestamp, out var consumed) && consumed == reader.ValueSpan.Length && timestamp >= 0)
                {
                    timestampMs = timestamp;
                }
            }
            else
            {
                reader.Read();
            }

            reader.Skip();
        }

        return true;
    }
}
