using System.Numerics;

namespace VoiceServer.Fakes;

/// <summary>G.711 μ-law, the codec of Twilio media and of the Realtime API's <c>audio/pcmu</c>.</summary>
public static class MuLaw
{
    /// <summary>μ-law of a zero sample: what Twilio sends for silence.</summary>
    public const byte Silence = 0xFF;

    // G.711 constants: samples are biased by 132 and clipped so the biased value stays within 15 bits.
    private const int Bias = 0x84;
    private const int Clip = 32635;

    public static byte Encode(short sample)
    {
        int pcm = sample;
        var sign = 0;
        if (pcm < 0)
        {
            sign = 0x80;
            pcm = -pcm;
        }

        if (pcm > Clip)
        {
            pcm = Clip;
        }

        pcm += Bias;
        // The segment is the position of the highest set bit above bit 7 (pcm >= 132, so Log2 >= 7).
        var exponent = BitOperations.Log2((uint)pcm) - 7;
        var mantissa = (pcm >> (exponent + 3)) & 0x0F;
        return (byte)~(sign | (exponent << 4) | mantissa);
    }

    public static short Decode(byte value)
    {
        var inverted = ~value & 0xFF;
        var exponent = (inverted >> 4) & 0x07;
        var mantissa = inverted & 0x0F;
        var magnitude = ((mantissa << 3) + Bias) << exponent;
        return (short)((inverted & 0x80) != 0 ? Bias - magnitude : magnitude - Bias);
    }

    public static byte[] Encode(ReadOnlySpan<short> samples)
    {
        var result = new byte[samples.Length];
        for (var i = 0; i < samples.Length; i++)
        {
            result[i] = Encode(samples[i]);
        }

        return result;
    }

    public static short[] Decode(ReadOnlySpan<byte> values)
    {
        var result = new short[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            result[i] = Decode(values[i]);
        }

        return result;
    }
}
