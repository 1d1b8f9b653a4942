using System.Net.WebSockets;

namespace VoiceServer.Legs;

public readonly record struct LegCompletion(
    LegCompletionKind Kind,
    WebSocketCloseStatus? CloseStatus = null,
    string? CloseDescription = null);
