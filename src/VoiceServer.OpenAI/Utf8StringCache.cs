using System.Text;

namespace VoiceServer.OpenAI;

/// <summary>
/// Turns the ids of audio deltas (the same response and item id, hundreds of times) into strings without a new
/// string per delta: the last few are kept with their UTF-8 bytes.
/// </summary>
internal sealed class Utf8StringCache
{
    // Deltas alternate between one response id and one item id; a few spare slots cover overlapping items.
    private const int Capacity = 8;

    private readonly byte[][] _keys = new byte[Capacity][];
    private readonly string[] _values = new string[Capacity];
    private int _next;

    public string Get(ReadOnlySpan<byte> utf8)
    {
        for (var i = 0; i < Capacity; i++)
        {
            if (_keys[i] is { } key && utf8.SequenceEqual(key))
            {
                return _values[i];
            }
        }

        var value = Encoding.UTF8.GetString(utf8);
        _keys[_next] = utf8.ToArray();
        _values[_next] = value;
        _next = (_next + 1) % Capacity;
        return value;
    }
}
