namespace VoiceServer.Calls;

/// <summary>
/// How one function call is handled: <see cref="Output"/> goes back to the model at once when set; <see cref="Tool"/>
/// is the webhook to run; <see cref="Number"/> the transfer's destination, <see cref="AgentId"/> the handoff's.
/// </summary>
internal sealed record ToolCallAction(ToolCallKind Kind, string? Output = null, ToolDefinition? Tool = null, string? Number = null, string? AgentId = null);
