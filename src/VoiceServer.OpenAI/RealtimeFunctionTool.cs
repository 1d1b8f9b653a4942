namespace VoiceServer.OpenAI;

internal sealed class RealtimeFunctionTool
{
    public string Type { get; } = "function";

    public required string Name { get; init; }

    public required string Description { get; init; }

    public required System.Text.Json.JsonElement Parameters { get; init; }
}
