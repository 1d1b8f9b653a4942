using System.Net.WebSockets;

namespace VoiceServer.TwilioEmulator;

/// <summary>One whole WebSocket message, or the close frame that ended the stream.</summary>
internal readonly record struct WebSocketMessage(
    WebSocketMessageType Type,
    byte[] Data,
    WebSocketCloseStatus? CloseStatus,
    string? CloseDescription,
    bool TooLarge);
