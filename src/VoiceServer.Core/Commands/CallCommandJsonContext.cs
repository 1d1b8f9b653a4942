using System.Text.Json.Serialization;

namespace VoiceServer.Commands;

/// <summary>The commands' and acknowledgements' JSON (camelCase; absent values left out), the same on both sides.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(CallCommand))]
[JsonSerializable(typeof(CallCommandAck))]
public sealed partial class CallCommandJsonContext : JsonSerializerContext;
