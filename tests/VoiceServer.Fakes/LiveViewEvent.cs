using System.Text.Json.Nodes;

namespace VoiceServer.Fakes;

/// <summary>One event of the playground's live view: its SSE <c>event</c> name and its <c>data</c> as JSON.</summary>
public sealed record LiveViewEvent(string Type, JsonObject Data)
{
    public string? this[string property] => Data[property]?.GetValue<object>()?.ToString();

    public override string ToString() => $"{Type} {Data.ToJsonString()}";
}
