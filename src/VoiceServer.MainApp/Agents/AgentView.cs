namespace VoiceServer.MainApp.Agents;

/// <summary>An agent as the admin API shows it: never its key, only whether it has one.</summary>
internal sealed record AgentView(string Id, string Name, string? Prompt, string Voice, double? Temperature, string? Greeting, string? Tools, bool HasOwnKey, bool Enabled, IReadOnlyList<string> Numbers, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);
