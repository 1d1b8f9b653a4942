using System.Text.Json.Serialization;

namespace VoiceServer.Webhooks;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(ToolRequest))]
[JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class WebhookJsonContext : JsonSerializerContext;
