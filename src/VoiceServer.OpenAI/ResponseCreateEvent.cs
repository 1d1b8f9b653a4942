namespace VoiceServer.OpenAI;

internal sealed class ResponseCreateEvent
{
    public string Type { get; } = "response.create";

    public ResponseCreateOptions? Response { get; init; }
}
