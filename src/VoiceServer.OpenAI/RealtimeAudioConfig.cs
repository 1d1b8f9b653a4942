namespace VoiceServer.OpenAI;

internal sealed class RealtimeAudioConfig
{
    public required RealtimeAudioInput Input { get; init; }

    public required RealtimeAudioOutput Output { get; init; }
}
