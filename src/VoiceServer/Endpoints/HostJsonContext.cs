using System.Text.Json.Serialization;

namespace VoiceServer.Endpoints;

/// <summary><c>GET /health</c> body.</summary>
internal sealed record HealthResponse(string Status, string Service, string Timestamp);

/// <summary>The JSON body of a refused media-stream request. <c>Field</c> names the bad parameter, if any.</summary>
internal sealed record ErrorResponse(string Error, string Message, string? Field = null);

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(HealthResponse))]
[JsonSerializable(typeof(ErrorResponse))]
internal sealed partial class HostJsonContext : JsonSerializerContext;
