namespace VoiceServer.MainApp.Agents;

/// <summary>What the admin API accepts for a number: the agent it reaches and its provider (<c>twilio</c> when omitted).</summary>
internal sealed record NumberInput(string? AgentId, string? Provider);
