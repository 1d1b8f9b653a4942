namespace VoiceServer.MainApp.Hosting;

internal sealed record HealthBody(string Status, string Service, DateTimeOffset Timestamp);
