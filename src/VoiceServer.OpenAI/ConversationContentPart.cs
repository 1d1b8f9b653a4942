namespace VoiceServer.OpenAI;

internal sealed class ConversationContentPart
{
    public required string Type { get; init; }

    public required string Text { get; init; }
}
