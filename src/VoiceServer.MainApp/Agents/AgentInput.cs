namespace VoiceServer.MainApp.Agents;

/// <summary>What the admin API accepts for an agent. <c>OpenAIKey</c>: omitted keeps the stored key, "" removes it.</summary>
internal sealed record AgentInput(string? Name, string? Prompt, string? Voice, double? Temperature, string? Greeting, string? Tools, string? OpenAIKey, bool? Enabled);
