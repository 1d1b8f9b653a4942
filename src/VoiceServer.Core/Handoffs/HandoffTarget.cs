using VoiceServer.Calls;

namespace VoiceServer.Handoffs;

/// <summary>
/// A destination fetched for a handoff: its validated configuration (signed for this call, with the same trust as the
/// first agent's) and what it is told of the conversation.
/// </summary>
public sealed record HandoffTarget(CallConfiguration Configuration, HandoffContext Context, int? LastTurns);
