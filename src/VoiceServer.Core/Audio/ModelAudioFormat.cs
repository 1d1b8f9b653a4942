namespace VoiceServer.Audio;

/// <summary>
/// The audio a call exchanges with the model, chosen per call from the caller's media format: G.711 μ-law at
/// 8 kHz passes straight through from a μ-law caller; a linear PCM caller (L16) is converted by its leg to and from
/// 16-bit PCM at 24 kHz, the model's native rate. Both directions of a call use the same format.
/// </summary>
public enum ModelAudioFormat
{
    /// <summary>G.711 μ-law, 8 kHz mono: one byte per sample (OpenAI <c>audio/pcmu</c>).</summary>
    MuLaw,

    /// <summary>16-bit signed little-endian PCM, 24 kHz mono: two bytes per sample (OpenAI <c>audio/pcm</c>).</summary>
    Pcm24,
}

/// <summary>The arithmetic every millisecond and byte computation of a call takes from its <see cref="ModelAudioFormat"/>.</summary>
public static class ModelAudioFormats
{
    /// <summary>24,000 samples a second, two bytes each.</summary>
    public const int Pcm24BytesPerMillisecond = 48;

    // 20 ms of silence, base64, per format: 160 × 0xFF for μ-law, 960 zero bytes for PCM.
    private static readonly byte[] s_muLawSilenceFrame = Base64Silence(MuLaw.Silence, 20 * MuLaw.BytesPerMillisecond);
    private static readonly byte[] s_pcm24SilenceFrame = Base64Silence(0, 20 * Pcm24BytesPerMillisecond);

    public static int BytesPerMillisecond(this ModelAudioFormat format) => format switch
    {
        ModelAudioFormat.Pcm24 => Pcm24BytesPerMillisecond,
        _ => MuLaw.BytesPerMillisecond,
    };

    /// <summary>20 ms of silence in this format, base64 (what fills a gap in the caller's audio).</summary>
    public static ReadOnlySpan<byte> SilenceFrame(this ModelAudioFormat format) => format switch
    {
        ModelAudioFormat.Pcm24 => s_pcm24SilenceFrame,
        _ => s_muLawSilenceFrame,
    };

    /// <summary>For logs and errors.</summary>
    public static string Describe(this ModelAudioFormat format) => format switch
    {
        ModelAudioFormat.Pcm24 => "16-bit PCM 24 kHz",
        _ => "G.711 μ-law",
    };

    private static byte[] Base64Silence(byte sample, int bytes)
    {
        var raw = new byte[bytes];
        Array.Fill(raw, sample);
        return System.Text.Encoding.ASCII.GetBytes(Convert.ToBase64String(raw));
    }
}
