namespace VoiceServer.MainApp.LiveCalls;

internal sealed record TransferInput(string? To);
