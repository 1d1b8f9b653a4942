namespace VoiceServer.OpenAI;

/// <summary>The server events the bridge acts on (docs/reference/openai-realtime.md §4); everything else is <see cref="Other"/>.</summary>
internal enum RealtimeEventType
{
    Other,
    SessionCreated,
    SessionUpdated,
    Error,
    SpeechStarted,
    SpeechStopped,
    ResponseCreated,
    AudioDelta,
    AudioDone,
    ResponseDone,
    OutputTranscriptDelta,
    OutputTranscriptDone,
    InputCommitted,
    InputTranscriptCompleted,
    FunctionCallDone,
    ItemAdded,
    ItemDeleted,
}
