using System.Buffers.Binary;
using System.Text;

namespace VoiceServer.RealtimeEmulator.Tests;

/// <summary>The shared audio fixtures (8 kHz μ-law WAVs), found beside the repository root.</summary>
internal static class AudioFixtures
{
    public const string Booking = "caller-booking-8k-mulaw.wav";
    public const string Interrupt = "caller-interrupt-8k-mulaw.wav";
    public const string Silence = "silence-2s-8k-mulaw.wav";

    // WAVE_FORMAT_MULAW in the fmt chunk.
    private const ushort MuLawFormatTag = 7;

    private static readonly Lazy<string> s_directory = new(FindDirectory);

    /// <summary>The μ-law samples of a fixture (the WAV's data chunk), after checking it is 8 kHz mono μ-law.</summary>
    public static byte[] ReadMuLaw(string fileName)
    {
        var bytes = File.ReadAllBytes(Path.Combine(s_directory.Value, fileName));
        if (Encoding.ASCII.GetString(bytes, 0, 4) != "RIFF" || Encoding.ASCII.GetString(bytes, 8, 4) != "WAVE")
        {
            throw new InvalidDataException($"{fileName} is not a RIFF/WAVE file.");
        }

        var formatChecked = false;
        var offset = 12;
        while (offset + 8 <= bytes.Length)
        {
            var id = Encoding.ASCII.GetString(bytes, offset, 4);
            var size = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(offset + 4));
            var body = bytes.AsSpan(offset + 8, Math.Min(size, bytes.Length - offset - 8));
            if (id == "fmt ")
            {
                var formatTag = BinaryPrimitives.ReadUInt16LittleEndian(body);
                var channels = BinaryPrimitives.ReadUInt16LittleEndian(body[2..]);
                var sampleRate = BinaryPrimitives.ReadInt32LittleEndian(body[4..]);
                if (formatTag != MuLawFormatTag || channels != 1 || sampleRate != 8000)
                {
                    throw new InvalidDataException($"{fileName} is not 8 kHz mono μ-law.");
                }

                formatChecked = true;
            }
            else if (id == "data")
            {
                return formatChecked ? body.ToArray() : throw new InvalidDataException($"{fileName} has no fmt chunk before its data.");
            }

            // Chunks are word-aligned.
            offset += 8 + size + (size & 1);
        }

        throw new InvalidDataException($"{fileName} has no data chunk.");
    }

    private static string FindDirectory()
    {
        // The repository is checked out as <parent>/main with the shared fixtures in <parent>/shared.
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "shared", "audio");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException(
            $"No shared/audio directory found above {AppContext.BaseDirectory}; the fixtures live beside the repository root.");
    }
}
