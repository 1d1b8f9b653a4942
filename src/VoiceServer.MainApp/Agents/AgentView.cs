namespace VoiceServer.MainApp.Agents;

/// <summary>
/// An agent as the admin API shows it: never its key, only whether it has one. <c>Numbers</c> are the numbers alone,
/// <c>PhoneNumbers</c> the same numbers with their provider. <c>Record</c>: its Twilio calls are recorded.
/// <c>Analysis</c>: the post-call analysis plan, absent for none.
/// </summary>
internal sealed record AgentView(
    string Id,
    string Name,
    string? Prompt,
    string Voice,
    double? Temperature,
    string? Greeting,
    string? Tools,
    bool HasOwnKey,
    bool Enabled,
    IReadOnlyList<string> Numbers,
    IReadOnlyList<PhoneNumberView> PhoneNumbers,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    string VoicemailPolicy,
    string? VoicemailMessage,
    int OutboundCallsPerMinute,
    int OutboundMaxConcurrent,
    bool Record,
    Analysis.AnalysisPlan? Analysis,
    IReadOnlyList<Data.AgentHandoff> Handoffs);
