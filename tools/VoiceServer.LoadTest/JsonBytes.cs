namespace VoiceServer.LoadTest;

/// <summary>
/// The load tool's few JSON moves, on bytes: find a string value after its key, append bytes. Enough for the fixed
/// shapes the server sends (it never escapes base64 or ids); not a JSON parser.
/// </summary>
internal static class JsonBytes
{
    /// <summary>Twilio's media events, as the generator and the floor recognise them.</summary>
    public static ReadOnlySpan<byte> MediaEvent => "\"event\":\"media\""u8;

    /// <summary>The key before a Twilio media payload.</summary>
    public static ReadOnlySpan<byte> PayloadKey => "\"payload\":\""u8;

    /// <summary>Where the string value after <paramref name="key"/> (which ends with its opening quote) lies; length -1 if absent.</summary>
    public static (int Start, int Length) Find(ReadOnlySpan<byte> message, ReadOnlySpan<byte> key)
    {
        var at = message.IndexOf(key);
        if (at < 0)
        {
            return (0, -1);
        }

        var start = at + key.Length;
        var end = message[start..].IndexOf((byte)'"');
        return end < 0 ? (0, -1) : (start, end);
    }

    public static ReadOnlySpan<byte> ValueAfter(ReadOnlySpan<byte> message, ReadOnlySpan<byte> key) =>
        Find(message, key) is { Length: >= 0 } found ? message.Slice(found.Start, found.Length) : default;

    public static void Append(Span<byte> span, ref int length, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(span[length..]);
        length += bytes.Length;
    }
}
