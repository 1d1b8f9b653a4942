namespace VoiceServer.Handoffs;

/// <summary>The main app's answer: the destination's signed <c>config</c> token, and what it is told (<c>full</c>, <c>last_turns</c> with <c>LastTurns</c>, <c>summary</c>).</summary>
internal sealed record HandoffAnswer(string? Config, string? Context, int? LastTurns);
