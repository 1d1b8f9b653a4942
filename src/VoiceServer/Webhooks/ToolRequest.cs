using System.Text.Json;

namespace VoiceServer.Webhooks;

/// <summary>What a webhook tool receives.</summary>
internal sealed record ToolRequest(string CallId, string? CallSid, string? AgentId, string Tool, string ToolCallId, JsonElement Arguments);
