namespace VoiceServer.OpenAI;

internal sealed class ConversationItemCreateEvent
{
    public string Type { get; } = "conversation.item.create";

    public required ConversationMessageItem Item { get; init; }
}
