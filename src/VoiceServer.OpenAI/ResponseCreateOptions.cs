namespace VoiceServer.OpenAI;

internal sealed class ResponseCreateOptions
{
    public string? Instructions { get; init; }
}
