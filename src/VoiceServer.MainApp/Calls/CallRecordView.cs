using System.Text.Json;

namespace VoiceServer.MainApp.Calls;

/// <summary>A stored call record as <c>GET /api/calls</c> lists it: the voice server's record, whole, and when it arrived.</summary>
internal sealed record CallRecordView(string CallId, string? AgentId, string? CallSid, DateTimeOffset StartedAt, long DurationMs, string EndReason, JsonElement Record, DateTimeOffset ReceivedAt);
