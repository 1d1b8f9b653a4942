namespace VoiceServer.OpenAI;

internal sealed class FunctionOutputItem
{
    public string Type { get; } = "function_call_output";

    public required string CallId { get; init; }

    public required string Output { get; init; }
}
