namespace VoiceServer.Handoffs;

/// <summary>
/// An agent the call may be handed to, as the call's signed configuration names it: its id and what the model reads
/// about when to hand over. The destination's own configuration is fetched from the main app at handoff time.
/// </summary>
public sealed record HandoffDestination(string AgentId, string Description);
