using System.Buffers.Text;

namespace VoiceServer.Playback;

/// <summary>
/// Mark names carry their kind, the playback generation and a unique sequence number, e.g. <c>a:g3:m17</c>, so an
/// echo flushed by an earlier <c>clear</c> is recognised. Formatted and parsed as UTF-8, without strings.
/// </summary>
public static class MarkName
{
    /// <summary>Longest possible name: kind, two separators, two prefixes and two 19-digit numbers.</summary>
    public const int MaxLength = 1 + 2 + 2 + (2 * 19);

    public static int Format(Span<byte> destination, MarkKind kind, long generation, long sequence)
    {
        destination[0] = (byte)kind;
        destination[1] = (byte)':';
        destination[2] = (byte)'g';
        Utf8Formatter.TryFormat(generation, destination[3..], out var written);
        var position = 3 + written;
        destination[position++] = (byte)':';
        destination[position++] = (byte)'m';
        Utf8Formatter.TryFormat(sequence, destination[position..], out written);
        return position + written;
    }

    public static bool TryParse(ReadOnlySpan<byte> name, out MarkKind kind, out long generation, out long sequence)
    {
        kind = default;
        generation = 0;
        sequence = 0;
        if (name.Length < 7 || (name[0] != (byte)MarkKind.Audio && name[0] != (byte)MarkKind.Done) || !name[1..].StartsWith(":g"u8))
        {
            return false;
        }

        var rest = name[3..];
        if (!Utf8Parser.TryParse(rest, out generation, out var consumed) || !rest[consumed..].StartsWith(":m"u8))
        {
            return false;
        }

        rest = rest[(consumed + 2)..];
        if (!Utf8Parser.TryParse(rest, out sequence, out consumed) || consumed != rest.Length)
        {
            return false;
        }

        kind = (MarkKind)name[0];
        return true;
    }
}
