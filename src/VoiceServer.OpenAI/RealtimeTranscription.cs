namespace VoiceServer.OpenAI;

internal sealed class RealtimeTranscription
{
    public required string Model { get; init; }

    public string? Language { get; init; }
}
