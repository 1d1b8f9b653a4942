namespace VoiceServer.Handoffs;

/// <summary>What the main app's <c>/api/handoffs</c> is asked: agent <c>ToAgentId</c>'s configuration, for call <c>CallSid</c>, handed from <c>FromAgentId</c>.</summary>
internal sealed record HandoffRequest(string CallSid, string FromAgentId, string ToAgentId);
