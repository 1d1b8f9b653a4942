using System.Text.Json.Serialization;

namespace VoiceServer.Playground;

/// <summary><c>POST /api/playground/calls</c>: the ticket for one call and where to bring it.</summary>
internal sealed record PlaygroundCallTicket(string LiveViewId, string MediaStreamPath, int ExpiresInSeconds);

/// <summary>Live view <c>call</c> event: waiting, connected, ready, ended (with the end reason).</summary>
internal sealed record LiveCallEvent(string State, string? CallId = null, string? Reason = null, string? Detail = null, long? DurationMs = null);

/// <summary>Live view <c>speech</c> event: the caller's VAD, or the agent's replies starting and ending.</summary>
internal sealed record LiveSpeechEvent(string Speaker, string State);

/// <summary>Live view <c>turn</c> event: a snapshot of one transcript turn, replacing any earlier one with its id.</summary>
internal sealed record LiveTurnEvent(
    string Id,
    string Speaker,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Text,
    bool Final,
    bool Interrupted,
    bool Keypad,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] long? LatencyMs);

/// <summary>Live view <c>bargein</c> event: the caller talked over the agent.</summary>
internal sealed record LiveBargeInEvent(int Count);

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(PlaygroundCallTicket))]
[JsonSerializable(typeof(LiveCallEvent))]
[JsonSerializable(typeof(LiveSpeechEvent))]
[JsonSerializable(typeof(LiveTurnEvent))]
[JsonSerializable(typeof(LiveBargeInEvent))]
internal sealed partial class PlaygroundJsonContext : JsonSerializerContext;
