namespace VoiceServer.MainApp.Handoffs;

/// <summary>
/// The destination's signed, encrypted configuration for the call (<c>Config</c>, bound to its CallSid), and what the
/// origin agent's handoff says the destination is told: <c>Context</c> (<c>full</c>, <c>last_turns</c>, <c>summary</c>)
/// and, with <c>last_turns</c>, <c>LastTurns</c>.
/// </summary>
internal sealed record HandoffAnswer(string Config, string Context, int? LastTurns);
