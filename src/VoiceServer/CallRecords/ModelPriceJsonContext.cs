using System.Text.Json.Serialization;

namespace VoiceServer.CallRecords;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, RespectRequiredConstructorParameters = true)]
[JsonSerializable(typeof(Dictionary<string, ModelPrice>))]
internal sealed partial class ModelPriceJsonContext : JsonSerializerContext;
