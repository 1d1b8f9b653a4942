namespace VoiceServer.OpenAI;

internal sealed class DeleteItemEvent
{
    public string Type { get; } = "conversation.item.delete";

    public required string EventId { get; init; }

    public required string ItemId { get; init; }
}
