namespace VoiceServer.MainApp.Agents;

/// <summary>One entry of an agent's <c>handoffs</c> as the admin API accepts it; <see cref="Context"/> omitted is <c>full</c>.</summary>
internal sealed record HandoffInput(string? AgentId, string? Description, string? Context = null, int? LastTurns = null);
