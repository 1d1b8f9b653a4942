using VoiceServer.Audio;
using VoiceServer.Calls;

namespace VoiceServer.Legs;

/// <summary>
/// The session the call asks the model for (the wire shape belongs to the adapter). <c>TranscriptionModel</c>
/// transcribes the caller's speech (in <c>Language</c> when given); null for none. <c>AudioFormat</c> is
/// asked for both ways. <c>ReplacesAll</c>: the update changes a live session to another agent's, so what this request
/// leaves unset (instructions, tools) is cleared rather than kept.
/// </summary>
public sealed record ModelSessionRequest(
    string? Instructions,
    string Voice,
    bool InterruptResponse,
    string? TranscriptionModel = null,
    string? Language = null,
    TurnDetectionSettings? TurnDetection = null,
    string? NoiseReduction = null,
    IReadOnlyList<ToolDefinition>? Tools = null,
    ModelAudioFormat AudioFormat = ModelAudioFormat.MuLaw,
    bool ReplacesAll = false);
