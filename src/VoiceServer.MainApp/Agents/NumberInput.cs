namespace VoiceServer.MainApp.Agents;

internal sealed record NumberInput(string? AgentId);
