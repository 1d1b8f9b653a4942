using System.Buffers.Binary;

namespace VoiceServer.TwilioEmulator;

/// <summary>
/// Writes μ-law WAV files (format 7, 8000 Hz, mono, 8 bits) that common players open, and 16-bit PCM ones (what a
/// browser's fake microphone reads).
/// </summary>
public static class WavWriter
{
    // Header: RIFF (12) + fmt chunk (8 + 18) + fact chunk (8 + 4) + data chunk header (8).
    private const int HeaderBytes = 12 + 26 + 12 + 8;

    public static void WriteMulaw(Stream stream, ReadOnlySpan<byte> mulaw)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var pad = mulaw.Length & 1;
        Span<byte> header = stackalloc byte[HeaderBytes];
        "RIFF"u8.CopyTo(header);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], (uint)(HeaderBytes - 8 + mulaw.Length + pad));
        "WAVE"u8.CopyTo(header[8..]);

        "fmt "u8.CopyTo(header[12..]);
        BinaryPrimitives.WriteUInt32LittleEndian(header[16..], 18);
        BinaryPrimitives.WriteUInt16LittleEndian(header[20..], 7);     // WAVE_FORMAT_MULAW
        BinaryPrimitives.WriteUInt16LittleEndian(header[22..], 1);     // channels
        BinaryPrimitives.WriteUInt32LittleEndian(header[24..], 8000);  // sample rate
        BinaryPrimitives.WriteUInt32LittleEndian(header[28..], 8000);  // byte rate
        BinaryPrimitives.WriteUInt16LittleEndian(header[32..], 1);     // block align
        BinaryPrimitives.WriteUInt16LittleEndian(header[34..], 8);     // bits per sample
        BinaryPrimitives.WriteUInt16LittleEndian(header[36..], 0);     // cbSize

        // Non-PCM formats carry a fact chunk with the sample count.
        "fact"u8.CopyTo(header[38..]);
        BinaryPrimitives.WriteUInt32LittleEndian(header[42..], 4);
        BinaryPrimitives.WriteUInt32LittleEndian(header[46..], (uint)mulaw.Length);

        "data"u8.CopyTo(header[50..]);
        BinaryPrimitives.WriteUInt32LittleEndian(header[54..], (uint)mulaw.Length);

        stream.Write(header);
        stream.Write(mulaw);
        if (pad != 0)
        {
            stream.WriteByte(0);
        }
    }

    public static void WriteMulawFile(string path, ReadOnlySpan<byte> mulaw)
    {
        using var file = File.Create(path);
        WriteMulaw(file, mulaw);
    }

    /// <summary>A plain PCM WAV (format 1, mono, 16 bits) at <paramref name="sampleRate"/>.</summary>
    public static void WritePcm16File(string path, ReadOnlySpan<short> samples, int sampleRate)
    {
        const int PcmHeaderBytes = 44;
        var dataBytes = samples.Length * 2;
        var bytes = new byte[PcmHeaderBytes + dataBytes];
        var header = bytes.AsSpan();
        "RIFF"u8.CopyTo(header);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], (uint)(PcmHeaderBytes - 8 + dataBytes));
        "WAVE"u8.CopyTo(header[8..]);
        "fmt "u8.CopyTo(header[12..]);
        BinaryPrimitives.WriteUInt32LittleEndian(header[16..], 16);
        BinaryPrimitives.WriteUInt16LittleEndian(header[20..], 1);                      // WAVE_FORMAT_PCM
        BinaryPrimitives.WriteUInt16LittleEndian(header[22..], 1);                      // channels
        BinaryPrimitives.WriteUInt32LittleEndian(header[24..], (uint)sampleRate);
        BinaryPrimitives.WriteUInt32LittleEndian(header[28..], (uint)(sampleRate * 2)); // byte rate
        BinaryPrimitives.WriteUInt16LittleEndian(header[32..], 2);                      // block align
        BinaryPrimitives.WriteUInt16LittleEndian(header[34..], 16);                     // bits per sample
        "data"u8.CopyTo(header[36..]);
        BinaryPrimitives.WriteUInt32LittleEndian(header[40..], (uint)dataBytes);
        for (var i = 0; i < samples.Length; i++)
        {
            BinaryPrimitives.WriteInt16LittleEndian(header[(PcmHeaderBytes + (2 * i))..], samples[i]);
        }

        File.WriteAllBytes(path, bytes);
    }
}
