using System.Buffers.Binary;
using VoiceServer.Audio;

namespace VoiceServer.RealtimeEmulator.Audio;

/// <summary>
/// The emulator thinks in 8 kHz μ-law (its VAD, echo, chime and every millisecond count); a session in
/// <c>audio/pcm</c> (16-bit little-endian, 24 kHz) is converted at the edges. Three input samples are averaged
/// into one (a crude low-pass, enough for an energy VAD and an echo) and each output sample is interpolated into
/// three. Milliseconds are the same on both sides, so truncation and timing need no change.
/// </summary>
internal static class Pcm24Conversion
{
    /// <summary>24 kHz over 8 kHz.</summary>
    public const int Ratio = 3;

    /// <summary>Bytes of <c>audio/pcm</c> per μ-law byte: three samples of two bytes.</summary>
    public const int BytesPerMuLawByte = Ratio * 2;

    /// <summary>
    /// Whole groups of three samples become one μ-law byte each; a trailing partial group waits in
    /// <paramref name="carry"/> (at most five bytes) for the next append, so odd chunk sizes lose no time.
    /// </summary>
    public static byte[] ToMuLaw(ReadOnlySpan<byte> pcm24, List<byte> carry)
    {
        ArgumentNullException.ThrowIfNull(carry);
        var joined = carry.Count == 0 ? pcm24 : [.. carry, .. pcm24];
        carry.Clear();
        var result = new byte[joined.Length / BytesPerMuLawByte];
        for (var i = 0; i < result.Length; i++)
        {
            var group = joined.Slice(i * BytesPerMuLawByte, BytesPerMuLawByte);
            var sum = BinaryPrimitives.ReadInt16LittleEndian(group) +
                BinaryPrimitives.ReadInt16LittleEndian(group[2..]) +
                BinaryPrimitives.ReadInt16LittleEndian(group[4..]);
            result[i] = MuLaw.Encode((short)(sum / Ratio));
        }

        carry.AddRange(joined[(result.Length * BytesPerMuLawByte)..]);
        return result;
    }

    /// <summary>Each μ-law byte becomes three samples, stepping linearly towards the next one.</summary>
    public static byte[] FromMuLaw(ReadOnlySpan<byte> mulaw)
    {
        var result = new byte[mulaw.Length * BytesPerMuLawByte];
        for (var i = 0; i < mulaw.Length; i++)
        {
            int current = MuLaw.Decode(mulaw[i]);
            int next = i + 1 < mulaw.Length ? MuLaw.Decode(mulaw[i + 1]) : current;
            for (var step = 0; step < Ratio; step++)
            {
                var sample = (short)(current + ((next - current) * step / Ratio));
                BinaryPrimitives.WriteInt16LittleEndian(result.AsSpan((i * BytesPerMuLawByte) + (step * 2)), sample);
            }
        }

        return result;
    }
}
