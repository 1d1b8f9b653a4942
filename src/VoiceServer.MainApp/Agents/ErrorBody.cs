namespace VoiceServer.MainApp.Agents;

internal sealed record ErrorBody(string Error, string Message, string? Field = null);
