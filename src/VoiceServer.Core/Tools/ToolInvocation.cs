namespace VoiceServer.Tools;

/// <summary>One call of a tool by the model, with what the receiver needs to know about the phone call.</summary>
public sealed record ToolInvocation(string CallId, string? CallSid, string? AgentId, string ToolCallId, string Name, string ArgumentsJson);
