using System.Text.Json.Serialization;

namespace VoiceServer.Playground;

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(PlaygroundCallTicket))]
[JsonSerializable(typeof(LiveCallEvent))]
[JsonSerializable(typeof(LiveSpeechEvent))]
[JsonSerializable(typeof(LiveTurnEvent))]
[JsonSerializable(typeof(LiveBargeInEvent))]
internal sealed partial class PlaygroundJsonContext : JsonSerializerContext;
