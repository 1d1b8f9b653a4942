namespace VoiceServer.OpenAI;

internal sealed class RealtimeNoiseReduction
{
    public required string Type { get; init; }
}
