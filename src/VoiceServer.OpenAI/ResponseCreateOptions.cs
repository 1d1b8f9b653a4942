namespace VoiceServer.OpenAI;

internal sealed class ResponseCreateOptions
{
    public string? Instructions { get; init; }

    /// <summary><c>"none"</c> for an out-of-band response: its output is not added to the conversation.</summary>
    public string? Conversation { get; init; }

    public IReadOnlyList<string>? OutputModalities { get; init; }

    public string? ToolChoice { get; init; }

    /// <summary>Up to 16 string pairs, echoed on the response object of every event of this response.</summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }
}
