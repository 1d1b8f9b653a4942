namespace VoiceServer.OpenAI;

internal sealed class RealtimeAudioOutput
{
    public RealtimeAudioFormat Format { get; init; } = RealtimeAudioFormat.MuLaw;

    public required string Voice { get; init; }
}
