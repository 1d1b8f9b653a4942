using System.Text.Json;

namespace VoiceServer.Json;

/// <summary>Reading JSON string values in place, for the zero-allocation message readers of both adapters.</summary>
public static class JsonStrings
{
    /// <summary>
    /// The current string token's value as a slice of <paramref name="json"/>, or, when it carries escapes, its
    /// unescaped bytes written into <paramref name="scratch"/> (which must be as long as the message).
    /// Empty when the token is not a string.
    /// </summary>
    public static ReadOnlySpan<byte> Read(ReadOnlySpan<byte> json, scoped ref Utf8JsonReader reader, Span<byte> scratch, scoped ref int scratchUsed)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            return default;
        }

        if (!reader.ValueIsEscaped)
        {
            // The token's bytes inside the message, after the opening quote.
            return json.Slice((int)reader.TokenStartIndex + 1, reader.ValueSpan.Length);
        }

        // Rare: base64's '/' may legally arrive as "\/". Undo the escapes into the scratch buffer.
        var destination = scratch[scratchUsed..];
        var written = reader.CopyString(destination);
        scratchUsed += written;
        return destination[..written];
    }

    /// <summary>
    /// Reads the object value at the reader (positioned on its start) and returns one string property of it,
    /// skipping every other property. False when the value is not an object.
    /// </summary>
    public static bool TryReadObjectString(
        ReadOnlySpan<byte> json,
        scoped ref Utf8JsonReader reader,
        ReadOnlySpan<byte> propertyName,
        Span<byte> scratch,
        scoped ref int scratchUsed,
        out ReadOnlySpan<byte> value)
    {
        value = default;
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var wanted = reader.ValueTextEquals(propertyName);
            reader.Read();
            if (wanted)
            {
                value = Read(json, ref reader, scratch, ref scratchUsed);
            }

            reader.Skip();
        }

        return true;
    }
}
