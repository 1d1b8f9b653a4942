namespace VoiceServer.WebSockets;

/// <summary>Handles one received text message; <paramref name="scratch"/> is at least as long as the message.</summary>
public delegate void MessageHandler<in TState>(TState state, ReadOnlySpan<byte> message, Span<byte> scratch);
