using System.Text.Json.Serialization;

namespace VoiceServer.Handoffs;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(HandoffRequest))]
[JsonSerializable(typeof(HandoffAnswer))]
internal sealed partial class HandoffJsonContext : JsonSerializerContext;
