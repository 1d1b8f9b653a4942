namespace VoiceServer.OpenAI;

internal sealed class RealtimeAudioFormat
{
    public const string MuLawType = "audio/pcmu";

    public static RealtimeAudioFormat MuLaw { get; } = new() { Type = MuLawType };

    public required string Type { get; init; }
}
