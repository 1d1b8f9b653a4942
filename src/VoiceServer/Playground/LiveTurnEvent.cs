using System.Text.Json.Serialization;

namespace VoiceServer.Playground;

/// <summary>Live view <c>turn</c> event: a snapshot of one transcript turn, replacing any earlier one with its id.</summary>
internal sealed record LiveTurnEvent(
    string Id,
    string Speaker,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Text,
    bool Final,
    bool Interrupted,
    bool Keypad,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] long? LatencyMs);
