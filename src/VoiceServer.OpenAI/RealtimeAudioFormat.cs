using VoiceServer.Audio;

namespace VoiceServer.OpenAI;

/// <summary><c>audio.input.format</c> / <c>audio.output.format</c>: <c>{"type":"audio/pcmu"}</c> or <c>{"type":"audio/pcm","rate":24000}</c>.</summary>
internal sealed class RealtimeAudioFormat
{
    public const string MuLawType = "audio/pcmu";

    public const string PcmType = "audio/pcm";

    /// <summary>The only rate <c>audio/pcm</c> takes.</summary>
    public const int PcmRate = 24000;

    public static RealtimeAudioFormat MuLaw { get; } = new() { Type = MuLawType };

    public static RealtimeAudioFormat Pcm24 { get; } = new() { Type = PcmType, Rate = PcmRate };

    public required string Type { get; init; }

    /// <summary>Only for <c>audio/pcm</c>; μ-law is fixed at 8 kHz and takes none.</summary>
    public int? Rate { get; init; }

    public static RealtimeAudioFormat For(ModelAudioFormat format) => format == ModelAudioFormat.Pcm24 ? Pcm24 : MuLaw;
}
