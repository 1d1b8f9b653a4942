using System.Buffers.Binary;
using System.Text;
using VoiceServer.Audio;

namespace VoiceServer.TwilioEmulator;

/// <summary>Reads 8 kHz mono WAV files (μ-law or 16-bit PCM) as raw μ-law bytes.</summary>
public static class WavReader
{
    private const int FormatPcm = 1;
    private const int FormatMuLaw = 7;
    private const int FormatExtensible = 0xFFFE;
    private const int PhoneSampleRate = 8000;

    public static byte[] ReadMulawFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return ReadMulaw(File.ReadAllBytes(path), path);
    }

    public static byte[] ReadMulaw(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return ReadMulaw(copy.ToArray(), "stream");
    }

    /// <summary>Walks the RIFF chunks (fmt, fact, LIST, data in any order, odd sizes padded).</summary>
    public static byte[] ReadMulaw(ReadOnlySpan<byte> wav, string source = "WAV data")
    {
        if (wav.Length < 12 || !wav[..4].SequenceEqual("RIFF"u8) || !wav[8..12].SequenceEqual("WAVE"u8))
        {
            throw new InvalidDataException($"{source} is not a RIFF/WAVE file.");
        }

        int? format = null;
        var channels = 0;
        var sampleRate = 0;
        var bitsPerSample = 0;
        var offset = 12;
        while (offset + 8 <= wav.Length)
        {
            var id = Encoding.ASCII.GetString(wav.Slice(offset, 4));
            var declared = BinaryPrimitives.ReadUInt32LittleEndian(wav.Slice(offset + 4, 4));
            var bodyStart = offset + 8;
            // Streamed WAVs (sox or ffmpeg writing to a pipe) leave the size at 0 or 0xFFFFFFFF: clamp to the file.
            var size = (int)Math.Min(declared, (uint)(wav.Length - bodyStart));
            var body = wav.Slice(bodyStart, size);
            switch (id)
            {
                case "fmt ":
                    if (size < 16)
                    {
                        throw new InvalidDataException($"{source}: fmt chunk too short.");
                    }

                    format = BinaryPrimitives.ReadUInt16LittleEndian(body);
                    channels = BinaryPrimitives.ReadUInt16LittleEndian(body[2..]);
                    sampleRate = (int)BinaryPrimitives.ReadUInt32LittleEndian(body[4..]);
                    bitsPerSample = BinaryPrimitives.ReadUInt16LittleEndian(body[14..]);
                    if (format == FormatExtensible && size >= 26)
                    {
                        // WAVE_FORMAT_EXTENSIBLE: the real format code opens the sub-format GUID.
                        format = BinaryPrimitives.ReadUInt16LittleEndian(body[24..]);
                    }

                    break;
                case "data":
                    if (format is null)
                    {
                        throw new InvalidDataException($"{source}: data chunk before fmt chunk.");
                    }

                    return Convert(body, format.Value, channels, sampleRate, bitsPerSample, source);
            }

            offset = bodyStart + size + (size & 1);
        }

        throw new InvalidDataException($"{source}: no data chunk.");
    }

    private static byte[] Convert(ReadOnlySpan<byte> data, int format, int channels, int sampleRate, int bits, string source)
    {
        if (channels != 1 || sampleRate != PhoneSampleRate)
        {
            throw new InvalidDataException(
                $"{source}: {sampleRate} Hz, {channels} channel(s); only 8000 Hz mono is supported (convert with sox -r 8000 -c 1).");
        }

        if (format == FormatMuLaw && bits == 8)
        {
            return data.ToArray();
        }

        if (format == FormatPcm && bits == 16)
        {
            var result = new byte[data.Length / 2];
            for (var i = 0; i < result.Length; i++)
            {
                result[i] = MuLaw.Encode(BinaryPrimitives.ReadInt16LittleEndian(data.Slice(i * 2, 2)));
            }

            return result;
        }

        throw new InvalidDataException(
            $"{source}: format {format} with {bits} bits per sample; only μ-law (7, 8-bit) and PCM (1, 16-bit) are supported.");
    }
}
