namespace VoiceServer.Playground;

/// <summary>Live view <c>call</c> event: waiting, connected, ready, ended (with the end reason).</summary>
internal sealed record LiveCallEvent(string State, string? CallId = null, string? Reason = null, string? Detail = null, long? DurationMs = null);
