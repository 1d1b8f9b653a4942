namespace VoiceServer.OpenAI;

// The client events we build off the per-frame path, in the GA shape of docs/reference/openai-realtime.md §2–3. Built from fixed
// types, never from caller-supplied JSON: one unknown key would reject the whole session.update.

internal sealed class SessionUpdateEvent
{
    public string Type { get; } = "session.update";

    public required string EventId { get; init; }

    public required RealtimeSessionConfig Session { get; init; }
}
