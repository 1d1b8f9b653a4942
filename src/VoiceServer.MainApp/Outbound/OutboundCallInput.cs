namespace VoiceServer.MainApp.Outbound;

/// <summary><c>POST /api/calls</c>: which agent calls whom, and from which of the account's numbers (optional).</summary>
internal sealed record OutboundCallInput(string? AgentId, string? To, string? From);
