namespace VoiceServer.Calls;

/// <summary>An ending the agent asked for with a built-in tool: hang up, or transfer to <paramref name="Number"/>.</summary>
internal sealed record CallControlRequest(CallEndReason Reason, string Detail, string? Number);
