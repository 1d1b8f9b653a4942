using System.Numerics;

namespace VoiceServer.Audio;

/// <summary>
/// G.711 μ-law at 8 kHz mono (one byte per sample), the only format on both sockets. The bridge never decodes it;
/// the codec is for the Realtime emulator's VAD and chime, the simulator's WAV files and the tests' audio.
/// </summary>
public static class MuLaw
{
    /// <summary>The code for a zero sample: what silence looks like on the wire.</summary>
    public const byte Silence = 0xFF;

    /// <summary>Samples per second; one byte per sample, so also bytes per second.</summary>
    public const int SampleRate = 8000;

    /// <summary>8,000 samples a second, one byte each: 8 bytes per millisecond.</summary>
    public const int BytesPerMillisecond = SampleRate / 1000;

    // G.711 encoder constants: a bias of 0x84 moves every segment boundary onto a power of two; 32635 is the
    // largest magnitude that still fits the top segment once the bias is added.
    private const int Bias = 0x84;
    private const int Clip = 32635;

    private static readonly short[] s_decodeTable = BuildDecodeTable();

    public static short Decode(byte value) => s_decodeTable[value];

    public static void Decode(ReadOnlySpan<byte> source, Span<short> destination)
    {
        if (destination.Length < source.Length)
        {
            throw new ArgumentException("The destination is shorter than the source.", nameof(destination));
        }

        for (var i = 0; i < source.Length; i++)
        {
            destination[i] = s_decodeTable[source[i]];
        }
    }

    public static short[] Decode(ReadOnlySpan<byte> source)
    {
        var result = new short[source.Length];
        Decode(source, result);
        return result;
    }

    public static byte Encode(short sample)
    {
        int value = sample;
        var sign = value < 0 ? 0x80 : 0x00;
        if (value < 0)
        {
            value = -value;
        }

        value = Math.Min(value, Clip) + Bias;

        // The segment is the position of the highest set bit above the 7 bits every segment shares.
        var exponent = BitOperations.Log2((uint)(value >> 7) | 1);
        var mantissa = (value >> (exponent + 3)) & 0x0F;
        return (byte)~(sign | (exponent << 4) | mantissa);
    }

    public static void Encode(ReadOnlySpan<short> source, Span<byte> destination)
    {
        if (destination.Length < source.Length)
        {
            throw new ArgumentException("The destination is shorter than the source.", nameof(destination));
        }

        for (var i = 0; i < source.Length; i++)
        {
            destination[i] = Encode(source[i]);
        }
    }

    public static byte[] Encode(ReadOnlySpan<short> source)
    {
        var result = new byte[source.Length];
        Encode(source, result);
        return result;
    }

    private static short[] BuildDecodeTable()
    {
        // The standard G.711 expansion: invert, then rebuild the biased magnitude from segment and mantissa.
        var table = new short[256];
        for (var code = 0; code < 256; code++)
        {
            var inverted = ~code & 0xFF;
            var exponent = (inverted >> 4) & 0x07;
            var mantissa = inverted & 0x0F;
            var magnitude = (((mantissa << 3) + Bias) << exponent) - Bias;
            table[code] = (short)((inverted & 0x80) != 0 ? -magnitude : magnitude);
        }

        return table;
    }
}
