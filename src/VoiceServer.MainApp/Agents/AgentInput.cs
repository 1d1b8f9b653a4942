namespace VoiceServer.MainApp.Agents;

/// <summary>
/// What the admin API accepts for an agent. <c>OpenAIKey</c>: omitted keeps the stored key, "" removes it. The
/// outbound settings and <c>Record</c>, omitted, keep the stored ones (a new agent's: <see cref="Data.AgentOutbound.Default"/>,
/// not recorded); so do <c>Handoffs</c> ([] removes them). <c>Analysis</c>: omitted keeps the stored plan, <c>{}</c> removes it.
/// </summary>
internal sealed record AgentInput(
    string? Name,
    string? Prompt,
    string? Voice,
    double? Temperature,
    string? Greeting,
    string? Tools,
    string? OpenAIKey,
    bool? Enabled,
    string? VoicemailPolicy = null,
    string? VoicemailMessage = null,
    int? OutboundCallsPerMinute = null,
    int? OutboundMaxConcurrent = null,
    bool? Record = null,
    Analysis.AnalysisPlan? Analysis = null,
    IReadOnlyList<HandoffInput>? Handoffs = null);
