namespace VoiceServer.OpenAI;

internal sealed class RealtimeAudioOutput
{
    public RealtimeAudioFormat Format { get; } = RealtimeAudioFormat.MuLaw;

    public required string Voice { get; init; }
}
