namespace VoiceServer.MainApp.Data;

/// <summary>
/// An agent as stored. <see cref="OpenAIKeyEncrypted"/> is the agent's own key, encrypted at rest; null means the voice
/// server's key. <see cref="RecordCalls"/>: its Twilio calls are recorded by Twilio, caller and agent on separate channels.
/// <see cref="AnalysisPlan"/> is its post-call analysis plan as JSON (Analysis/AnalysisPlan), null for none.
/// <see cref="Handoffs"/> are the agents it may hand a call to, in the order the model is told them.
/// </summary>
internal sealed record Agent(
    string Id,
    string Name,
    string? Prompt,
    string Voice,
    double? Temperature,
    string? Greeting,
    string? Tools,
    string? OpenAIKeyEncrypted,
    bool Enabled,
    AgentOutbound Outbound,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    IReadOnlyList<AgentHandoff> Handoffs,
    bool RecordCalls = false,
    string? AnalysisPlan = null);
