using System.Text.Json.Serialization;

namespace VoiceServer.OpenAI;

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SessionUpdateEvent))]
[JsonSerializable(typeof(TruncateEvent))]
[JsonSerializable(typeof(DeleteItemEvent))]
[JsonSerializable(typeof(ResponseCreateEvent))]
[JsonSerializable(typeof(ConversationItemCreateEvent))]
[JsonSerializable(typeof(FunctionOutputCreateEvent))]
internal sealed partial class RealtimeJsonContext : JsonSerializerContext;
