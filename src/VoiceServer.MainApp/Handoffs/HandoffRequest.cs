namespace VoiceServer.MainApp.Handoffs;

/// <summary>The voice server asks for the configuration of <c>ToAgentId</c>, to which <c>FromAgentId</c> hands call <c>CallSid</c>.</summary>
internal sealed record HandoffRequest(string? CallSid, string? FromAgentId, string? ToAgentId);
