namespace VoiceServer.OpenAI;

internal sealed class TruncateEvent
{
    public string Type { get; } = "conversation.item.truncate";

    public required string ItemId { get; init; }

    public required int ContentIndex { get; init; }

    public required int AudioEndMs { get; init; }
}
