namespace VoiceServer.Tests.Infrastructure;

/// <summary>One captured log entry: everything a log line could reveal, formatted.</summary>
public sealed record CapturedLogEntry(string Category, LogLevel Level, string EventName, string Message, string? Exception, string State)
{
    /// <summary>The scopes the line was written in, each as its key=value pairs.</summary>
    public string Scopes { get; init; } = string.Empty;
}
