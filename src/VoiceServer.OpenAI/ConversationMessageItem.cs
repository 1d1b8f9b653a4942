namespace VoiceServer.OpenAI;

/// <summary>A text message item: user turns carry <c>input_text</c>, assistant turns <c>output_text</c>.</summary>
internal sealed class ConversationMessageItem
{
    public string Type { get; } = "message";

    public required string Role { get; init; }

    public required IReadOnlyList<ConversationContentPart> Content { get; init; }
}
