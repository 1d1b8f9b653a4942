using VoiceServer.Legs;

namespace VoiceServer.WebSockets;

/// <summary>What one <see cref="WebSocketMessageReader.ReceiveAsync"/> produced.</summary>
public readonly record struct ReceivedMessage(LegCompletion? Completion, int Length, bool IsBinary = false)
{
    public bool IsMessage => Completion is null;
}
