namespace VoiceServer.OpenAI;

internal sealed class ResponseCreateEvent
{
    public string Type { get; } = "response.create";

    /// <summary>Set when an <c>error</c> refusing this request must be recognised (out-of-band responses).</summary>
    public string? EventId { get; init; }

    public ResponseCreateOptions? Response { get; init; }
}
