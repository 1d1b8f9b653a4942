namespace VoiceServer.Endpoints;

/// <summary><c>GET /health</c> body.</summary>
internal sealed record HealthResponse(string Status, string Service, string Timestamp);
