using VoiceServer.Audio;

namespace VoiceServer.TwilioEmulator;

/// <summary>
/// The repository's sample calls (<c>samples/audio</c>, copied beside the test assemblies by tests/VoiceServer.Fakes) and generated
/// test audio, all as 8 kHz μ-law.
/// </summary>
public static class AudioFixtures
{
    /// <summary>Overrides the fixture folder, for audio of one's own.</summary>
    public const string DirectoryVariable = "VOICE_SERVER_AUDIO_DIR";

    public const string CallerBooking = "caller-booking-8k-mulaw.wav";
    public const string CallerBookingPcm16 = "caller-booking-8k-pcm16.wav";
    public const string CallerInterrupt = "caller-interrupt-8k-mulaw.wav";
    public const string Silence2Seconds = "silence-2s-8k-mulaw.wav";

    private static readonly Lazy<string> s_directory = new(FindDirectory);

    /// <summary>The folder holding the fixtures.</summary>
    public static string Directory => s_directory.Value;

    public static string GetPath(string fileName)
    {
        ArgumentException.ThrowIfNullOrEmpty(fileName);
        return Path.IsPathRooted(fileName) ? fileName : Path.Combine(Directory, fileName);
    }

    /// <summary>Loads a fixture (μ-law or PCM16 WAV, 8 kHz mono) as raw μ-law bytes.</summary>
    public static byte[] LoadMulaw(string fileName) => WavReader.ReadMulawFile(GetPath(fileName));

    /// <summary>A sine tone as μ-law, at about -12 dBFS so it is clearly speech-loud to a VAD.</summary>
    public static byte[] Tone(int milliseconds, double hz = 440)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(milliseconds);
        const double Amplitude = 8000;
        var result = new byte[milliseconds * MuLaw.BytesPerMillisecond];
        for (var i = 0; i < result.Length; i++)
        {
            var sample = Amplitude * Math.Sin(2 * Math.PI * hz * i / MuLaw.SampleRate);
            result[i] = MuLaw.Encode((short)Math.Round(sample));
        }

        return result;
    }

    public static byte[] Silence(int milliseconds)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(milliseconds);
        var result = new byte[milliseconds * MuLaw.BytesPerMillisecond];
        Array.Fill(result, MuLaw.Silence);
        return result;
    }

    private static string FindDirectory()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(DirectoryVariable);
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            return System.IO.Directory.Exists(fromEnvironment)
                ? fromEnvironment
                : throw new DirectoryNotFoundException($"{DirectoryVariable} points to a missing folder: {fromEnvironment}");
        }

        var besideAssembly = Path.Combine(AppContext.BaseDirectory, "audio");
        return System.IO.Directory.Exists(besideAssembly)
            ? besideAssembly
            : throw new DirectoryNotFoundException(
                $"Audio fixtures not found in {besideAssembly}: the build copies samples/audio there; or set {DirectoryVariable}.");
    }
}
