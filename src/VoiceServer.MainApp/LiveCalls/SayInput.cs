namespace VoiceServer.MainApp.LiveCalls;

internal sealed record SayInput(string? Text);
