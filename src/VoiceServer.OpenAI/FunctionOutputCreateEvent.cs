namespace VoiceServer.OpenAI;

internal sealed class FunctionOutputCreateEvent
{
    public string Type { get; } = "conversation.item.create";

    public required FunctionOutputItem Item { get; init; }
}
